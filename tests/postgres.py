"""The test PostgreSQL database (FANBRIDGE_TEST_POSTGRES_URL; CI sets it; empty means not set):
each user gets a fresh schema of its own, dropped afterwards, so tests may run in parallel."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from storage.db import normalise_url

POSTGRES_URL = os.environ.get("FANBRIDGE_TEST_POSTGRES_URL") or None


@asynccontextmanager
async def fresh_schema(url: str) -> AsyncIterator[str]:
    """A new, empty schema in the database at ``url``; its name."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    dsn = normalise_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
        yield schema
    finally:
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await conn.close()
