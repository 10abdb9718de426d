"""Rate windows every worker shares (PostgreSQL): ``fanbridge_rate_take``,
``fanbridge_rate_finish`` and ``fanbridge_rate_exhausted`` (migration 0014) answer in one round
trip each, on the database's clock, so workers on several machines draw from one Discord budget.
A slot counts from its request's start until a window after its end (``finish``), as in the
in-process pacer: a request held up on its way still counts. ``exhausted`` also deletes a bounded
batch of route rows reset more than a minute ago (migration 0021): every channel's routes are
buckets of their own, and their rows would otherwise pile up for as long as the bridge runs.
``rate_window`` needs no such care: its keys are one per bot token.

The tables ``rate_window`` and ``rate_route`` are not SQLModel tables: they exist on PostgreSQL
only (SQLite runs one process, paced in-process) and only these functions touch them.

Calls run on one connection kept out of the pool, in autocommit: a pooled checkout would add
its pre-ping round trip to every Discord request, a transaction its BEGIN and COMMIT. Calls of
one process take turns on it; they would queue on the window's row lock anyway."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

# The tables of migration 0014 that storage/tables.py does not describe (PostgreSQL only).
UNMAPPED_TABLES = frozenset({"rate_window", "rate_route"})

_TAKE = text("SELECT fanbridge_rate_take(:key, :lim, :win, :route)")
_FINISH = text("SELECT fanbridge_rate_finish(:key, :slot)")
_EXHAUSTED = text("SELECT fanbridge_rate_exhausted(:route, :reset_after)")


def mapped(name: str | None, type_: str, _parents: Any = None) -> bool:
    """Alembic's ``include_name``: compare every object but the unmapped tables above."""
    return not (type_ == "table" and name in UNMAPPED_TABLES)


@dataclass(frozen=True)
class Turn:
    """A take's answer: ``slot`` (the name ``finish`` closes) when one was taken, else the
    seconds to ``wait`` before asking again (0: a route-only check found the route free)."""

    wait: float
    slot: float | None = None


class RateWindows:
    """The shared windows over a store's engine; ``supported`` is False on SQLite."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.supported = engine.dialect.name == "postgresql"
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._conn: AsyncConnection | None = None
        self._lock = asyncio.Lock()
        self._closed = False

    async def take(self, key: str | None, limit: int, window: float, route: str | None) -> Turn:
        """A slot in ``key``'s window (at most ``limit`` requests in any ``window`` seconds,
        each counted from its start until ``window`` after its end), else the seconds to wait;
        also the seconds until ``route``'s bucket, recorded exhausted by any worker, resets.
        ``key`` None: only the route is checked, no slot taken."""
        found = await self._call(_TAKE, {"key": key, "lim": limit, "win": window, "route": route})
        answer = float(found or 0.0)
        return Turn(0.0, -answer) if answer < 0 else Turn(answer)

    async def finish(self, key: str, slot: float) -> None:
        """The slot's request ended: it counts until ``window`` from now."""
        await self._call(_FINISH, {"key": key, "slot": slot})

    async def exhausted(self, route: str, reset_after: float) -> None:
        """``route``'s bucket answered Remaining 0: every worker waits ``reset_after``. The same
        round trip prunes buckets long reset."""
        await self._call(_EXHAUSTED, {"route": route, "reset_after": reset_after})

    async def close(self) -> None:
        """Give the connection back (before the engine is disposed)."""
        async with self._lock:
            self._closed = True
            conn, self._conn = self._conn, None
            if conn is not None:
                await conn.close()

    async def _call(self, statement: Any, params: dict[str, Any]) -> Any:
        if not self.supported:
            raise RuntimeError("shared rate windows need PostgreSQL")
        async with self._lock:
            if self._closed:
                raise RuntimeError("the shared rate windows are closed")
            if self._conn is None:
                self._conn = await self._engine.connect()
            try:
                return (await self._conn.execute(statement, params)).scalar()
            except (DBAPIError, OSError, asyncio.CancelledError):
                # broken, or left mid-query: the next call opens another connection
                conn, self._conn = self._conn, None
                assert conn is not None
                with contextlib.suppress(Exception):
                    await conn.invalidate()
                raise
