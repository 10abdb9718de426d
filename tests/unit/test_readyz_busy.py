"""/readyz on SQLite while the bridge's one database connection is busy (the work after a start:
catch-up, naming channels): the checks answer at once from what the database just ran, and the
worker's leases as read last, instead of queueing behind that work; a database that has not
answered lately is still asked, and one that fails is "not ready"."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from adapters.config import config_from_dict
from adapters.runtime import Runtime
from adapters.workers import WorkerRegistry
from storage.repos import SqlStore

WAIT = 10.0  # seconds a check may take in these tests at the most (it takes milliseconds)


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    """A runtime over an open SQLite store and a registered worker (nothing else started)."""
    url = f"sqlite:///{tmp_path / 'bridge.db'}"
    built = Runtime(config_from_dict({"database": {"url": url}}))
    built.store = store = await SqlStore.open(url)
    built.workers = workers = WorkerRegistry(store, lease_seconds=30)
    await workers.start()
    try:
        yield built
    finally:
        await workers.stop()
        await store.close()


@asynccontextmanager
async def connection_busy(store: SqlStore) -> AsyncIterator[None]:
    """The store's one SQLite connection held by other work until the block ends."""
    held, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with store.engine.connect():
            held.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await asyncio.wait_for(held.wait(), WAIT)
    try:
        yield
    finally:
        release.set()
        await holder


async def test_readyz_answers_while_the_connection_is_busy(runtime: Runtime) -> None:
    assert runtime.store is not None and runtime.workers is not None
    await runtime._read_held(runtime.workers)  # as the start ends
    async with connection_busy(runtime.store):
        checks = await asyncio.wait_for(runtime.ready_checks(), WAIT)
        status = await asyncio.wait_for(runtime.worker_status(), WAIT)
    assert checks["database"] and checks["worker lease"]
    assert status == {"id": runtime.workers.id, "leases": [runtime.workers.lease_name]}


async def test_leases_not_read_lately_are_shown_as_last_read_while_busy(
    runtime: Runtime,
) -> None:
    assert runtime.store is not None and runtime.workers is not None
    async with connection_busy(runtime.store):
        status = await asyncio.wait_for(runtime.worker_status(), WAIT)  # never read: none yet
    assert status["leases"] == []
    assert runtime._reading_held is not None  # the read went on, and ends once the work does
    await asyncio.wait_for(runtime._reading_held, WAIT)
    status = await asyncio.wait_for(runtime.worker_status(), WAIT)
    assert status["leases"] == [runtime.workers.lease_name]


async def test_a_database_not_heard_from_lately_is_asked(runtime: Runtime) -> None:
    store = runtime.store
    assert store is not None
    store.db.answered_at = -math.inf  # nothing ran lately
    assert (await asyncio.wait_for(runtime.ready_checks(), WAIT))["database"]
    async with store.engine.begin() as conn:  # the query /readyz asks now fails
        await conn.exec_driver_sql("ALTER TABLE outbox RENAME TO outbox_gone")
    store.db.answered_at = -math.inf
    assert not (await asyncio.wait_for(runtime.ready_checks(), WAIT))["database"]
