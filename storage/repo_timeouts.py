"""A group's timeouts (``member_timeout``): one row per timed-out member and group. Every change
goes through ``set_timeout`` (insert or replace) and ``lift_timeout`` (delete); an expired row
may stay (it stops nothing) until the member is timed out again or the timeout is lifted."""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bridge.ports import MemberTimeout
from storage.base import RepoBase
from storage.tables import MemberTimeoutRow

REASON_MAX = 500


def _timeout(row: MemberTimeoutRow) -> MemberTimeout:
    return MemberTimeout(
        group_id=row.group_id,
        member_id=row.member_id,
        until=row.until,
        actor=row.actor,
        reason=row.reason,
        created_at=row.created_at,
    )


def _of(group_id: int, member_id: int) -> ColumnElement[bool]:
    group, member = col(MemberTimeoutRow.group_id), col(MemberTimeoutRow.member_id)
    return (group == group_id) & (member == member_id)


async def merge_timeouts(s: AsyncSession, *, keep: int, absorb: int) -> None:
    """Two members become one (``merge_members``): in each group, the later of their timeouts
    stays, now the kept member's, so linking accounts never ends a timeout."""
    query = select(MemberTimeoutRow).where(col(MemberTimeoutRow.member_id).in_((keep, absorb)))
    by_group: dict[int, list[MemberTimeoutRow]] = {}
    for row in (await s.exec(query)).all():
        by_group.setdefault(row.group_id, []).append(row)
    for held in by_group.values():
        latest = max(held, key=lambda row: row.until)
        for row in held:
            if row is not latest:
                await s.delete(row)
        await s.flush()
        latest.member_id = keep
        s.add(latest)


class TimeoutRepo(RepoBase):
    async def set_timeout(
        self,
        *,
        group_id: int,
        member_id: int,
        until: float,
        actor: str | None,
        reason: str = "",
        at: float,
    ) -> None:
        try:
            await self._set(group_id, member_id, until, actor, reason, at)
        except IntegrityError:  # another worker inserted it first: replace theirs
            await self._set(group_id, member_id, until, actor, reason, at)

    async def _set(
        self, group_id: int, member_id: int, until: float, actor: str | None, reason: str, at: float
    ) -> None:
        async with self.session() as s:
            row = (await s.exec(select(MemberTimeoutRow).where(_of(group_id, member_id)))).first()
            row = row or MemberTimeoutRow(
                group_id=group_id, member_id=member_id, until=until, created_at=at
            )
            row.until, row.actor, row.reason = until, actor, reason[:REASON_MAX]
            row.created_at = at
            s.add(row)

    async def lift_timeout(self, group_id: int, member_id: int) -> bool:
        async with self.session() as s:
            result = await s.exec(delete(MemberTimeoutRow).where(_of(group_id, member_id)))
            return bool(result.rowcount)

    async def get_timeout(self, group_id: int, member_id: int) -> MemberTimeout | None:
        region = self.cache.region("timeouts", "member_timeout")
        key = (group_id, member_id)
        return await self.cached(region, key, lambda: self._get_timeout(group_id, member_id))

    async def _get_timeout(self, group_id: int, member_id: int) -> MemberTimeout | None:
        async with self.session() as s:
            row = (await s.exec(select(MemberTimeoutRow).where(_of(group_id, member_id)))).first()
        return _timeout(row) if row is not None else None

    async def timeouts_in_group(self, group_id: int) -> list[MemberTimeout]:
        query = (
            select(MemberTimeoutRow)
            .where(col(MemberTimeoutRow.group_id) == group_id)
            .order_by(col(MemberTimeoutRow.member_id))
        )
        async with self.session() as s:
            return [_timeout(r) for r in (await s.exec(query)).all()]
