"""This process as a worker: an id (``host:pid:random``) registered as the lease
``worker:<id>`` and renewed every third of ``[workers] lease_seconds`` while the bridge runs,
released on a clean stop. ``fanbridge workers`` lists the live ones and what each holds (its
other leases: shards, ...); a worker that dies drops off the list once its lease expires."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from adapters.config import Config
from adapters.startup_errors import StartupFailed, describe
from bridge.ports import Lease, LeaseStore
from storage.repos import SqlStore

log = logging.getLogger(__name__)

PREFIX = "worker:"


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class WorkerLost(Exception):
    """The worker's own lease is held by someone else (it cannot be: ids are unique)."""


class WorkerRegistry:
    def __init__(
        self,
        store: LeaseStore,
        *,
        lease_seconds: float,
        worker_id: str = "",
        pause: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """``pause`` waits between renewals (tests pass one they release by hand)."""
        self.store = store
        self.pause = pause
        self.lease_seconds = lease_seconds
        self.id = worker_id or new_worker_id()
        self.lease_name = PREFIX + self.id
        self.info = {"host": socket.gethostname(), "pid": os.getpid(), "started": time.time()}
        self._task: asyncio.Task[None] | None = None
        self.expires_at = 0.0  # when its own lease runs out unless renewed (store clock)

    def holding(self, now: float) -> bool:
        """Its own lease still runs (the last renewal went through): else other workers may
        take over its work, and /readyz says this worker is not ready."""
        return self.expires_at > now

    async def start(self) -> None:
        """Register (the first renewal) and keep renewing in a task of its own."""
        if await self._renew() is None:
            raise WorkerLost(self.lease_name)
        self._task = asyncio.create_task(self._keep(), name="worker-lease")

    async def _renew(self) -> Lease | None:
        lease = await self.store.claim_lease(
            self.lease_name, holder=self.id, seconds=self.lease_seconds, info=self.info
        )
        if lease is not None:
            self.expires_at = lease.expires_at
        return lease

    async def _keep(self) -> None:
        while True:
            await self.pause(self.lease_seconds / 3)
            try:
                if await self._renew() is None:
                    log.warning("worker %s: its lease is held by another worker", self.id)
            except Exception:  # a database hiccup: the next renewal is still within the lease
                log.warning("worker %s: could not renew its lease", self.id, exc_info=True)

    async def held(self) -> list[Lease]:
        """The live leases this worker holds, its own ``worker:`` lease first."""
        mine = [lease for lease in await self.store.live_leases() if lease.holder == self.id]
        return sorted(mine, key=lambda lease: lease.name != self.lease_name)

    async def stop(self) -> None:
        """Stop renewing and give the lease up, so the worker leaves the list at once."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            await self.store.release_lease(self.lease_name, holder=self.id)


@dataclass(frozen=True)
class WorkerView:
    """One live worker as ``fanbridge workers`` shows it."""

    lease: Lease
    holds: tuple[str, ...]

    def line(self, now: float) -> str:
        worker = self.lease.name.removeprefix(PREFIX)
        started = self.lease.info.get("started")
        age = f"up {_duration(now - started)}" if isinstance(started, int | float) else "up ?"
        holds = ", ".join(self.holds) if self.holds else "nothing else"
        left = max(0.0, self.lease.expires_at - now)
        return f"{worker}  {age}  lease {left:.0f}s left  holds: {holds}"


async def live_workers(store: LeaseStore) -> list[WorkerView]:
    """Every live worker and the names of the other leases it holds."""
    leases = await store.live_leases()
    workers = [lease for lease in leases if lease.name.startswith(PREFIX)]
    return [
        WorkerView(w, tuple(x.name for x in leases if x.holder == w.holder and x is not w))
        for w in workers
    ]


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


async def show_workers(config: Config, out: Callable[[str], None]) -> int:
    """``fanbridge workers``: one line per live worker, or one saying none is live."""
    database = config.database
    try:
        store = await SqlStore.open(database.url, schema=database.schema_name)
    except Exception as exc:
        out(f"fanbridge: {describe(StartupFailed('database', exc), config)}")
        return 1
    try:
        views, now = await live_workers(store), store.clock.now()
    finally:
        await store.close()
    if not views:
        out("no live workers (none renewed its lease within [workers] lease_seconds)")
    for view in views:
        out(view.line(now))
    return 0
