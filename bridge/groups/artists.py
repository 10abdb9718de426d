"""Verified artists: `/fangroup artist add|remove @user` and `/fangroup artist list`. The role
is on the member, so every account the person linked is the group's artist; their relayed
messages carry a badge and their display names are reserved in the group."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bridge.events import CommandInvoked
from bridge.groups.mentions import target_id
from bridge.groups.replies import NOT_LINKED, owners_only, people, safe_name
from bridge.groups.roles import GroupRoles
from bridge.ids import Role, UserRef
from bridge.outcome import Outcome, Reply
from bridge.ports import MemberStore, RosterStore
from bridge.records import Account, FanGroup

BADGE = "✔ artist"
USAGE = "Usage: `/fangroup artist add @user`, `/fangroup artist remove @user`, "
USAGE += "`/fangroup artist list`"

Action = Callable[[CommandInvoked, FanGroup, Account], Awaitable[Reply]]


async def artist_accounts(store: MemberStore, group_id: int) -> dict[int, list[Account]]:
    """The group's verified artists: member id -> every account of that member."""
    members = [r.member_id for r in await store.roles_in_group(group_id) if r.role is Role.ARTIST]
    return {m: await store.accounts_of_member(m) for m in dict.fromkeys(members)}


async def is_artist_anywhere(store: RosterStore, user: UserRef) -> bool:
    """A verified artist of any group, through any of the person's linked accounts."""
    account = await store.get_account(user)
    if account is None:
        return False
    for group in await store.list_groups():
        roles = await store.roles_in_group(group.id)
        if any(r.member_id == account.member_id and r.role is Role.ARTIST for r in roles):
            return True
    return False


class ArtistService:
    """`/fangroup artist ...` for the channel's group."""

    def __init__(self, store: RosterStore, roles: GroupRoles) -> None:
        self.store = store
        self.roles = roles
        self._table: dict[str, Action] = {"add": self._add, "remove": self._remove}

    async def artist(self, event: CommandInvoked) -> Outcome:
        sub = event.path[1] if len(event.path) > 1 else ""
        link = await self.store.link_for_channel(event.channel)
        group = await self.store.get_group_by_id(link.group_id) if link else None
        if sub == "list":
            return await self._list(group) if group else Reply(NOT_LINKED)
        action = self._table.get(sub)
        user_id = target_id(event.args.get("user", ""))
        if action is None or not user_id:
            return Reply(USAGE)
        if group is None:
            return Reply(NOT_LINKED)
        if not await self.roles.may_manage(event, group):
            return Reply(owners_only("verify this group's artists"))
        return await action(event, group, await self._target(event, user_id))

    async def _target(self, event: CommandInvoked, user_id: str) -> Account:
        target = UserRef(event.user.platform, event.user.workspace, user_id)
        account = await self.store.get_account(target)
        if account is not None:
            return account
        name = event.args.get("user_name") or user_id
        return await self.store.upsert_account(user=target, display_name=name)

    async def _add(self, event: CommandInvoked, group: FanGroup, account: Account) -> Reply:
        accounts = await self.store.accounts_of_member(account.member_id)
        if account.member_id in await artist_accounts(self.store, group.id):
            return Reply(f"{people(accounts)} is already an artist of *{group.name}*.")
        await self.store.grant_role(
            group_id=group.id,
            member_id=account.member_id,
            role=Role.ARTIST,
            granted_by=str(event.user),
        )
        return Reply(
            f"Verified {people(accounts)} as an artist of *{group.name}*: their messages carry "
            f"the {BADGE} badge, and no one else may appear under their name.",
            ephemeral=False,
        )

    async def _remove(self, event: CommandInvoked, group: FanGroup, account: Account) -> Reply:
        removed = await self.store.revoke_role(
            group_id=group.id, member_id=account.member_id, role=Role.ARTIST
        )
        name = safe_name(account.display_name)
        if not removed:
            return Reply(f"{name} is not an artist of *{group.name}*.")
        return Reply(f"{name} is no longer an artist of *{group.name}*.", ephemeral=False)

    async def _list(self, group: FanGroup) -> Reply:
        artists = await artist_accounts(self.store, group.id)
        if not artists:
            return Reply(f"*{group.name}* has no verified artists yet.")
        lines = [f"Verified artists of *{group.name}*:"]
        lines += [f"• {people(accounts)}" for accounts in artists.values()]
        return Reply("\n".join(lines))
