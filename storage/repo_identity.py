"""Identity links: one-time link codes, and splitting an account off its member."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select, update

from bridge.ids import Platform, UserRef
from bridge.ports.store import LINK_CODE_KEPT, LinkCode
from bridge.records import Account
from storage import convert
from storage.base import RepoBase
from storage.repo_members import _account_filter
from storage.tables import LinkCodeRow, MemberRow, PlatformAccountRow


def _link_code(row: LinkCodeRow) -> LinkCode:
    return LinkCode(
        user=UserRef(Platform(row.platform), row.workspace_id, row.user_id),
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
    )


class IdentityRepo(RepoBase):
    async def add_link_code(
        self, *, code_hash: str, user: UserRef, at: float, expires_at: float
    ) -> bool:
        try:
            async with self.session() as s:
                mine = (
                    (col(LinkCodeRow.platform) == user.platform.value)
                    & (col(LinkCodeRow.workspace_id) == user.workspace)
                    & (col(LinkCodeRow.user_id) == user.user)
                    & col(LinkCodeRow.used_at).is_(None)
                )
                stale = col(LinkCodeRow.expires_at) < at - LINK_CODE_KEPT
                await s.exec(delete(LinkCodeRow).where(mine | stale))
                s.add(
                    LinkCodeRow(
                        code_hash=code_hash,
                        platform=user.platform.value,
                        workspace_id=user.workspace,
                        user_id=user.user,
                        created_at=at,
                        expires_at=expires_at,
                    )
                )
                await s.flush()
        except IntegrityError:
            return False
        return True

    async def get_link_code(self, code_hash: str) -> LinkCode | None:
        query = select(LinkCodeRow).where(LinkCodeRow.code_hash == code_hash)
        async with self.session() as s:
            row = (await s.exec(query)).first()
            return _link_code(row) if row else None

    async def use_link_code(self, code_hash: str, *, at: float) -> bool:
        async with self.session() as s:
            result = await s.exec(
                update(LinkCodeRow)
                .where(
                    (col(LinkCodeRow.code_hash) == code_hash) & col(LinkCodeRow.used_at).is_(None)
                )
                .values(used_at=at)
            )
            return result.rowcount == 1

    async def split_account(self, user: UserRef) -> Account:
        async with self.session() as s:
            row = (await s.exec(select(PlatformAccountRow).where(_account_filter(user)))).first()
            if row is None:
                raise LookupError(f"no account {user}")
            siblings = select(func.count()).where(
                (col(PlatformAccountRow.member_id) == row.member_id)
                & (col(PlatformAccountRow.id) != row.id)
            )
            if (await s.exec(siblings)).one() == 0:
                return convert.account(row)
            member = MemberRow(created_at=self.clock.now())
            s.add(member)
            await s.flush()
            assert member.id is not None
            row.member_id = member.id
            s.add(row)
            await s.flush()
            return convert.account(row)
