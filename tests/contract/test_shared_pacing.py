"""Discord's limits shared by several workers on one PostgreSQL database, played by three stores
(three engines) on one schema: three ``SharedPacer``s taking at once never put more than the
limit in any window of the database's own stamps, and all three get slots; a route bucket one
worker saw exhausted is waited out by the others, and the buckets long reset are not kept. SQLite
keeps the in-process pacer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from adapters.pacing import Pacer, SharedPacer, SharedRoutes, shared_discord_pacing
from storage.migrate import alembic_config, upgrade
from storage.rate_windows import RateWindows, Turn
from storage.repos import SqlStore

LIMIT, WINDOW = 10, 0.25  # Discord's 40 per second, scaled down so the test runs in a second
TAKES = 15  # per worker: 45 in all, four and a half windows' worth

# The start of every granted slot, as the database stamped it (the window forgets old slots; an
# in-flight slot is minus its start, appended when granted).
LOG_STAMPS = [
    "CREATE TABLE stamp_log (key text, at double precision)",
    """CREATE FUNCTION log_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        last double precision := NEW.stamps[array_upper(NEW.stamps, 1)];
    BEGIN
        IF last < 0 AND NOT last = ANY(OLD.stamps) THEN
            INSERT INTO stamp_log VALUES (NEW.key, -last);
        END IF;
        RETURN NEW;
    END $$""",
    "CREATE TRIGGER log_stamp AFTER UPDATE ON rate_window"
    " FOR EACH ROW EXECUTE FUNCTION log_stamp()",
]


@pytest.fixture
async def workers(pg_schema: tuple[str, str]) -> AsyncIterator[list[SqlStore]]:
    url, schema = pg_schema
    first = await SqlStore.open(url, schema=schema)
    others = [await SqlStore.open(url, schema=schema, migrate=False) for _ in range(2)]
    stores = [first, *others]
    yield stores
    for store in stores:
        await store.close()


def most_in_a_window(stamps: list[float], window: float) -> int:
    ordered = sorted(stamps)
    return max(
        sum(1 for later in ordered[i:] if later - start < window) for i, start in enumerate(ordered)
    )


async def test_three_workers_never_put_more_than_the_limit_in_a_window(
    workers: list[SqlStore],
) -> None:
    async with workers[0].engine.begin() as conn:
        for statement in LOG_STAMPS:
            await conn.execute(text(statement))
    windows = [RateWindows(store.engine) for store in workers]
    pacers = [SharedPacer(Pacer(LIMIT, WINDOW), w, "discord:global") for w in windows]

    async def draw(pacer: SharedPacer) -> int:
        async def one() -> None:
            pacer.finish(await pacer.take())

        await asyncio.gather(*(one() for _ in range(TAKES)))
        return TAKES

    try:
        got = await asyncio.wait_for(asyncio.gather(*(draw(p) for p in pacers)), timeout=20)
    finally:
        for p in pacers:
            await p.close()

    assert got == [TAKES] * 3  # every worker got its slots
    assert sum(p.waited for p in pacers) > 0  # the shared window held some back
    async with workers[0].engine.connect() as conn:
        stamps = list((await conn.execute(text("SELECT at FROM stamp_log"))).scalars())
    assert len(stamps) == 3 * TAKES
    assert most_in_a_window(stamps, WINDOW) <= LIMIT


async def test_a_slot_counts_until_a_window_after_its_request_ends(
    workers: list[SqlStore],
) -> None:
    first, second = RateWindows(workers[0].engine), RateWindows(workers[1].engine)
    try:
        held = await first.take("k", 1, 30.0, None)
        assert held.wait == 0 and held.slot is not None
        refused = await second.take("k", 1, 30.0, None)  # in flight: ask again soon
        assert refused.slot is None and 0 < refused.wait <= 3.0
        await first.finish("k", held.slot)  # ended now: counts 30 s more
        refused = await second.take("k", 1, 30.0, None)
        assert refused.slot is None and 25.0 < refused.wait <= 30.0
        assert (await second.take("k", 2, 30.0, None)).slot is not None
    finally:
        await first.close()
        await second.close()


async def test_a_route_one_worker_saw_exhausted_is_waited_out_by_another(
    workers: list[SqlStore],
) -> None:
    first, second = RateWindows(workers[0].engine), RateWindows(workers[1].engine)
    route = "POST /channels/1/messages"
    try:
        assert await second.take(None, 0, 0.0, route) == Turn(0.0)
        await first.exhausted(route, 30.0)
        refused = await second.take("discord:global", LIMIT, WINDOW, route)
        assert refused.slot is None and 25.0 < refused.wait <= 30.0
        assert await second.take(None, 0, 0.0, "POST /channels/2/messages") == Turn(0.0)
        await first.exhausted(route, 0.0)  # an earlier reset never shortens a recorded one
        assert (await second.take(None, 0, 0.0, route)).wait > 25.0
    finally:
        await first.close()
        await second.close()


# Buckets of 250 channels recorded exhausted an hour ago and more (quiet since), written as an
# older bridge left them: their reset is long past on the database's own clock.
LONG_RESET = """INSERT INTO rate_route (route, reset_at)
SELECT 'POST /channels/' || n || '/messages', extract(epoch FROM clock_timestamp()) - 3600 - n
FROM generate_series(1000, 1249) AS n"""


async def _routes(store: SqlStore) -> set[str]:
    async with store.engine.connect() as conn:
        return set((await conn.execute(text("SELECT route FROM rate_route"))).scalars())


async def test_routes_long_reset_are_not_kept_and_a_live_one_is_still_waited_out(
    workers: list[SqlStore],
) -> None:
    first, second = RateWindows(workers[0].engine), RateWindows(workers[1].engine)
    live = "POST /channels/1/messages"
    busy = [f"PATCH /channels/{n}/messages/:id" for n in range(3)]
    try:
        await first.exhausted(live, 30.0)
        async with workers[0].engine.begin() as conn:
            await conn.execute(text(LONG_RESET))
        assert len(await _routes(workers[0])) == 251
        for route in busy:  # the workers keep sending: some buckets run out
            await second.exhausted(route, 5.0)
        assert await _routes(workers[0]) == {live, *busy}  # nothing long reset is left
        refused = await second.take("discord:global", LIMIT, WINDOW, live)
        assert refused.slot is None and 25.0 < refused.wait <= 30.0
        assert (await first.take(None, 0, 0.0, busy[0])).wait > 3.0
    finally:
        await first.close()
        await second.close()


async def test_the_upgrade_drops_the_routes_long_reset_and_the_downgrade_keeps_recording(
    workers: list[SqlStore],
) -> None:
    store = workers[0]
    async with store.engine.begin() as conn:
        await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0020"))
        await conn.execute(text(LONG_RESET))
    windows = RateWindows(store.engine)
    try:
        await windows.exhausted("POST /channels/1/messages", 30.0)  # 0014's function: no pruning
        assert len(await _routes(store)) == 251
        await windows.close()
        await upgrade(store.engine)
        assert await _routes(store) == {"POST /channels/1/messages"}
        windows = RateWindows(store.engine)
        assert (await windows.take(None, 0, 0.0, "POST /channels/1/messages")).wait > 25.0
    finally:
        await windows.close()


async def test_shared_pacing_on_postgresql(workers: list[SqlStore]) -> None:
    pacer, routes = shared_discord_pacing(workers[0])
    assert isinstance(pacer, SharedPacer) and isinstance(routes, SharedRoutes)
    assert (pacer.limit, pacer.window) == (40, 1.0)
    pacer.finish(await pacer.take("GET /users/@me"))
    await pacer.close()


async def test_sqlite_keeps_the_in_process_pacer(tmp_path: Path) -> None:
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    try:
        pacer, routes = shared_discord_pacing(store)
        assert isinstance(pacer, Pacer) and routes is None
        assert not RateWindows(store.engine).supported
    finally:
        await store.close()
