"""Who holds which role in a group, asked one way by every service. Roles attach to the member
(the person across platforms), so a role granted to one of their accounts holds on all of them.

- an **owner** is a member holding the group role owner;
- a **moderator** is an owner or a member holding the role moderator;
- a **manager** of a group, for one command, is its owner or anyone the platform lets manage the
  channel the command runs in (Discord Manage Channels, a Slack workspace admin)."""

from __future__ import annotations

from collections.abc import Iterable

from bridge.events import CommandInvoked
from bridge.ids import Role, UserRef
from bridge.ports import MemberStore
from bridge.records import FanGroup

MODERATING = (Role.OWNER, Role.MODERATOR)


class GroupRoles:
    def __init__(self, store: MemberStore) -> None:
        self.store = store

    async def has_role(self, group: FanGroup, user: UserRef, roles: Iterable[Role]) -> bool:
        """``user`` (through any of the person's linked accounts) holds one of ``roles``."""
        account = await self.store.get_account(user)
        if account is None:
            return False
        wanted = set(roles)
        return any(
            r.member_id == account.member_id and r.role in wanted
            for r in await self.store.roles_in_group(group.id)
        )

    async def is_owner(self, group: FanGroup, user: UserRef) -> bool:
        return await self.has_role(group, user, (Role.OWNER,))

    async def is_moderator(self, group: FanGroup, user: UserRef) -> bool:
        """An owner or a moderator of the group."""
        return await self.has_role(group, user, MODERATING)

    async def may_manage(self, event: CommandInvoked, group: FanGroup) -> bool:
        """The command's caller may change the group's settings from this channel."""
        return event.can_manage_channel or await self.is_owner(group, event.user)
