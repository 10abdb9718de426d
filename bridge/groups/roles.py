"""Who holds which role in a group, asked one way by every service (``GroupRoles``), and the
commands that grant and list them (`/fangroup mod add|remove @user`, `/fangroup roles`). Roles
attach to the member (the person across platforms), so a role granted to one of their accounts
holds on all of them.

- an **owner** is a member holding the group role owner;
- a **moderator** is an owner or a member holding the role moderator;
- a **manager** of a group, for one command, is its owner or anyone the platform lets manage the
  channel the command runs in (Discord Manage Channels, a Slack workspace admin)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from bridge.events import CommandInvoked
from bridge.groups.mentions import target_id
from bridge.groups.replies import NOT_LINKED, owners_only, people, safe_name
from bridge.ids import Role, UserRef
from bridge.outcome import Outcome, Reply
from bridge.ports import MemberStore, RosterStore
from bridge.records import Account, FanGroup

MODERATING = (Role.OWNER, Role.MODERATOR)
LISTED = ((Role.OWNER, "Owners"), (Role.MODERATOR, "Moderators"), (Role.ARTIST, "Artists"))
MOD_USAGE = "Usage: `/fangroup mod add @user` or `/fangroup mod remove @user`"


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


class RoleCommands:
    """`/fangroup mod add|remove @user` and `/fangroup roles` for the channel's group."""

    def __init__(self, store: RosterStore) -> None:
        self.store = store
        self.rules = GroupRoles(store)
        self._table: dict[str, Callable[[CommandInvoked, FanGroup, Account], Awaitable[Reply]]] = {
            "add": self._add,
            "remove": self._remove,
        }

    async def _group(self, event: CommandInvoked) -> FanGroup | None:
        link = await self.store.link_for_channel(event.channel)
        return await self.store.get_group_by_id(link.group_id) if link else None

    async def mod(self, event: CommandInvoked) -> Outcome:
        action = self._table.get(event.path[1] if len(event.path) > 1 else "")
        user_id = target_id(event.args.get("user", ""))
        if action is None or not user_id:
            return Reply(MOD_USAGE)
        group = await self._group(event)
        if group is None:
            return Reply(NOT_LINKED)
        if not await self.rules.may_manage(event, group):
            return Reply(owners_only("change this group's moderators"))
        target = UserRef(event.user.platform, event.user.workspace, user_id)
        account = await self.store.get_account(target)
        if account is None:
            name = event.args.get("user_name") or user_id
            account = await self.store.upsert_account(user=target, display_name=name)
        return await action(event, group, account)

    async def _is_mod(self, group: FanGroup, account: Account) -> bool:
        roles = await self.store.roles_in_group(group.id)
        return any(r.member_id == account.member_id and r.role is Role.MODERATOR for r in roles)

    async def _add(self, event: CommandInvoked, group: FanGroup, account: Account) -> Reply:
        name = safe_name(account.display_name)
        if await self._is_mod(group, account):
            return Reply(f"{name} is already a moderator of *{group.name}*.")
        await self.store.grant_role(
            group_id=group.id,
            member_id=account.member_id,
            role=Role.MODERATOR,
            granted_by=str(event.user),
        )
        return Reply(
            f"{name} is now a moderator of *{group.name}*, on every platform their accounts "
            "are linked.",
            ephemeral=False,
        )

    async def _remove(self, event: CommandInvoked, group: FanGroup, account: Account) -> Reply:
        name = safe_name(account.display_name)
        removed = await self.store.revoke_role(
            group_id=group.id, member_id=account.member_id, role=Role.MODERATOR
        )
        if not removed:
            return Reply(f"{name} is not a moderator of *{group.name}*.")
        return Reply(f"{name} is no longer a moderator of *{group.name}*.", ephemeral=False)

    async def roles(self, event: CommandInvoked) -> Outcome:
        group = await self._group(event)
        if group is None:
            return Reply(NOT_LINKED)
        held = await self.store.roles_in_group(group.id)
        lines = [f"Roles in *{group.name}*:"]
        for role, title in LISTED:
            members = list(dict.fromkeys(r.member_id for r in held if r.role is role))
            people = [await self._person(m) for m in members]
            lines.append(f"*{title}*: " + ("; ".join(p for p in people if p) or "none"))
        return Reply("\n".join(lines))

    async def _person(self, member_id: int) -> str:
        """One member as each platform knows them: ``Alice (Discord), erin (Slack)``."""
        accounts = await self.store.accounts_of_member(member_id)
        return people(accounts)
