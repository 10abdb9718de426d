"""Alembic migrations, applied by `fanbridge db upgrade` and at start-up."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


MIGRATION_LOCK = 0x66616E62  # "fanb": one worker migrates at a time, the others wait


def _upgrade(connection: Connection, revision: str) -> None:
    if connection.dialect.name == "postgresql":  # workers starting together on one database
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    _create_schema(connection)
    command.upgrade(alembic_config(connection), revision)


def _create_schema(connection: Connection) -> None:
    """PostgreSQL with ``[database] schema_name`` (the first entry of the search path): create
    that schema when it does not exist yet (else nothing has a schema to be created in)."""
    if connection.dialect.name != "postgresql":
        return
    if connection.execute(text("SELECT current_schema()")).scalar() is not None:
        return
    path = str(connection.execute(text("SHOW search_path")).scalar() or "")
    first = path.split(",", 1)[0].strip()
    first = first.strip('"') if first.startswith('"') else first.lower()  # as PostgreSQL reads it
    if not first or first.startswith("$"):
        return
    quoted = connection.dialect.identifier_preparer.quote_identifier(first)
    connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {quoted}"))


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade, revision)


def _current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(_current)
