"""Three workers' Discord clients against the emulator with its limits on (Discord's global 50
requests per second per bot token, windows scaled down): paced by three in-process pacers they
draw global 429s; paced by three ``SharedPacer``s on one PostgreSQL schema, none.

Each "worker" is its own aiohttp session (the trace discord.py is given) and its own store
(its own engine and connection), all in this process; they share only the database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from sqlalchemy import text

from adapters.pacing import (
    Pacer,
    SharedPacer,
    SharedRoutes,
    bot_authenticated,
    pacing_trace,
)
from adapters.slack.tokens import TeamClient
from emulators.server import ThreadedEmulator
from storage.rate_windows import RateWindows
from storage.repos import SqlStore
from tests.emulation import running_emulator
from tests.postgres import POSTGRES_URL, fresh_schema

pytestmark = pytest.mark.skipif(POSTGRES_URL is None, reason="needs FANBRIDGE_TEST_POSTGRES_URL")

TIME_SCALE = 0.25  # the emulator's 50 per second become 50 per 0.25 s
LIMIT, WINDOW = 40, 1.0 * TIME_SCALE  # discord_pacer()'s 40 per second, scaled alike
WORKERS = 3
GETS = 150  # per worker: 450 in all, about three seconds at the shared pace
DEADLINE = 60.0


@pytest.fixture
def emulator() -> Iterator[ThreadedEmulator]:
    with running_emulator(time_scale=TIME_SCALE) as emu:
        yield emu


@pytest.fixture
async def stores() -> AsyncIterator[list[SqlStore]]:
    assert POSTGRES_URL is not None
    async with fresh_schema(POSTGRES_URL) as schema:
        first = await SqlStore.open(POSTGRES_URL, schema=schema)
        others = [
            await SqlStore.open(POSTGRES_URL, schema=schema, migrate=False)
            for _ in range(WORKERS - 1)
        ]
        yield [first, *others]
        for store in [first, *others]:
            await store.close()


async def draw(emulator: ThreadedEmulator, traces: list[aiohttp.TraceConfig]) -> list[str]:
    """Every worker sends its bot-authenticated GETs at once; the answers, as "200" or
    "429 <scope>"."""
    async with aiohttp.ClientSession() as control, control.get(f"{emulator.url}/_emu/world") as got:
        token = (await got.json())["discord"]["bot_token"]
    url = f"{emulator.url}/discord/api/v10/users/@me"
    headers = {"Authorization": f"Bot {token}"}

    async def one(session: aiohttp.ClientSession) -> str:
        async with session.get(url, headers=headers) as answer:
            await answer.read()
            if answer.status == 429:
                return f"429 {answer.headers.get('X-RateLimit-Scope')}"
            return str(answer.status)

    async def worker(trace: aiohttp.TraceConfig) -> list[str]:
        async with aiohttp.ClientSession(trace_configs=[trace]) as session:
            return list(await asyncio.gather(*(one(session) for _ in range(GETS))))

    drawn = await asyncio.wait_for(asyncio.gather(*(worker(t) for t in traces)), DEADLINE)
    return [answer for answers in drawn for answer in answers]


async def test_shared_pacers_draw_no_global_429(
    emulator: ThreadedEmulator, stores: list[SqlStore]
) -> None:
    windows = [RateWindows(store.engine) for store in stores]
    pacers = [SharedPacer(Pacer(LIMIT, WINDOW), w, "discord:global") for w in windows]
    traces = [
        pacing_trace(p, bot_authenticated, routes=SharedRoutes(w))
        for p, w in zip(pacers, windows, strict=True)
    ]
    try:
        answers = await draw(emulator, traces)
    finally:
        for p in pacers:
            await p.close()
    assert answers.count("429 global") == 0
    assert answers.count("200") == WORKERS * GETS
    assert sum(p.waited for p in pacers) > 0  # the shared window did the holding back


async def test_in_process_pacers_alone_draw_global_429s(emulator: ThreadedEmulator) -> None:
    traces = [pacing_trace(Pacer(LIMIT, WINDOW), bot_authenticated) for _ in range(WORKERS)]
    answers = await draw(emulator, traces)
    assert answers.count("429 global") > 0


async def test_a_bucket_one_worker_exhausts_is_recorded_for_the_others(
    emulator: ThreadedEmulator, stores: list[SqlStore]
) -> None:
    """50 GETs of /users/@me at once leave its bucket at Remaining 0: the trace records the
    route for every worker (its reset is a quarter second away, so the record is read back)."""
    windows = RateWindows(stores[0].engine)
    trace = pacing_trace(None, bot_authenticated, routes=SharedRoutes(windows))
    async with aiohttp.ClientSession() as control, control.get(f"{emulator.url}/_emu/world") as got:
        token = (await got.json())["discord"]["bot_token"]
    url = f"{emulator.url}/discord/api/v10/users/@me"
    headers = {"Authorization": f"Bot {token}"}

    async def one(session: aiohttp.ClientSession) -> str:
        async with session.get(url, headers=headers) as answer:
            return answer.headers.get("X-RateLimit-Remaining", "")

    remaining: list[str] = []
    try:
        async with aiohttp.ClientSession(trace_configs=[trace]) as session:
            for _ in range(5):  # a loaded machine may spread one burst over two windows
                remaining = await asyncio.gather(*(one(session) for _ in range(50)))
                if "0" in remaining:
                    break
    finally:
        await windows.close()
    assert "0" in remaining
    async with stores[1].engine.connect() as conn:
        routes = (await conn.execute(text("SELECT route FROM rate_route"))).scalars().all()
    assert routes == ["GET /users/@me"]


# -- Slack: a workspace's method tiers, shared ---------------------------------------------------
SLACK_EDITS = 30  # per worker: 90 chat.update in one workspace, Tier 3 allows 50 a minute


async def edit_from_workers(emulator: ThreadedEmulator, windows: list[RateWindows | None]) -> int:
    """Each worker's TeamClient edits one bot message ``SLACK_EDITS`` times, all at once, in
    the same workspace; how many of the edits Slack answered 429."""
    async with aiohttp.ClientSession() as control, control.get(f"{emulator.url}/_emu/world") as got:
        slack = (await got.json())["slack"]
    token = slack["bot_token"]
    channel = slack["workspaces"][0]["channels"][0]["id"]
    base_url = f"{emulator.url}/slack/api/"
    clients = []
    for shared in windows:
        client = TeamClient(token=token, base_url=base_url)
        client.windows = shared
        client.tiers = {"chat.update": (50, 60.0 * SLACK_SCALE)}  # the emulator's minute
        clients.append(client)
    posted = await clients[0].chat_postMessage(channel=channel, text="edited by three workers")
    ts = str(posted["ts"])

    async def edit(client: TeamClient, n: int) -> int:
        try:
            await client.chat_update(channel=channel, ts=ts, text=f"edit {n}")
        except SlackApiError as error:
            if error.response.status_code == 429:
                return 1
            raise
        return 0

    try:
        edits = [edit(c, n) for c in clients for n in range(SLACK_EDITS)]
        return sum(await asyncio.wait_for(asyncio.gather(*edits), DEADLINE))
    finally:
        for client in clients:
            await client.close_pacing()


SLACK_SCALE = 0.05  # Slack's minute becomes 3 s


@pytest.fixture
def slack_emulator() -> Iterator[ThreadedEmulator]:
    with running_emulator(time_scale=SLACK_SCALE) as emu:
        yield emu


async def test_workers_share_a_slack_workspaces_edit_tier(
    slack_emulator: ThreadedEmulator, stores: list[SqlStore]
) -> None:
    """Three workers redrawing cards in one workspace: their chat.update calls wait in one
    shared window per workspace and method, so Slack answers none with 429; each pacing
    only itself, the three overrun the tier together."""
    shared: list[RateWindows | None] = [RateWindows(store.engine) for store in stores]
    assert await edit_from_workers(slack_emulator, shared) == 0
    assert await edit_from_workers(slack_emulator, [None] * WORKERS) > 0
