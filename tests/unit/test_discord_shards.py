"""Discord shards as leases between workers (adapters/discord/shards.py), on the in-memory
lease store and a manual clock: each shard is connected by exactly one worker, workers keep a
fair share, a dead worker's shards are taken over when its leases expire (not before), a clean
stop hands them over at once, and a worker that finds another shard count adopts it."""

from __future__ import annotations

from adapters.discord.shards import ShardKeeper, shard_of
from adapters.workers import WorkerRegistry
from bridge.testing.clock import ManualClock
from bridge.testing.store import MemoryStore

LEASE = 15.0


class Worker:
    """A worker: its registry lease and its shard keeper; ``connected`` is what it runs."""

    def __init__(self, store: MemoryStore, clock: ManualClock, name: str, count: int) -> None:
        self.registry = WorkerRegistry(store, lease_seconds=LEASE, worker_id=name)
        self.connected: set[int] = set()
        self.counts: set[int] = set()
        self.keeper = ShardKeeper(
            store,
            clock,
            worker_id=name,
            lease_seconds=LEASE,
            count=count,
            connect=self._connect,
            disconnect=self._disconnect,
        )

    async def _connect(self, shard: int, count: int) -> None:
        self.connected.add(shard)
        self.counts.add(count)

    async def _disconnect(self, shard: int, count: int) -> None:
        self.connected.discard(shard)

    async def join(self) -> None:
        await self.pass_()

    async def pass_(self) -> float:
        await self.registry._renew()
        wait = await self.keeper.tick()
        await self.keeper.settled()  # the connections it started
        return wait


def owners(workers: list[Worker], count: int) -> list[int]:
    """How many workers run each shard."""
    return [sum(shard in w.connected for w in workers) for shard in range(count)]


async def test_workers_share_the_shards_and_take_over_a_dead_ones_when_its_leases_expire() -> None:
    clock = ManualClock()
    store = MemoryStore(clock)
    a, b, c = (Worker(store, clock, name, 4) for name in ("a", "b", "c"))
    await a.join()
    assert a.connected == {0, 1, 2, 3}  # alone: every shard
    await b.join()
    await a.pass_()  # a now has more than its share (2 of 4): it hands two over
    await b.pass_()
    assert owners([a, b], 4) == [1, 1, 1, 1]
    assert len(a.connected) == len(b.connected) == 2
    await c.join()
    for worker in (a, b, c, a, b, c):
        await worker.pass_()
    assert owners([a, b, c], 4) == [1, 1, 1, 1]  # never two workers on one shard
    assert sorted(len(w.connected) for w in (a, b, c)) == [1, 1, 2]

    dead = max((a, b, c), key=lambda w: len(w.connected))  # killed: no renewal, no release
    orphans = set(dead.connected)
    alive = [w for w in (a, b, c) if w is not dead]
    clock.advance(LEASE - 1)
    for worker in alive:
        await worker.pass_()
    assert not any(orphans & w.connected for w in alive)  # its leases still run
    waits = [await w.pass_() for w in alive]
    assert min(waits) <= 1.05  # they wake when the dead worker's leases expire
    clock.advance(1.05)
    for worker in alive:
        await worker.pass_()
    assert owners(alive, 4) == [1, 1, 1, 1]  # taken over within the lease


async def test_a_clean_stop_hands_the_shards_over_at_once() -> None:
    clock = ManualClock()
    store = MemoryStore(clock)
    a, b = Worker(store, clock, "a", 2), Worker(store, clock, "b", 2)
    await a.join()
    await b.join()
    await a.pass_()
    await b.pass_()
    assert owners([a, b], 2) == [1, 1]
    await a.keeper.stop()
    await a.registry.stop()
    assert a.connected == set()
    await b.pass_()  # no clock moved: released leases are free now
    assert b.connected == {0, 1}


async def test_a_worker_adopts_the_shard_count_the_others_run() -> None:
    clock = ManualClock()
    store = MemoryStore(clock)
    a, b = Worker(store, clock, "a", 2), Worker(store, clock, "b", 3)
    await a.join()
    await b.join()  # Discord recommended 3 meanwhile; a still runs 2
    assert b.keeper.count == 2
    await a.pass_()
    await b.pass_()
    assert owners([a, b], 2) == [1, 1]
    assert b.counts == {2}  # never a shard of a 3-way split


def test_a_guilds_shard_is_discords_formula() -> None:
    assert shard_of(0, 4) == 0
    assert shard_of(5 << 22, 4) == 1
    assert shard_of(175928847299117063, 2) == (175928847299117063 >> 22) % 2
