"""The async engine: aiosqlite by default (WAL, busy timeout), asyncpg for PostgreSQL URLs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 10_000


def normalise_url(url: str) -> str:
    """Pick the async driver for a plain URL: sqlite → aiosqlite, postgresql → asyncpg."""
    parsed = make_url(url)
    drivers = {
        "sqlite": "sqlite+aiosqlite",
        "postgresql": "postgresql+asyncpg",
        "postgres": "postgresql+asyncpg",
    }
    backend = parsed.drivername.split("+", 1)[0]
    if backend in drivers and "+" not in parsed.drivername:
        parsed = parsed.set(drivername=drivers[backend])
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, schema: str | None = None, echo: bool = False) -> AsyncEngine:
    """An async engine for ``url``; ``schema`` puts every table in that PostgreSQL schema."""
    url = normalise_url(url)
    if is_sqlite(url):
        # One connection for a file database: SQLite has one writer anyway, and several pooled
        # aiosqlite connections can deadlock the event loop (a garbage-collected cursor waits
        # for its connection's lock while that connection waits for the write lock held by a
        # coroutine that needs the loop). In-memory databases keep SQLAlchemy's default pool.
        pool = {} if ":memory:" in url else {"pool_size": 1, "max_overflow": 0}
        engine = create_async_engine(
            url, echo=echo, hide_parameters=True, connect_args={"timeout": 10}, **pool
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    connect_args: dict[str, Any] = {}
    if schema:
        connect_args["server_settings"] = {"search_path": schema}
    return create_async_engine(
        url,
        echo=echo,
        hide_parameters=True,  # SQL logs never show values (webhook tokens, refresh tokens)
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
        connect_args=connect_args,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL + NORMAL: a commit survives the process dying, not a power cut; the bridge recovers
    # those last commits (catch-up, SentFinder): docs/architecture.md, "Unit of work"
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
