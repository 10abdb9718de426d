"""Alembic migrations, applied by `fanbridge db upgrade` and at start-up.

A start on a database already at the newest revision (every start but the first after an
upgrade) only reads ``alembic_version`` and compares it with the newest script's revision, read
from the scripts' text: alembic itself (its import, the scripts', ``env.py``) is loaded only when
there is something to apply, which keeps it out of the time until the bridge is ready."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSIONS_DIR = MIGRATIONS_DIR / "versions"
_ASSIGNED = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


MIGRATION_LOCK = 0x66616E62  # "fanb": one worker migrates at a time, the others wait


def _upgrade(connection: Connection, revision: str) -> None:
    if connection.dialect.name == "postgresql":  # workers starting together on one database
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    _create_schema(connection)
    from alembic import command

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
    if revision == "head" and await at_head(engine):
        return
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade, revision)


@functools.cache
def script_head() -> str | None:
    """The newest revision of ``migrations/versions``: the one no other script revises. Read
    from each script's ``revision = ...`` and ``down_revision = ...`` lines, not by loading the
    scripts; None when that is not one plain answer (several heads, a line it cannot read), and
    the caller then asks alembic."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in VERSIONS_DIR.glob("*.py"):
        found = dict(_ASSIGNED.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue  # not a revision script (the package's __init__)
        try:
            revision = ast.literal_eval(found["revision"])
            down = ast.literal_eval(found.get("down_revision", "None"))
        except (ValueError, SyntaxError):
            return None
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        downs = down if isinstance(down, tuple | list) else (down,)
        revised.update(d for d in downs if isinstance(d, str))
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 else None


async def at_head(engine: AsyncEngine) -> bool:
    """True when the database's ``alembic_version`` holds the newest script's revision and
    nothing else: there is nothing to apply. False on any doubt (no such table yet, no schema,
    an older revision), and the full upgrade runs under its lock."""
    head = script_head()
    if head is None:
        return False
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
            found = [str(row) for row in rows.scalars()]
    except SQLAlchemyError:
        return False
    return found == [head]


def _current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(_current)
