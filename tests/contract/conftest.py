"""The store suite runs on the in-memory store (bridge.testing) and SQLite always, and on
PostgreSQL when FANBRIDGE_TEST_POSTGRES_URL is set and not empty (CI sets it). Each PostgreSQL
test gets its own schema, so tests may run in parallel.

``store`` is any backend; a test that needs something only a database has (its migrations, its
engine) asks for ``sql_store`` or ``db_url`` instead, and runs on the SQL backends only; a test of
what several processes share on PostgreSQL asks for ``pg_schema`` (it runs wherever PostgreSQL
is set, as in CI)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bridge.ports import Store
from bridge.testing import ManualClock, MemoryStore
from storage.repos import SqlStore
from tests.postgres import POSTGRES_URL, fresh_schema

POSTGRES_BACKENDS = ["postgres"] if POSTGRES_URL else []
SQL_BACKENDS = ["sqlite", *POSTGRES_BACKENDS]
BACKENDS = ["memory", *SQL_BACKENDS]

__all__ = ["ManualClock"]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@asynccontextmanager
async def _database(backend: str, tmp_path: Path) -> AsyncIterator[tuple[str, str | None]]:
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'store.db'}", None
        return
    assert POSTGRES_URL is not None
    async with fresh_schema(POSTGRES_URL) as schema:
        yield POSTGRES_URL, schema


@pytest.fixture
async def db_url(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[str, str | None]]:
    """A SQL database (SQLite, PostgreSQL): its URL and schema."""
    async with _database(request.param, tmp_path) as found:
        yield found


@pytest.fixture
async def sql_store(db_url: tuple[str, str | None], clock: ManualClock) -> AsyncIterator[SqlStore]:
    """A SqlStore, for the tests of what only a database has (migrations, its engine)."""
    url, schema = db_url
    opened = await SqlStore.open(url, clock=clock, schema=schema)
    yield opened
    await opened.close()


@pytest.fixture
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock
) -> AsyncIterator[Store]:
    """The store on every backend: in memory, SQLite, PostgreSQL."""
    if request.param == "memory":
        yield MemoryStore(clock)
        return
    async with _database(request.param, tmp_path) as (url, schema):
        opened = await SqlStore.open(url, clock=clock, schema=schema)
        yield opened
        await opened.close()


@pytest.fixture
async def pg_schema(request: pytest.FixtureRequest) -> AsyncIterator[tuple[str, str]]:
    """A fresh schema on the test PostgreSQL database: its URL and name (several stores on it
    stand for several worker processes)."""
    assert request.param == "postgres" and POSTGRES_URL is not None
    async with fresh_schema(POSTGRES_URL) as schema:
        yield POSTGRES_URL, schema


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "pg_schema" in metafunc.fixturenames:
        metafunc.parametrize("pg_schema", POSTGRES_BACKENDS, indirect=True)
    if "db_url" in metafunc.fixturenames:
        metafunc.parametrize("db_url", SQL_BACKENDS, indirect=True)
    elif "store" in metafunc.fixturenames:
        metafunc.parametrize("store", BACKENDS, indirect=True)
