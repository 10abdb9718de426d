"""Members (people), their platform accounts, and their roles in groups."""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bridge.ids import Role, UserRef
from bridge.records import Account, GroupRole
from storage import convert
from storage.base import RepoBase
from storage.cache import Region
from storage.repo_timeouts import merge_timeouts
from storage.tables import GroupRoleRow, MemberRow, ModerationActionRow, PlatformAccountRow


def _account_filter(user: UserRef) -> ColumnElement[bool]:
    return (
        (col(PlatformAccountRow.platform) == user.platform.value)
        & (col(PlatformAccountRow.workspace_id) == user.workspace)
        & (col(PlatformAccountRow.user_id) == user.user)
    )


class MemberRepo(RepoBase):
    async def upsert_account(
        self, *, user: UserRef, display_name: str, avatar_url: str | None = None
    ) -> Account:
        region = self._accounts()
        known = self.cache.get(region, user)
        if isinstance(known, Account) and (known.display_name, known.avatar_url) == (
            display_name,
            avatar_url,
        ):
            return known  # unchanged and known: no query at all
        for _ in range(2):  # a concurrent insert of the same account is retried as an update
            try:
                return self._kept(await self._upsert_account(user, display_name, avatar_url))
            except IntegrityError:
                continue
        return self._kept(await self._upsert_account(user, display_name, avatar_url))

    def _kept(self, account: Account) -> Account:
        """What this process has just read or committed is the row as it stands now."""
        region = self._accounts()
        self.cache.put(region, account.user, account, region.generation)
        return account

    async def _upsert_account(
        self, user: UserRef, display_name: str, avatar_url: str | None
    ) -> Account:
        now = self.clock.now()
        async with self.session() as s:
            row = (await s.exec(select(PlatformAccountRow).where(_account_filter(user)))).first()
            if row is None:
                member = MemberRow(created_at=now)
                s.add(member)
                await s.flush()
                assert member.id is not None
                row = PlatformAccountRow(
                    member_id=member.id,
                    platform=user.platform.value,
                    workspace_id=user.workspace,
                    user_id=user.user,
                    display_name=display_name,
                    avatar_url=avatar_url,
                    updated_at=now,
                )
            elif (row.display_name, row.avatar_url) == (display_name, avatar_url):
                return convert.account(row)  # unchanged: no write on every message
            else:
                row.display_name, row.avatar_url, row.updated_at = display_name, avatar_url, now
            s.add(row)
            await s.flush()
            return convert.account(row)

    def _accounts(self) -> Region:
        return self.cache.region("account", "platform_account")

    async def get_account(self, user: UserRef) -> Account | None:
        return await self.cached(self._accounts(), user, lambda: self._get_account(user))

    async def _get_account(self, user: UserRef) -> Account | None:
        async with self.session() as s:
            row = (await s.exec(select(PlatformAccountRow).where(_account_filter(user)))).first()
            return convert.account(row) if row else None

    async def accounts_of_member(self, member_id: int) -> list[Account]:
        region = self.cache.region("member accounts", "platform_account")
        found = await self.cached(region, member_id, lambda: self._accounts_of(member_id))
        return list(found)

    async def _accounts_of(self, member_id: int) -> tuple[Account, ...]:
        query = (
            select(PlatformAccountRow)
            .where(PlatformAccountRow.member_id == member_id)
            .order_by(col(PlatformAccountRow.id))
        )
        async with self.session() as s:
            return tuple(convert.account(r) for r in (await s.exec(query)).all())

    async def merge_members(self, *, keep: int, absorb: int) -> None:
        """Make two members one: accounts, roles, timeouts and the modlog entries naming
        ``absorb`` (so a ban holds for the person, whichever account they link) move to ``keep``."""
        if keep == absorb:
            return
        async with self.session() as s:
            await s.exec(
                update(PlatformAccountRow)
                .where(col(PlatformAccountRow.member_id) == absorb)
                .values(member_id=keep)
            )
            roles = (
                await s.exec(select(GroupRoleRow).where(GroupRoleRow.member_id == absorb))
            ).all()
            for row in roles:
                await s.delete(row)
            await s.flush()
            for row in roles:
                await self._grant(s, row.group_id, keep, Role(row.role), row.granted_by)
            await merge_timeouts(s, keep=keep, absorb=absorb)
            await s.exec(
                update(ModerationActionRow)
                .where(col(ModerationActionRow.target_member_id) == absorb)
                .values(target_member_id=keep)
            )

    async def grant_role(
        self, *, group_id: int, member_id: int, role: Role, granted_by: str | None = None
    ) -> GroupRole:
        async with self.session() as s:
            return await self._grant(s, group_id, member_id, role, granted_by)

    async def _grant(
        self, s: AsyncSession, group_id: int, member_id: int, role: Role, granted_by: str | None
    ) -> GroupRole:
        query = select(GroupRoleRow).where(
            (col(GroupRoleRow.group_id) == group_id)
            & (col(GroupRoleRow.member_id) == member_id)
            & (col(GroupRoleRow.role) == role.value)
        )
        row = (await s.exec(query)).first()
        if row is None:
            row = GroupRoleRow(
                group_id=group_id,
                member_id=member_id,
                role=role.value,
                granted_by=granted_by,
                granted_at=self.clock.now(),
            )
            s.add(row)
        return convert.role(row)

    async def revoke_role(self, *, group_id: int, member_id: int, role: Role) -> bool:
        async with self.session() as s:
            result = await s.exec(
                delete(GroupRoleRow).where(
                    (col(GroupRoleRow.group_id) == group_id)
                    & (col(GroupRoleRow.member_id) == member_id)
                    & (col(GroupRoleRow.role) == role.value)
                )
            )
            return bool(result.rowcount)

    async def roles_in_group(self, group_id: int) -> list[GroupRole]:
        region = self.cache.region("roles", "group_role")
        return list(await self.cached(region, group_id, lambda: self._roles_in(group_id)))

    async def _roles_in(self, group_id: int) -> tuple[GroupRole, ...]:
        query = (
            select(GroupRoleRow)
            .where(GroupRoleRow.group_id == group_id)
            .order_by(col(GroupRoleRow.id))
        )
        async with self.session() as s:
            return tuple(convert.role(r) for r in (await s.exec(query)).all())
