"""The outbox in memory: per-channel order, dependencies, leases, retries, dead letters."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from bridge.errors import CopyExists
from bridge.ids import ChannelRef
from bridge.records import Delivered, OutboxDraft, OutboxItem, OutboxStatus
from bridge.testing.messages import add_outbox_rows
from bridge.testing.tables import UNFINISHED, OutboxRow, Tables, item_of

ERROR_MAX = 2000


def _claimable(row: OutboxRow, now: float, unfinished: set[int], busy: Collection[int]) -> bool:
    lease_over = row.status is OutboxStatus.INFLIGHT and (row.claimed_until or 0) < now
    due = row.status is OutboxStatus.PENDING and row.next_attempt_at <= now
    waiting = row.depends_on is not None and row.depends_on in unfinished
    return (due or lease_over) and not waiting and row.id not in busy


class MemoryOutbox:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def _unfinished(self) -> list[OutboxRow]:
        return [r for r in self.t.outbox.values() if r.status in UNFINISHED]

    def _heads(self) -> list[OutboxRow]:
        """The oldest unfinished row of every target channel, oldest first."""
        heads: dict[ChannelRef, OutboxRow] = {}
        for row in self._unfinished():
            heads.setdefault(row.target, row)
        return sorted(heads.values(), key=lambda r: r.id)

    async def enqueue(self, drafts: Sequence[OutboxDraft], *, at: float) -> list[int]:
        return add_outbox_rows(self.t, drafts, at)

    async def claim(
        self, *, now: float, limit: int = 50, lease: float = 60.0, busy: Collection[int] = ()
    ) -> list[OutboxItem]:
        heads = self._heads()
        unfinished = {r.id for r in self._unfinished()}
        picked = [r for r in heads if _claimable(r, now, unfinished, busy)][:limit]
        claimed: list[OutboxItem] = []
        for row in picked:
            resumed = row.status is OutboxStatus.INFLIGHT or row.attempts > 0
            row.status, row.claimed_until = OutboxStatus.INFLIGHT, now + lease
            claimed.append(item_of(row, resumed))
        return claimed

    async def extend_claims(self, item_ids: Collection[int], *, until: float) -> int:
        extended = 0
        for item_id in item_ids:
            row = self.t.outbox.get(item_id)
            if row is not None and row.status is OutboxStatus.INFLIGHT:
                row.claimed_until = until
                extended += 1
        return extended

    async def complete(self, item_id: int, *, result: dict[str, Any] | None = None) -> None:
        self._finish(item_id, OutboxStatus.DONE, result=result)

    async def complete_deliveries(self, done: Sequence[Delivered]) -> list[None]:
        copies = [c for d in done for c in d.copies]
        keys = [(c.channel, c.platform_message_id, c.part) for c in copies]
        taken = next((k for k in keys if k in self.t.copies), None)
        if taken is not None or len(set(keys)) != len(keys):
            raise CopyExists(*(taken or keys[0]))  # the whole batch fails: nothing is kept
        for key, copy in zip(keys, copies, strict=True):
            self.t.copies[key] = copy
        for delivered in done:
            self._finish(delivered.item_id, OutboxStatus.DONE)
        return [None] * len(done)

    async def retry(self, item_id: int, *, error: str, at: float, tried: bool = True) -> None:
        row = self.t.outbox.get(item_id)
        if row is None:
            return
        row.status, row.attempts = OutboxStatus.PENDING, row.attempts + int(tried)
        row.last_error, row.next_attempt_at, row.claimed_until = error[:ERROR_MAX], at, None

    async def bury(self, item_id: int, *, error: str) -> None:
        self._finish(item_id, OutboxStatus.DEAD, error=error)

    def _finish(
        self,
        item_id: int,
        status: OutboxStatus,
        *,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        row = self.t.outbox.get(item_id)
        if row is None:
            return
        row.status, row.attempts, row.claimed_until, row.result = (
            status,
            row.attempts + 1,
            None,
            result,
        )
        if error is not None:
            row.last_error = error[:ERROR_MAX]

    async def outbox_depth(self) -> int:
        return len(self._unfinished())

    async def outbox_oldest_pending_at(self) -> float | None:
        return min((r.created_at for r in self._unfinished()), default=None)

    async def get_outbox_item(self, item_id: int) -> OutboxItem | None:
        row = self.t.outbox.get(item_id)
        return item_of(row) if row is not None else None

    async def delivery_failures(self, channel: ChannelRef, *, since: float) -> tuple[int, str]:
        failing = [
            r
            for r in reversed(self.t.outbox.values())
            if r.target == channel
            and r.created_at >= since
            and (r.status is OutboxStatus.DEAD or (r.status in UNFINISHED and r.attempts > 0))
        ]
        return len(failing), next((r.last_error for r in failing if r.last_error), "")
