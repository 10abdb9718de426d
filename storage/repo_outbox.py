"""The durable outbox: every platform call the core asks for, ordered per target channel."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bridge.ids import ChannelRef
from bridge.records import Delivered, OutboxDraft, OutboxItem, OutboxStatus
from storage import bulk, convert
from storage.base import RepoBase
from storage.repo_messages import outbox_row
from storage.tables import OutboxRow

UNFINISHED = (OutboxStatus.PENDING.value, OutboxStatus.INFLIGHT.value)


def _target(row: OutboxRow) -> tuple[str, str, str]:
    return (row.target_platform, row.target_workspace, row.target_channel)


def _pick_heads(
    rows: Sequence[OutboxRow], now: float, unfinished_ids: set[int], busy: Collection[int] = ()
) -> list[int]:
    """The first unfinished row of each target channel, if it is due and not waiting; a row the
    caller is delivering right now (``busy``) is never handed out again, even past its lease."""
    seen: set[tuple[str, str, str]] = set()
    picked: list[int] = []
    for row in rows:
        target = _target(row)
        if target in seen:
            continue
        seen.add(target)
        inflight_ok = row.status == OutboxStatus.INFLIGHT.value and (row.claimed_until or 0) < now
        due = row.status == OutboxStatus.PENDING.value and row.next_attempt_at <= now
        waiting = row.depends_on is not None and row.depends_on in unfinished_ids
        if (due or inflight_ok) and not waiting and row.id is not None and row.id not in busy:
            picked.append(row.id)
    return picked


def _claimed(row: OutboxRow, attempts: int) -> OutboxItem:
    """The item of a head as read before it was claimed (in flight then means its lease ran
    out, so an earlier delivery may have reached the platform), with its attempts as the claim
    found them (another worker may have tried it since it was read)."""
    item = replace(convert.outbox(row), attempts=attempts)
    lease_expired = item.status == OutboxStatus.INFLIGHT
    return replace(item, status=OutboxStatus.INFLIGHT, resumed=lease_expired or attempts > 0)


async def _heads(s: AsyncSession) -> Sequence[OutboxRow]:
    """The oldest unfinished row of every target channel, oldest first: a channel with a long
    backlog (a catch-up of thousands of messages) never hides the other channels' items."""
    target = (
        col(OutboxRow.target_platform),
        col(OutboxRow.target_workspace),
        col(OutboxRow.target_channel),
    )
    heads = (
        select(func.min(OutboxRow.id))
        .where(col(OutboxRow.status).in_(UNFINISHED))
        .group_by(*target)
    )
    query = select(OutboxRow).where(col(OutboxRow.id).in_(heads)).order_by(col(OutboxRow.id))
    return (await s.exec(query)).all()


def _claimable(now: float) -> ColumnElement[bool]:
    """Due and pending, or in flight past its lease: checked again on the row as it is when
    the claim locks it (a claim that read it earlier may have been overtaken by another)."""
    due = (col(OutboxRow.status) == OutboxStatus.PENDING.value) & (
        col(OutboxRow.next_attempt_at) <= now
    )
    expired = (col(OutboxRow.status) == OutboxStatus.INFLIGHT.value) & (
        func.coalesce(col(OutboxRow.claimed_until), 0.0) < now
    )
    return due | expired


async def _take(s: AsyncSession, picked: list[int], now: float, lease: float) -> dict[int, int]:
    """Claim the picked rows that are still claimable; the ones another worker is claiming
    right now are skipped, not waited for (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite
    has one writer and no row locks). Returns the ids claimed, with their attempts."""
    free = (
        select(OutboxRow.id)
        .where(col(OutboxRow.id).in_(picked) & _claimable(now))
        .with_for_update(skip_locked=True)
    )
    claimed = (
        update(OutboxRow)
        .where(col(OutboxRow.id).in_(free.scalar_subquery()) & _claimable(now))
        .values(status=OutboxStatus.INFLIGHT.value, claimed_until=now + lease)
        .returning(col(OutboxRow.id), col(OutboxRow.attempts))
        .execution_options(synchronize_session=False)
    )
    return {int(i): int(attempts) for i, attempts in (await s.exec(claimed)).all()}


async def _unfinished_among(s: AsyncSession, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    query = select(OutboxRow.id).where(
        col(OutboxRow.id).in_(ids) & col(OutboxRow.status).in_(UNFINISHED)
    )
    return {i for i in (await s.exec(query)).all() if i is not None}


class OutboxRepo(RepoBase):
    async def enqueue(self, drafts: Sequence[OutboxDraft], *, at: float) -> list[int]:
        rows = [outbox_row(d, at) for d in drafts]
        async with self.session() as s:
            conn = await s.connection()
            await conn.run_sync(bulk.lock_channels, [d.target for d in drafts])
            s.add_all(rows)
            await s.flush()
            return [r.id for r in rows if r.id is not None]

    async def claim(
        self, *, now: float, limit: int = 50, lease: float = 60.0, busy: Collection[int] = ()
    ) -> list[OutboxItem]:
        async with self.session() as s:
            rows = await _heads(s)
            unfinished = await _unfinished_among(s, {r.depends_on for r in rows if r.depends_on})
            unfinished |= {r.id for r in rows if r.id is not None}
            picked = _pick_heads(rows, now, unfinished, busy)[:limit]
            if not picked:
                return []
            taken = await _take(s, picked, now, lease)
            by_id = {r.id: r for r in rows}
            return [_claimed(by_id[i], taken[i]) for i in sorted(taken)]

    async def extend_claims(self, item_ids: Collection[int], *, until: float) -> int:
        if not item_ids:
            return 0
        mine = col(OutboxRow.id).in_(list(item_ids)) & (
            col(OutboxRow.status) == OutboxStatus.INFLIGHT.value
        )
        extend = (
            update(OutboxRow)
            .where(mine)
            .values(claimed_until=until)
            .execution_options(synchronize_session=False)
        )
        async with self.session() as s:
            result = await s.exec(extend)
            return int(result.rowcount or 0)

    async def complete(self, item_id: int, *, result: dict[str, Any] | None = None) -> None:
        await self._finish(item_id, status=OutboxStatus.DONE, result=result)

    async def complete_deliveries(self, done: Sequence[Delivered]) -> list[None]:
        async with self.engine.begin() as conn:
            await conn.run_sync(bulk.complete, done)
        return [None] * len(done)

    async def retry(self, item_id: int, *, error: str, at: float, tried: bool = True) -> None:
        async with self.session() as s:
            row = await s.get(OutboxRow, item_id)
            if row is None:
                return
            row.status = OutboxStatus.PENDING.value
            row.attempts += int(tried)
            row.last_error = error[:2000]
            row.next_attempt_at = at
            row.claimed_until = None
            s.add(row)

    async def bury(self, item_id: int, *, error: str) -> None:
        await self._finish(item_id, status=OutboxStatus.DEAD, error=error)

    async def _finish(
        self,
        item_id: int,
        *,
        status: OutboxStatus,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        async with self.session() as s:
            row = await s.get(OutboxRow, item_id)
            if row is None:
                return
            row.status = status.value
            row.attempts += 1
            row.claimed_until = None
            row.result = result
            if error is not None:
                row.last_error = error[:2000]
            s.add(row)

    async def outbox_depth(self) -> int:
        async with self.session() as s:
            query = (
                select(func.count())
                .select_from(OutboxRow)
                .where(col(OutboxRow.status).in_(UNFINISHED))
            )
            return int((await s.exec(query)).one())

    async def outbox_oldest_pending_at(self) -> float | None:
        """When the oldest unfinished item was queued (None when the outbox is empty)."""
        async with self.session() as s:
            query = select(func.min(OutboxRow.created_at)).where(
                col(OutboxRow.status).in_(UNFINISHED)
            )
            oldest = (await s.exec(query)).one()
            return None if oldest is None else float(oldest)

    async def get_outbox_item(self, item_id: int) -> OutboxItem | None:
        async with self.session() as s:
            row = await s.get(OutboxRow, item_id)
            return convert.outbox(row) if row else None

    async def delivery_failures(self, channel: ChannelRef, *, since: float) -> tuple[int, str]:
        """How many items to ``channel`` queued since ``since`` failed (buried, or unfinished
        after a failed attempt), and the newest one's error ("" when none failed)."""
        async with self.session() as s:
            failing = (col(OutboxRow.status) == OutboxStatus.DEAD.value) | (
                col(OutboxRow.status).in_(UNFINISHED) & (col(OutboxRow.attempts) > 0)
            )
            query = (
                select(OutboxRow.last_error)
                .where(col(OutboxRow.target_platform) == channel.platform.value)
                .where(col(OutboxRow.target_workspace) == channel.workspace)
                .where(col(OutboxRow.target_channel) == channel.channel)
                .where(col(OutboxRow.created_at) >= since)
                .where(failing)
                .order_by(col(OutboxRow.id).desc())
            )
            errors = list((await s.exec(query)).all())
            return len(errors), next((e for e in errors if e), "")
