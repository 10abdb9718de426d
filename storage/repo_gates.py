"""Join gates: a group's visibility, its invite codes and the join requests of approval groups."""

from __future__ import annotations

from sqlmodel import col, select, update

from bridge.gates.check import InviteUse, JoinRequest
from bridge.ids import ChannelRef, Platform, UserRef, Visibility
from storage.base import RepoBase
from storage.tables import FanGroupRow, GroupInviteRow, JoinRequestRow


def _request(row: JoinRequestRow) -> JoinRequest:
    assert row.id is not None
    platform = Platform(row.platform)
    return JoinRequest(
        id=row.id,
        group_id=row.group_id,
        user=UserRef(platform, row.workspace_id, row.user_id),
        channel=ChannelRef(platform, row.workspace_id, row.channel_id),
        status=row.status,
        decided_by=row.decided_by,
        created_at=row.created_at,
    )


class GateRepo(RepoBase):
    async def set_visibility(self, group_id: int, visibility: Visibility) -> None:
        async with self.session() as s:
            row = await s.get(FanGroupRow, group_id)
            if row is not None:
                row.visibility = visibility.value
                s.add(row)

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
        row = GroupInviteRow(
            group_id=group_id,
            code_hash=code_hash,
            uses_left=uses,
            expires_at=expires_at,
            created_by=created_by,
            created_at=at,
        )
        async with self.session() as s:
            s.add(row)

    async def invite_group(self, code_hash: str) -> int | None:
        """The group a code admits to (used up or not), without using it."""
        query = select(GroupInviteRow.group_id).where(GroupInviteRow.code_hash == code_hash)
        async with self.session() as s:
            return (await s.exec(query)).first()

    async def use_invite(self, code_hash: str, *, at: float) -> InviteUse:
        """Take one use of the code, in one statement (two fans racing for the last use: one
        wins). ``unknown``, ``expired``, ``used`` or ``ok`` with the code's group."""
        async with self.session() as s:
            query = select(GroupInviteRow).where(GroupInviteRow.code_hash == code_hash)
            row = (await s.exec(query)).first()
            if row is None:
                return InviteUse("unknown", None)
            if at >= row.expires_at:
                return InviteUse("expired", row.group_id)
            taken = await s.exec(
                update(GroupInviteRow)
                .where((col(GroupInviteRow.id) == row.id) & (col(GroupInviteRow.uses_left) > 0))
                .values(uses_left=col(GroupInviteRow.uses_left) - 1)
            )
            return InviteUse("ok" if taken.rowcount else "used", row.group_id)

    async def add_join_request(
        self, *, group_id: int, user: UserRef, channel: ChannelRef, at: float
    ) -> JoinRequest:
        row = JoinRequestRow(
            group_id=group_id,
            platform=user.platform.value,
            workspace_id=user.workspace,
            user_id=user.user,
            channel_id=channel.channel,
            created_at=at,
        )
        async with self.session() as s:
            s.add(row)
            await s.flush()
            return _request(row)

    async def get_join_request(self, request_id: int) -> JoinRequest | None:
        async with self.session() as s:
            row = await s.get(JoinRequestRow, request_id)
            return _request(row) if row else None

    async def pending_join_request(self, group_id: int, user: UserRef) -> JoinRequest | None:
        query = select(JoinRequestRow).where(
            (col(JoinRequestRow.group_id) == group_id)
            & (col(JoinRequestRow.platform) == user.platform.value)
            & (col(JoinRequestRow.workspace_id) == user.workspace)
            & (col(JoinRequestRow.user_id) == user.user)
            & (col(JoinRequestRow.status) == "pending")
        )
        async with self.session() as s:
            row = (await s.exec(query)).first()
            return _request(row) if row else None

    async def decide_join_request(
        self, request_id: int, *, status: str, decided_by: str, at: float
    ) -> bool:
        """Settle a pending request; False when it was settled already (two moderators)."""
        async with self.session() as s:
            result = await s.exec(
                update(JoinRequestRow)
                .where(
                    (col(JoinRequestRow.id) == request_id)
                    & (col(JoinRequestRow.status) == "pending")
                )
                .values(status=status, decided_by=decided_by[:200], decided_at=at)
            )
            return bool(result.rowcount)
