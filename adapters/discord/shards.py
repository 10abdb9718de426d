"""Discord gateway shards shared by the workers of one database.

Each shard ``i`` of ``n`` is the lease ``discord:shard:<i>``: the worker holding it connects
that shard, and no other worker does. Every worker keeps a fair share, ``ceil(n / live
workers)``: it claims free shards up to its share and gives up the ones beyond it (highest
first), (and the richest gives one to a worker below ``floor(n / workers)``), so a new worker gets
shards and a dead worker's shards are taken over by the others as
soon as its leases expire (the keeper wakes at the earliest expiry of a lease it does not hold,
so take-over follows the expiry by a fraction of a second, within ``[workers] lease_seconds``
of the death). A worker that stops cleanly releases its shards: the others take them at once.

The shard count is ``[discord] shard_count``, or Discord's recommendation (``GET
/gateway/bot``); a worker that finds shard leases of another count adopts theirs, so workers
started while the recommendation changed never split the guilds two ways. Single-process
bridges run the same code: one worker, every shard."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass

from bridge.ports import Clock, Lease, LeaseStore

log = logging.getLogger(__name__)

PREFIX = "discord:shard:"
WORKER_PREFIX = "worker:"


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends a guild's events to."""
    return (guild_id >> 22) % shard_count


def lease_name(shard: int) -> str:
    return f"{PREFIX}{shard}"


@dataclass(frozen=True)
class ShardView:
    """The shard leases as one worker reads them at one moment."""

    holders: dict[int, str]  # shard -> worker id, live leases only
    workers: frozenset[str]  # the live workers (this one included)
    count: int  # the shard count the live leases agree on (or ours)
    next_expiry: float | None  # the earliest expiry of a lease held by another worker

    def share(self) -> int:
        """The most shards one worker keeps: ``ceil(count / workers)``."""
        return max(1, math.ceil(self.count / len(self.workers)))

    def should_give_one(self, me: str) -> bool:
        """At the share while another worker is below ``floor(count / workers)`` (it joined
        late): the worker holding the most (the highest id among equals) gives one up."""
        floor = self.count // len(self.workers)
        held = {worker: 0 for worker in self.workers}
        for holder in self.holders.values():
            held[holder] = held.get(holder, 0) + 1
        if min(held.values()) >= floor or held.get(me, 0) <= floor:
            return False
        richest = max(held.items(), key=lambda item: (item[1], item[0]))[0]
        return richest == me


def read_view(leases: Collection[Lease], *, me: str, count: int) -> ShardView:
    holders: dict[int, str] = {}
    counts: set[int] = set()
    workers = {me}
    expiries: list[float] = []
    for lease in leases:
        if lease.name.startswith(WORKER_PREFIX):
            workers.add(lease.holder)
        if not lease.name.startswith(PREFIX):
            continue
        with contextlib.suppress(ValueError):
            holders[int(lease.name.removeprefix(PREFIX))] = lease.holder
        seen = lease.info.get("shard_count")
        if isinstance(seen, int) and lease.holder != me:
            counts.add(seen)
        if lease.holder != me:
            expiries.append(lease.expires_at)
    agreed = min(counts) if counts else count
    return ShardView(holders, frozenset(workers), agreed, min(expiries) if expiries else None)


Toggle = Callable[[int, int], Awaitable[None]]  # (shard, count)


class ShardKeeper:
    """Claims, renews and gives up shard leases; ``connect``/``disconnect`` are called for
    each shard this worker starts or stops holding."""

    def __init__(
        self,
        store: LeaseStore,
        clock: Clock,
        *,
        worker_id: str,
        lease_seconds: float,
        count: int,
        connect: Toggle,
        disconnect: Toggle,
    ) -> None:
        self.store = store
        self.clock = clock
        self.worker_id = worker_id
        self.lease_seconds = lease_seconds
        self.count = count
        self.connect = connect
        self.disconnect = disconnect
        self.held: set[int] = set()
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        # shard -> its connection under way: renewals never wait for a READY
        self._connecting: dict[int, asyncio.Task[None]] = {}

    async def start(self) -> None:
        """The first pass, then a task keeping the leases; returns once this worker's share
        is connected (or failed to: then it was released for another worker)."""
        await self.tick()
        self._task = asyncio.create_task(self._keep(), name="discord-shards")
        await self.settled()

    async def settled(self) -> None:
        """Return once no shard connection is under way."""
        while self._connecting:
            await asyncio.wait(list(self._connecting.values()))

    def wake(self) -> None:
        """Look again now (a worker released its shards)."""
        self._wake.set()

    async def tick(self) -> float:
        """One pass; returns how long to wait before the next."""
        view = read_view(await self.store.live_leases(), me=self.worker_id, count=self.count)
        if view.count != self.count:
            log.info("discord: the other workers run %d shards; adopting it", view.count)
            for shard in sorted(self.held):
                await self._drop(shard, release=True)
            self.count = view.count
        await self._renew()
        share = view.share()
        for shard in range(self.count):
            if len(self.held) >= share:
                break
            if shard not in self.held and shard not in view.holders:
                await self._claim(shard)
        extra = max(0, len(self.held) - share)
        if not extra and self.held and view.should_give_one(self.worker_id):
            extra = 1
        for shard in sorted(self.held, reverse=True)[:extra]:
            log.info("discord: shard %d handed over (fair share %d)", shard, share)
            await self._drop(shard, release=True)
        wait = self.lease_seconds / 3
        if view.next_expiry is not None:
            wait = min(wait, max(0.05, view.next_expiry - self.clock.now() + 0.05))
        return wait

    async def _renew(self) -> None:
        for shard in sorted(self.held):
            lease = await self._lease(shard)
            if lease is None:
                log.warning("discord: shard %d was taken by another worker", shard)
                await self._drop(shard, release=False)

    async def _claim(self, shard: int) -> None:
        if await self._lease(shard) is None:
            return
        self.held.add(shard)
        log.info("discord: connecting shard %d of %d", shard, self.count)
        task = asyncio.create_task(self._connect(shard, self.count), name=f"shard-{shard}-up")
        self._connecting[shard] = task

    async def _connect(self, shard: int, count: int) -> None:
        try:
            await self.connect(shard, count)
        except Exception:
            log.warning("discord: shard %d could not connect; released", shard, exc_info=True)
            self._connecting.pop(shard, None)
            await self._drop(shard, release=True)
        else:
            self._connecting.pop(shard, None)

    async def _drop(self, shard: int, *, release: bool) -> None:
        self.held.discard(shard)
        connecting = self._connecting.pop(shard, None)
        if connecting is not None and connecting is not asyncio.current_task():
            connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await connecting
        with contextlib.suppress(Exception):
            await self.disconnect(shard, self.count)
        if release:
            with contextlib.suppress(Exception):
                await self.store.release_lease(lease_name(shard), holder=self.worker_id)

    async def _lease(self, shard: int) -> Lease | None:
        """Take or renew the shard's lease; None when another worker holds it."""
        return await self.store.claim_lease(
            lease_name(shard),
            holder=self.worker_id,
            seconds=self.lease_seconds,
            info={"shard_count": self.count},
        )

    async def _keep(self) -> None:
        wait = self.lease_seconds / 3
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
            self._wake.clear()
            try:
                wait = await self.tick()
            except Exception:  # the database is away: the leases last until the next pass
                log.warning("discord: could not renew the shard leases", exc_info=True)
                wait = self.lease_seconds / 3

    async def stop(self) -> None:
        """Stop keeping; disconnect and release every shard, so others take them at once."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for shard in sorted(self.held):
            await self._drop(shard, release=True)
