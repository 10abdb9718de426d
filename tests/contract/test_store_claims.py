"""Outbox claims kept alive by their worker, on every backend: an item whose worker extends its
claim is never handed to another worker, however long its delivery takes; once the extensions
stop (the worker was killed) it is claimable again one lease later, as a resumed delivery."""

from __future__ import annotations

from bridge.actions import DeleteAction
from bridge.ids import ChannelRef, Platform
from bridge.ports import Store
from bridge.records import OutboxDraft
from tests.contract.conftest import ManualClock

D1 = ChannelRef(Platform.DISCORD, "900", "901")
S1 = ChannelRef(Platform.SLACK, "T1", "C1")
LEASE = 15.0


async def test_an_extended_claim_is_kept_and_a_stopped_one_is_taken_over(
    store: Store, clock: ManualClock
) -> None:
    kept, dropped = await store.enqueue(
        [OutboxDraft(D1, DeleteAction(message_id=1)), OutboxDraft(S1, DeleteAction(message_id=2))],
        at=clock.now(),
    )
    assert len(await store.claim(now=clock.now(), lease=LEASE)) == 2
    for _ in range(4):  # a minute of delivering: extended every third of the lease
        clock.advance(LEASE / 3)
        assert await store.extend_claims([kept], until=clock.now() + LEASE) == 1
    # the other item's worker died at the start: its claim ran out long ago
    again = await store.claim(now=clock.now(), lease=LEASE)
    assert [(i.id, i.resumed) for i in again] == [(dropped, True)]
    await store.complete(kept)
    assert await store.extend_claims([kept], until=clock.now() + LEASE) == 0  # done: not claimed
    clock.advance(LEASE + 1)
    assert [i.id for i in await store.claim(now=clock.now(), lease=LEASE)] == [dropped]
