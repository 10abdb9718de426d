"""Leases on every backend: taken when free or expired, renewed only by their holder, released
by it alone; two holders racing for one lease, exactly one wins (also two stores on one
database, as two worker processes are); an expired lease is taken over (manual clock)."""

from __future__ import annotations

import asyncio

from bridge.ports import Lease, Store
from storage.repos import SqlStore
from tests.contract.conftest import ManualClock


async def test_a_free_lease_is_taken_and_renewed_by_its_holder(
    store: Store, clock: ManualClock
) -> None:
    now = clock.now()
    taken = await store.claim_lease("shard:0", holder="w1", seconds=15, info={"pid": 1})
    assert taken == Lease("shard:0", "w1", now + 15, {"pid": 1})
    clock.advance(10)
    renewed = await store.claim_lease("shard:0", holder="w1", seconds=15)
    assert renewed == Lease("shard:0", "w1", now + 25, {"pid": 1})  # info kept when not given
    assert await store.claim_lease("shard:0", holder="w2", seconds=15) is None
    assert await store.live_leases() == [renewed]


async def test_an_expired_lease_is_taken_over_and_its_old_holder_loses_it(
    store: Store, clock: ManualClock
) -> None:
    await store.claim_lease("shard:1", holder="w1", seconds=15, info={"pid": 1})
    clock.advance(14.9)
    assert await store.claim_lease("shard:1", holder="w2", seconds=15) is None
    clock.advance(0.1)  # expired now: nobody holds it
    assert await store.live_leases("shard:") == []
    taken = await store.claim_lease("shard:1", holder="w2", seconds=15, info={"pid": 2})
    assert taken is not None and taken.holder == "w2" and taken.info == {"pid": 2}
    assert await store.claim_lease("shard:1", holder="w1", seconds=15) is None  # too late
    assert not await store.release_lease("shard:1", holder="w1")
    assert [lease.holder for lease in await store.live_leases()] == ["w2"]


async def test_a_released_lease_is_free_at_once(store: Store, clock: ManualClock) -> None:
    await store.claim_lease("worker:a", holder="a", seconds=15)
    assert await store.release_lease("worker:a", holder="a")
    assert not await store.release_lease("worker:a", holder="a")
    assert await store.live_leases() == []
    assert await store.claim_lease("worker:a", holder="b", seconds=15) is not None


async def test_live_leases_by_prefix_in_name_order(store: Store, clock: ManualClock) -> None:
    for name in ("worker:b", "shard:2", "worker:a", "worker_x"):
        await store.claim_lease(name, holder=name, seconds=15)
    await store.claim_lease("worker:c", holder="c", seconds=1)
    clock.advance(1)  # worker:c expired
    names = [lease.name for lease in await store.live_leases("worker:")]
    assert names == ["worker:a", "worker:b"]
    assert len(await store.live_leases()) == 4


async def test_two_holders_racing_for_one_lease_exactly_one_wins(
    store: Store, clock: ManualClock
) -> None:
    for round_ in range(10):
        name = f"shard:{round_}"
        if round_ % 2:  # the odd rounds race for an expired lease instead of a free one
            await store.claim_lease(name, holder="old", seconds=1)
            clock.advance(1)
        won = await asyncio.gather(
            *(store.claim_lease(name, holder=h, seconds=15) for h in ("w1", "w2", "w3"))
        )
        winners = [lease for lease in won if lease is not None]
        assert len(winners) == 1, (round_, won)
        assert [lease.holder for lease in await store.live_leases(name)] == [winners[0].holder]


async def test_two_workers_on_one_database_racing_exactly_one_wins(
    db_url: tuple[str, str | None], clock: ManualClock
) -> None:
    url, schema = db_url
    first = await SqlStore.open(url, clock=clock, schema=schema)
    second = await SqlStore.open(url, clock=clock, schema=schema, migrate=False)
    try:
        for round_ in range(10):
            name = f"shard:{round_}"
            if round_ % 2:
                await first.claim_lease(name, holder="old", seconds=1)
                clock.advance(1)
            won = await asyncio.gather(
                first.claim_lease(name, holder="w1", seconds=15),
                second.claim_lease(name, holder="w2", seconds=15),
            )
            assert sum(lease is not None for lease in won) == 1, (round_, won)
            holders = {lease.holder for lease in await second.live_leases(name)}
            assert holders == {lease.holder for lease in won if lease is not None}
    finally:
        await second.close()
        await first.close()
