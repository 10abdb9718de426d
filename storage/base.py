"""Shared plumbing of the repositories: ``Database``, the one handle they all share (engine,
clock, session factory, row cache), and ``RepoBase``, what each repository is built on."""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import Session as SyncSession
from sqlmodel.ext.asyncio.session import AsyncSession

from bridge.ports import Clock, SystemClock
from storage.cache import CACHE_KEY, MISS, PUBLISH_KEY, Region, RowCache, watch_sessions
from storage.notify import publish

T = TypeVar("T")

watch_sessions(SyncSession)


class Database:
    """The handle every repository of one store shares: one session factory and one row cache,
    so a write through any repository drops what any other one cached."""

    def __init__(self, engine: AsyncEngine, clock: Clock | None = None) -> None:
        self.engine = engine
        self.clock: Clock = clock or SystemClock()
        self.cache = RowCache()
        info: dict[str, object] = {CACHE_KEY: self.cache}
        if engine.dialect.name == "postgresql":  # other processes may share it: tell them
            info[PUBLISH_KEY] = publish
        self._sessions = async_sessionmaker(
            engine, class_=AsyncSession, expire_on_commit=False, info=info
        )
        # when the database last ran a statement of this process (time.monotonic()): /readyz
        # takes that as its answer rather than queueing behind busy work (adapters/runtime.py)
        self.answered_at = -math.inf
        event.listen(engine.sync_engine, "after_cursor_execute", self._answered)

    def _answered(self, *_: object) -> None:
        self.answered_at = time.monotonic()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on error."""
        async with self._sessions() as session, session.begin():
            yield session


class RepoBase:
    """A repository: its own object over the shared ``Database``."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.engine = db.engine
        self.clock = db.clock
        self.cache = db.cache

    def session(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on error."""
        return self.db.session()

    async def cached(self, region: Region, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        """``load()``'s value, from the row cache when it holds it (storage/cache.py)."""
        hit = self.cache.get(region, key)
        if hit is not MISS:
            return hit  # type: ignore[no-any-return]
        generation = region.generation
        value = await load()
        self.cache.put(region, key, value, generation)
        return value
