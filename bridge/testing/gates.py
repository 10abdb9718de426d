"""Join gates in memory: a group's visibility, its invite codes and its join requests."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bridge.gates.check import InviteUse, JoinRequest
from bridge.ids import ChannelRef, UserRef, Visibility
from bridge.testing.tables import Tables


@dataclass
class _Invite:
    group_id: int
    uses_left: int
    expires_at: float


class MemoryGates:
    def __init__(self, tables: Tables) -> None:
        self.t = tables
        self.invites: dict[str, _Invite] = {}
        self.requests: dict[int, JoinRequest] = {}

    async def set_visibility(self, group_id: int, visibility: Visibility) -> None:
        group = self.t.groups.get(group_id)
        if group is not None:
            self.t.groups[group_id] = replace(group, visibility=visibility)

    async def add_invite(
        self,
        *,
        group_id: int,
        code_hash: str,
        uses: int,
        expires_at: float,
        created_by: str | None,
        at: float,
    ) -> None:
        if code_hash in self.invites:
            raise ValueError("an invite with this code exists")  # the SQL unique key refuses it
        self.invites[code_hash] = _Invite(group_id, uses, expires_at)

    async def invite_group(self, code_hash: str) -> int | None:
        invite = self.invites.get(code_hash)
        return invite.group_id if invite is not None else None

    async def use_invite(self, code_hash: str, *, at: float) -> InviteUse:
        invite = self.invites.get(code_hash)
        if invite is None:
            return InviteUse("unknown", None)
        if at >= invite.expires_at:
            return InviteUse("expired", invite.group_id)
        if invite.uses_left <= 0:
            return InviteUse("used", invite.group_id)
        invite.uses_left -= 1
        return InviteUse("ok", invite.group_id)

    async def add_join_request(
        self, *, group_id: int, user: UserRef, channel: ChannelRef, at: float
    ) -> JoinRequest:
        request_id = self.t.next_id("join_request")
        where = ChannelRef(user.platform, user.workspace, channel.channel)
        request = JoinRequest(request_id, group_id, user, where, "pending", None, at)
        self.requests[request_id] = request
        return request

    async def get_join_request(self, request_id: int) -> JoinRequest | None:
        return self.requests.get(request_id)

    async def pending_join_request(self, group_id: int, user: UserRef) -> JoinRequest | None:
        return next(
            (
                r
                for r in self.requests.values()
                if (r.group_id, r.user, r.status) == (group_id, user, "pending")
            ),
            None,
        )

    async def decide_join_request(
        self, request_id: int, *, status: str, decided_by: str, at: float
    ) -> bool:
        request = self.requests.get(request_id)
        if request is None or request.status != "pending":
            return False
        self.requests[request_id] = replace(request, status=status, decided_by=decided_by[:200])
        return True
