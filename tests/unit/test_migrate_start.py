"""Start-up's migration step: a database already at the newest revision is recognised without
loading alembic (its import and scripts cost start-up time every start), and any other database
is still brought to the newest revision. On SQLite, and on PostgreSQL when it is set."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from storage.db import create_engine
from storage.migrate import alembic_config, at_head, current_revision, script_head, upgrade
from storage.repos import SqlStore
from tests.postgres import POSTGRES_URL, fresh_schema

ROOT = Path(__file__).resolve().parents[2]
BACKENDS = ["sqlite", *(["postgres"] if POSTGRES_URL else [])]
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


@pytest.fixture(params=BACKENDS)
async def database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[str, str | None]]:
    """An empty database: its URL and (PostgreSQL) schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bridge.db'}", None
        return
    assert POSTGRES_URL is not None
    async with fresh_schema(POSTGRES_URL) as schema:
        yield POSTGRES_URL, schema


def test_the_newest_revision_read_from_the_scripts_is_alembics() -> None:
    assert script_head() == HEAD


async def test_an_empty_database_is_migrated_to_the_newest_revision(
    database: tuple[str, str | None],
) -> None:
    url, schema = database
    engine = create_engine(url, schema=schema)
    try:
        assert not await at_head(engine)  # no alembic_version table yet
        store = await SqlStore.open(url, schema=schema)
        await store.close()
        assert await current_revision(engine) == HEAD
        assert await at_head(engine)
    finally:
        await engine.dispose()


async def test_an_older_database_is_still_upgraded_at_start(
    database: tuple[str, str | None],
) -> None:
    url, schema = database
    engine = create_engine(url, schema=schema)
    try:
        await upgrade(engine, "0020")
        assert not await at_head(engine)
        store = await SqlStore.open(url, schema=schema)
        await store.close()
        assert await current_revision(engine) == HEAD
    finally:
        await engine.dispose()


async def test_a_version_table_that_holds_something_else_is_not_taken_as_current(
    database: tuple[str, str | None],
) -> None:
    url, schema = database
    engine = create_engine(url, schema=schema)
    try:
        await upgrade(engine)
        async with engine.begin() as conn:  # two rows: alembic would see branches, not head
            await conn.execute(text("INSERT INTO alembic_version VALUES ('0001')"))
        assert not await at_head(engine)
    finally:
        await engine.dispose()


async def test_a_start_on_a_current_database_does_not_load_alembic(
    database: tuple[str, str | None],
) -> None:
    url, schema = database
    store = await SqlStore.open(url, schema=schema)  # the first start migrates
    await store.close()
    script = textwrap.dedent(
        f"""
        import asyncio, sys
        from storage.repos import SqlStore

        async def main():
            store = await SqlStore.open({url!r}, schema={schema!r})
            await store.close()

        asyncio.run(main())
        print(sorted(m for m in sys.modules if m.split(".")[0] == "alembic"))
        """
    )
    second = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "[]"
