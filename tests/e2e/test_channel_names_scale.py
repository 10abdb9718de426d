"""Naming hundreds of config-linked Slack channels at start-up: the pass pages
``conversations.list`` under its tier, waits out every 429 and asks the same page again (no
channel is dropped), resumes after a restart where it stopped, and a start with every name
known asks Slack nothing. Real slack-bolt and discord.py against the emulator, whose tiers run
with time scale 0.02 (Tier 2: 20 calls per 1.2 s); the bridge is told a tier's minute lasts
0.2 s, so it asks faster than the emulator allows and meets several 429s (the run stopped in
the middle is paced at 10 channels a second, so the test can stop it there)."""

from __future__ import annotations

import base64
import math
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters.channel_names import NamingSettings
from adapters.config import Config, DatabaseConfig
from adapters.runtime import Runtime
from bridge.ids import ChannelRef, Platform
from emulators.server import ThreadedEmulator
from storage.db import normalise_url
from storage.repos import SqlStore
from tests.e2e.harness import Emu, bridge_config, start_bridge
from tests.postgres import POSTGRES_URL, fresh_schema

pytestmark = pytest.mark.asyncio(loop_scope="module")

CHANNELS = 300
PAGE = 5  # 60 pages or more: three bursts of 20 pages, each ended by a 429
FAST = NamingSettings(minute=0.2, page_size=PAGE)
SLOW = NamingSettings(list_per_minute=2, minute=1.0, page_size=PAGE)  # 10 channels a second


class Fans:
    """A second workspace with ``CHANNELS`` channels, all linked to one group by the config."""

    def __init__(self, emu: Emu, world: dict[str, Any], team: dict[str, Any]) -> None:
        self.emu, self.world, self.team = emu, world, team
        self.names = {str(c["id"]): str(c["name"]) for c in team["channels"]}

    def config(self, db: Path) -> Config:
        guild = self.world["discord"]["guilds"][0]
        links = [("discord", str(guild["id"]), str(guild["channels"][0]["id"]))]
        links += [("slack", str(self.team["id"]), channel) for channel in self.names]
        return bridge_config(self.world, self.emu.url, db / "bridge.db", links=links)

    async def lists(self, since: int) -> list[dict[str, Any]]:
        """The bot's ``conversations.list`` calls from the ``since``-th request on."""
        rows = await self.emu.get("/_emu/requests", platform="slack")
        return [r for r in rows[since:] if r["path"].endswith("/conversations.list")]

    async def requests(self) -> int:
        return len(await self.emu.get("/_emu/requests", platform="slack"))

    async def pages(self) -> int:
        """How many pages the whole listing takes (every workspace's channels are listed)."""
        world = await self.emu.world()
        return math.ceil(sum(len(w["channels"]) for w in world["slack"]["workspaces"]) / PAGE)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fans(emulator: ThreadedEmulator) -> AsyncIterator[Fans]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        channels = [f"fans-{i:03d}" for i in range(CHANNELS)]
        team = await emu.post("/_emu/slack/workspaces", {"name": "Big Fans", "channels": channels})
        yield Fans(emu, await emu.world(), team)


async def named(runtime: Runtime) -> int:
    assert runtime.store is not None
    return CHANNELS - len(await runtime.store.unnamed_links(Platform.SLACK))


async def names_kept(db: Path) -> dict[str, str | None]:
    store = await SqlStore.open(f"sqlite+aiosqlite:///{db / 'bridge.db'}")
    try:
        group = await store.get_group("fans")
        assert group is not None
        links = await store.links_for_group(group.id)
        return {
            lk.channel.channel: lk.channel_name
            for lk in links
            if lk.channel.platform.value == "slack"
        }
    finally:
        await store.close()


def channel_of(call: dict[str, Any]) -> str:
    return str(call["query"].get("channel") or (call.get("body") or {}).get("channel") or "")


def cursor_of(call: dict[str, Any]) -> str:
    return str(call["query"].get("cursor") or (call.get("body") or {}).get("cursor") or "")


async def test_every_link_is_named_through_several_429s(fans: Fans, tmp_path: Path) -> None:
    since = await fans.requests()
    runtime = await start_bridge(fans.config(tmp_path), caught_up=False, naming=FAST)
    try:
        assert runtime.channel_names is not None
        await fans.emu.until(lambda: _done(runtime), timeout=60, what="the naming pass")
        assert await named(runtime) == CHANNELS
    finally:
        await runtime.stop()
    assert await names_kept(tmp_path) == fans.names  # each by its own name, none dropped
    calls = await fans.lists(since)
    refused = [c for c in calls if c["status"] == 429]
    assert len(refused) >= 2, "the emulator's tier was never reached"
    answered = [cursor_of(c) for c in calls if c["status"] == 200]
    assert all(cursor_of(c) in answered for c in refused)  # every refused page asked again
    assert len(answered) == len(set(answered)) <= await fans.pages()  # and each page once


async def test_a_few_names_missing_are_asked_one_by_one(fans: Fans, tmp_path: Path) -> None:
    """Once the workspace was listed whole, three links without a name cost three
    conversations.info calls instead of listing 60 pages again."""
    runtime = await start_bridge(fans.config(tmp_path), caught_up=False, naming=FAST)
    try:
        await fans.emu.until(lambda: _done(runtime), timeout=60, what="the naming pass")
    finally:
        await runtime.stop()
    forgotten = list(fans.names)[:3]
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path / 'bridge.db'}")
    try:
        for channel in forgotten:
            await store.set_channel_name(ChannelRef(Platform.SLACK, fans.team["id"], channel), None)
    finally:
        await store.close()
    since = await fans.requests()
    again = await start_bridge(fans.config(tmp_path), caught_up=False, naming=FAST)
    try:
        await fans.emu.until(lambda: _done(again), timeout=30, what="the second pass")
    finally:
        await again.stop()
    assert await names_kept(tmp_path) == fans.names
    rows = (await fans.emu.get("/_emu/requests", platform="slack"))[since:]
    asked = [r for r in rows if r["path"].endswith("/conversations.info") and r["status"] == 200]
    assert sorted(channel_of(r) for r in asked) == sorted(forgotten)
    assert await fans.lists(since) == []


async def test_a_restart_resumes_and_a_start_with_every_name_known_asks_nothing(
    fans: Fans, tmp_path: Path
) -> None:
    first = await start_bridge(fans.config(tmp_path), caught_up=False, naming=SLOW)
    try:
        await fans.emu.until(lambda: _at_least(first, 60), timeout=60, what="some names")
    finally:
        await first.stop()  # in the middle of the pass
    before = sum(name is not None for name in (await names_kept(tmp_path)).values())
    assert 0 < before < CHANNELS
    since = await fans.requests()
    second = await start_bridge(fans.config(tmp_path), caught_up=False, naming=FAST)
    try:
        await fans.emu.until(lambda: _done(second), timeout=60, what="the resumed pass")
    finally:
        await second.stop()
    assert await names_kept(tmp_path) == fans.names
    resumed = [c for c in await fans.lists(since) if c["status"] == 200]
    assert resumed and all(cursor_of(c) for c in resumed)  # never from the start again
    done = before // PAGE  # whole pages named before the restart are not asked again
    assert _offset(cursor_of(resumed[0])) >= done * PAGE

    since = await fans.requests()
    third = await start_bridge(fans.config(tmp_path), caught_up=False, naming=FAST)
    try:
        await fans.emu.until(lambda: _done(third), timeout=30, what="the third start's pass")
    finally:
        await third.stop()
    rows = (await fans.emu.get("/_emu/requests", platform="slack"))[since:]
    asked = [r["path"] for r in rows if "/conversations.list" in r["path"]]
    asked += [r["path"] for r in rows if "/conversations.info" in r["path"]]
    assert asked == []


async def _done(runtime: Runtime) -> bool:
    task = runtime.channel_names
    return task is not None and task.done()


async def _at_least(runtime: Runtime, count: int) -> bool:
    return await named(runtime) >= count


def _offset(cursor: str) -> int:
    """Where the emulator's cursor points (``base64("next_ts:<offset>")``)."""
    return int(base64.b64decode(cursor).decode().split(":")[1])


@pytest.mark.skipif(not POSTGRES_URL, reason="two workers need PostgreSQL")
async def test_two_workers_name_a_workspace_once(fans: Fans, tmp_path: Path) -> None:
    """Two bridges started one after the other on one PostgreSQL database, the second while
    the first is naming: one of them lists the workspace at a time (it holds the workspace's
    lease) and the other names only what is still missing, so no page is answered twice."""
    assert POSTGRES_URL is not None
    async with fresh_schema(POSTGRES_URL) as schema:
        database = DatabaseConfig(url=normalise_url(POSTGRES_URL), schema_name=schema)
        config = fans.config(tmp_path).model_copy(update={"database": database})
        since = await fans.requests()
        store = await SqlStore.open(database.url, schema=schema)  # migrated once, before both
        await store.close()
        both = [await start_bridge(config, caught_up=False, naming=FAST) for _ in "ab"]
        try:
            for runtime in both:
                await fans.emu.until(lambda r=runtime: _done(r), timeout=60, what="each pass")
            assert await named(both[0]) == CHANNELS
        finally:
            for runtime in both:
                await runtime.stop()
    answered = [cursor_of(c) for c in await fans.lists(since) if c["status"] == 200]
    assert answered and len(answered) == len(set(answered))
