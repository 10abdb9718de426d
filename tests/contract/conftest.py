"""The store suite runs on SQLite always and on PostgreSQL when FANBRIDGE_TEST_POSTGRES_URL is
set and not empty (CI sets it). Each PostgreSQL test gets its own schema, so tests may run in
parallel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.repos import SqlStore
from tests.postgres import POSTGRES_URL, fresh_schema

BACKENDS = ["sqlite", *(["postgres"] if POSTGRES_URL else [])]


class ManualClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.t = start

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def db_url(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[str, str | None]]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'store.db'}", None
        return
    assert POSTGRES_URL is not None
    async with fresh_schema(POSTGRES_URL) as schema:
        yield POSTGRES_URL, schema


@pytest.fixture
async def store(db_url: tuple[str, str | None], clock: ManualClock) -> AsyncIterator[SqlStore]:
    url, schema = db_url
    opened = await SqlStore.open(url, clock=clock, schema=schema)
    yield opened
    await opened.close()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_url" in metafunc.fixturenames:
        metafunc.parametrize("db_url", BACKENDS, indirect=True)
