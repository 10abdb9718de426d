"""This process as a worker (adapters/workers.py) on the in-memory store with a manual clock:
it registers, renews every third of its lease, lists what it holds, and leaves on stop;
`fanbridge workers` shows each live worker and the other leases it holds."""

from __future__ import annotations

import asyncio

from adapters.workers import WorkerRegistry, live_workers
from bridge.testing import ManualClock, MemoryStore


class Pauses:
    """A pause that ends when the test says so; ``asked`` gets each pause as it starts."""

    def __init__(self) -> None:
        self.asked: asyncio.Queue[float] = asyncio.Queue()
        self._go: asyncio.Queue[None] = asyncio.Queue()

    async def pause(self, seconds: float) -> None:
        await self.asked.put(seconds)
        await self._go.get()

    async def next_pause(self) -> float:
        return await asyncio.wait_for(self.asked.get(), timeout=5)

    def go(self) -> None:
        self._go.put_nowait(None)


async def test_a_worker_registers_renews_and_leaves_on_stop() -> None:
    clock = ManualClock()
    store = MemoryStore(clock)
    pauses = Pauses()
    worker = WorkerRegistry(store, lease_seconds=15, worker_id="db1:42:abc", pause=pauses.pause)
    await worker.start()
    assert await pauses.next_pause() == 5.0  # renewed every third of the lease
    [lease] = await store.live_leases("worker:")
    assert (lease.name, lease.expires_at) == ("worker:db1:42:abc", clock.now() + 15)
    clock.advance(14)
    pauses.go()
    await pauses.next_pause()  # one renewal done
    clock.advance(14)  # 28 s after it started: alive only because it renewed
    assert [lease.holder for lease in await store.live_leases("worker:")] == ["db1:42:abc"]
    await worker.stop()
    assert await store.live_leases() == []


async def test_the_workers_list_shows_what_each_worker_holds() -> None:
    clock = ManualClock()
    store = MemoryStore(clock)
    one = WorkerRegistry(store, lease_seconds=15, worker_id="db1:42:abc", pause=Pauses().pause)
    two = WorkerRegistry(store, lease_seconds=15, worker_id="db2:7:def", pause=Pauses().pause)
    await one.start()
    await two.start()
    for shard in ("shard:1", "shard:0"):
        await store.claim_lease(shard, holder=one.id, seconds=15)
    assert [lease.name for lease in await one.held()] == ["worker:db1:42:abc", "shard:0", "shard:1"]
    clock.advance(3)
    lines = [view.line(clock.now()) for view in await live_workers(store)]
    assert lines[0].startswith("db1:42:abc  up ") and lines[1].startswith("db2:7:def  up ")
    assert lines[0].endswith("lease 12s left  holds: shard:0, shard:1")
    assert lines[1].endswith("lease 12s left  holds: nothing else")
    await one.stop()
    await two.stop()
    assert await live_workers(store) == []


class FailingLeases:
    """The store's leases, until the database goes away (``down``)."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.down = False

    async def claim_lease(self, name: str, **kwargs: object) -> object:
        if self.down:
            raise ConnectionError("database unreachable")
        return await self.store.claim_lease(name, **kwargs)  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)


async def test_a_worker_whose_renewals_fail_stops_holding_its_lease() -> None:
    clock = ManualClock()
    store = MemoryStore(clock)
    leases = FailingLeases(store)
    pauses = Pauses()
    worker = WorkerRegistry(leases, lease_seconds=15, worker_id="db1:42:abc", pause=pauses.pause)  # type: ignore[arg-type]
    await worker.start()
    await pauses.next_pause()
    assert worker.holding(clock.now())
    leases.down = True
    clock.advance(10)
    pauses.go()
    await pauses.next_pause()  # the renewal failed (logged), the loop goes on
    assert worker.holding(clock.now())  # still within the lease it had
    clock.advance(6)
    assert not worker.holding(clock.now())  # /readyz says so: its work may be taken over
    leases.down = False
    pauses.go()
    await pauses.next_pause()
    assert worker.holding(clock.now())
    await worker.stop()
