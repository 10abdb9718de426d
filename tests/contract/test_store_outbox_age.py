"""The outbox's oldest unfinished item, for the /metrics age gauge (SQLite and PostgreSQL)."""

from __future__ import annotations

from bridge.actions import DeleteAction
from bridge.ids import ChannelRef, Platform
from bridge.records import OutboxDraft
from storage.repos import SqlStore
from tests.contract.conftest import ManualClock

D1 = ChannelRef(Platform.DISCORD, "900", "901")
S1 = ChannelRef(Platform.SLACK, "T1", "C1")


async def test_oldest_pending_is_the_first_unfinished_item(
    store: SqlStore, clock: ManualClock
) -> None:
    assert await store.outbox_oldest_pending_at() is None
    start = clock.now()
    [first] = await store.enqueue([OutboxDraft(D1, DeleteAction(message_id=1))], at=start)
    [second] = await store.enqueue([OutboxDraft(S1, DeleteAction(message_id=2))], at=start + 30)
    assert await store.outbox_oldest_pending_at() == start
    claimed = await store.claim(now=start + 31)
    assert {i.id for i in claimed} == {first, second}
    assert await store.outbox_oldest_pending_at() == start  # in flight still counts
    await store.complete(first)
    assert await store.outbox_oldest_pending_at() == start + 30
    await store.complete(second)
    assert await store.outbox_oldest_pending_at() is None
