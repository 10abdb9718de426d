"""Members (people), their platform accounts and their roles in groups, in memory."""

from __future__ import annotations

from dataclasses import replace

from bridge.ids import Role, UserRef
from bridge.records import Account, GroupRole
from bridge.testing.tables import Tables


class MemoryMembers:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    async def upsert_account(
        self, *, user: UserRef, display_name: str, avatar_url: str | None = None
    ) -> Account:
        found = self.t.accounts.get(user)
        if found is None:
            member_id = self.t.next_id("member")
            found = Account(self.t.next_id("account"), member_id, user, display_name, avatar_url)
        else:
            found = replace(found, display_name=display_name, avatar_url=avatar_url)
        self.t.accounts[user] = found
        return found

    async def get_account(self, user: UserRef) -> Account | None:
        return self.t.accounts.get(user)

    async def accounts_of_member(self, member_id: int) -> list[Account]:
        return sorted(
            (a for a in self.t.accounts.values() if a.member_id == member_id), key=lambda a: a.id
        )

    async def merge_members(self, *, keep: int, absorb: int) -> None:
        if keep == absorb:
            return
        for user, account in list(self.t.accounts.items()):
            if account.member_id == absorb:
                self.t.accounts[user] = replace(account, member_id=keep)
        moved = [r for r in self.t.roles if r.member_id == absorb]
        self.t.roles[:] = [r for r in self.t.roles if r.member_id != absorb]
        for role in moved:
            self._grant(role.group_id, keep, role.role, role.granted_by)
        self._merge_timeouts(keep, absorb)
        for action in list(self.t.mod_actions.values()):  # a ban holds for the person
            if action.target_member_id == absorb:
                self.t.mod_actions[action.id] = replace(action, target_member_id=keep)

    def _merge_timeouts(self, keep: int, absorb: int) -> None:
        """In each group, the later of the two members' timeouts stays, now the kept one's."""
        for (group, member), held in list(self.t.timeouts.items()):
            if member != absorb:
                continue
            del self.t.timeouts[(group, member)]
            kept = self.t.timeouts.get((group, keep))
            if kept is None or kept.until < held.until:
                self.t.timeouts[(group, keep)] = replace(held, member_id=keep)

    async def grant_role(
        self, *, group_id: int, member_id: int, role: Role, granted_by: str | None = None
    ) -> GroupRole:
        return self._grant(group_id, member_id, role, granted_by)

    def _grant(
        self, group_id: int, member_id: int, role: Role, granted_by: str | None
    ) -> GroupRole:
        for held in self.t.roles:
            if (held.group_id, held.member_id, held.role) == (group_id, member_id, role):
                return held
        granted = GroupRole(group_id, member_id, role, granted_by)
        self.t.roles.append(granted)
        return granted

    async def revoke_role(self, *, group_id: int, member_id: int, role: Role) -> bool:
        kept = [
            r
            for r in self.t.roles
            if (r.group_id, r.member_id, r.role) != (group_id, member_id, role)
        ]
        revoked = len(kept) != len(self.t.roles)
        self.t.roles[:] = kept
        return revoked

    async def roles_in_group(self, group_id: int) -> list[GroupRole]:
        return [r for r in self.t.roles if r.group_id == group_id]
