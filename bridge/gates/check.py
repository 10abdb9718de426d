"""Join gates: who may take part in a group. A public group's channels are open to everyone in
them; an invite group admits a fan with a moderator's code; an approval group admits a fan a
moderator approved. Admitted fans hold the group role "member" (owners, moderators and artists
are always admitted). Until admitted, a fan's messages in a gated group are not relayed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bridge.durations import DAY
from bridge.ids import ChannelRef, Role, UserRef, Visibility
from bridge.ports import ModerationStore, OutboxStore, RosterStore
from bridge.records import FanGroup

DEFAULT_USES, DEFAULT_TTL, MAX_USES = 1, 7 * DAY, 1000
ADMITTED_ROLES = frozenset(Role)  # any role in the group admits: owner, moderator, artist, member


@dataclass(frozen=True, slots=True)
class InviteUse:
    """What using an invite code came to: ``ok``, ``unknown``, ``expired`` or ``used``."""

    status: str
    group_id: int | None


@dataclass(frozen=True, slots=True)
class JoinRequest:
    id: int
    group_id: int
    user: UserRef  # the fan who asked
    channel: ChannelRef  # where they asked
    status: str  # pending | approved | denied
    decided_by: str | None
    created_at: float


@dataclass(frozen=True, slots=True)
class Grant:
    """What admitting a fan did in one channel: ``done`` or ``failed`` (with the error)."""

    channel: ChannelRef
    status: str
    detail: str = ""


class GateStore(Protocol):
    async def set_visibility(self, group_id: int, visibility: Visibility) -> None: ...

    async def add_invite(
        self,
        *,
        group_id: int,
        code_hash: str,
        uses: int,
        expires_at: float,
        created_by: str | None,
        at: float,
    ) -> None: ...

    async def invite_group(self, code_hash: str) -> int | None: ...

    async def use_invite(self, code_hash: str, *, at: float) -> InviteUse: ...

    async def add_join_request(
        self, *, group_id: int, user: UserRef, channel: ChannelRef, at: float
    ) -> JoinRequest: ...

    async def get_join_request(self, request_id: int) -> JoinRequest | None: ...

    async def pending_join_request(self, group_id: int, user: UserRef) -> JoinRequest | None: ...

    async def decide_join_request(
        self, request_id: int, *, status: str, decided_by: str, at: float
    ) -> bool: ...


class GatedStore(RosterStore, OutboxStore, ModerationStore, GateStore, Protocol):
    """The store the gate service needs."""


class GatePort(Protocol):
    """What a platform does for the gates."""

    async def post_request(self, channel: ChannelRef, text: str, request_id: int) -> None:
        """Post a join request card with Approve / Deny buttons."""
        ...

    async def admit(
        self, group: FanGroup, user: UserRef, channels: Sequence[ChannelRef]
    ) -> list[Grant]:
        """Let ``user`` into the group's ``channels`` (all on this platform, one workspace)."""
        ...


class GateCheck:
    """The relay's question: may this member's messages in this group be relayed?"""

    def __init__(self, store: RosterStore) -> None:
        self.store = store

    async def admitted(self, group_id: int, member_id: int) -> bool:
        group = await self.store.get_group_by_id(group_id)
        if group is None or group.visibility is Visibility.PUBLIC:
            return True
        roles = await self.store.roles_in_group(group_id)
        return any(r.member_id == member_id and r.role in ADMITTED_ROLES for r in roles)
