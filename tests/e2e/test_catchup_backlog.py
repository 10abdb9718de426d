"""A big backlog in one room does not slow another: 2,000 messages posted in Discord #general
while the bridge was stopped cross once and in order, while a live conversation in #music
(another group) keeps its usual latency during that catch-up.

"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters.config import Config, config_from_dict
from adapters.runtime import Runtime
from emulators.server import ThreadedEmulator
from tests.e2e.catchup_room import numbered
from tests.e2e.harness import Chats, Emu, channel_pair, start_bridge
from tests.emulation import running_emulator

pytestmark = pytest.mark.asyncio(loop_scope="module")
BACKLOG = 2000
LIVE = 10
# A live message waits only for its own channel: the gate holds per channel and #music's
# history is read in one page, and the outbox delivers each channel independently. What is left
# is the live path plus sharing two CPU cores with the catch-up of #general; 2 s is ample for
# that and far below the minutes the backlog takes to cross if it were in the way.
P50_BOUND = 2.0


@pytest.fixture(scope="module")
def emulator() -> Iterator[ThreadedEmulator]:
    """Rate limit windows scaled further down: 2,000 copies at Slack's 1 message a second per
    channel would take half an hour of real time."""
    with running_emulator(time_scale=0.005) as emu:
        yield emu


def two_rooms(world: dict[str, Any], emulator_url: str, db: Path) -> Config:
    """#general and #music linked in two independent groups."""
    discord = world["discord"]
    slack = world["slack"]
    groups = []
    for index, slug in ((0, "general"), (1, "music")):
        links = channel_pair(world, index)
        channels = [{"platform": p, "workspace": w, "channel": c} for p, w, c in links]
        groups.append({"slug": slug, "name": slug.title(), "channels": channels})
    return config_from_dict(
        {
            "database": {"url": f"sqlite+aiosqlite:///{db}"},
            "discord": {"token": discord["bot_token"]},
            "slack": {
                "bot_token": slack["bot_token"],
                "app_token": slack["app_token"],
                "signing_secret": slack["signing_secret"],
                "mode": "socket",
            },
            "web": {"host": "127.0.0.1", "port": 0},
            "network": {"emulator": emulator_url},
            "groups": groups,
        }
    )


@pytest_asyncio.fixture(loop_scope="module")
async def chats(emulator: ThreadedEmulator, tmp_path: Path) -> AsyncIterator[Chats]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        await emu.post("/_emu/reset")
        chats = Chats(emu, await emu.world())
        chats.config = two_rooms(chats.world, emulator.url, tmp_path / "bridge.db")  # type: ignore[attr-defined]
        yield chats


async def test_a_2000_message_backlog_keeps_another_rooms_live_latency(chats: Chats) -> None:
    config: Config = chats.config  # type: ignore[attr-defined]
    music_d = str(chats.world["discord"]["guilds"][0]["channels"][1]["id"])
    music_s = str(chats.world["slack"]["workspaces"][0]["channels"][1]["id"])
    runtime: Runtime = await start_bridge(config)  # links both rooms
    await runtime.stop()

    started = time.monotonic()
    for first in range(1, BACKLOG + 1, 50):
        await asyncio.gather(
            *(chats.discord_post("alice", f"backlog {i:04d}") for i in range(first, first + 50))
        )
    posted_in = time.monotonic() - started
    # concurrent posts: the order people see is Discord's, by message id
    shown_d = [
        str(r.get("content") or "") for r in await chats.emu.discord_messages(chats.d_channel)
    ]
    order = numbered4(shown_d, "backlog")
    assert sorted(order) == list(range(1, BACKLOG + 1))

    runtime = await start_bridge(config, caught_up=False)  # live while it catches up
    try:
        latencies = []
        for i in range(1, LIVE + 1):
            sent = time.monotonic()
            await chats.discord_post("bob", f"live {i:03d}", channel=music_d)
            await chats.wait_for(lambda: chats.slack_texts(music_s), f"live {i:03d}", timeout=30)
            latencies.append(time.monotonic() - sent)
        backlog_left = BACKLOG - len(numbered4(await chats.slack_texts(), "backlog"))

        checked = [0.0]

        async def all_crossed() -> bool:
            # thousands of changes: reading the whole channel at each would cost more CPU than
            # the bridge itself, so look at most twice a second
            now = time.monotonic()
            if now - checked[0] < 0.5:
                return False
            checked[0] = now
            return len(numbered4(await chats.slack_texts(), "backlog")) >= BACKLOG

        await chats.emu.until(all_crossed, timeout=1200, what="the backlog crossed")
        caught_up_in = time.monotonic() - started - posted_in
        on_slack = numbered4(await chats.slack_texts(), "backlog")
        assert on_slack == order  # each once, in order
        assert numbered(await chats.slack_texts(music_s), "live") == list(range(1, LIVE + 1))
        print(
            f"posted {BACKLOG} in {posted_in:.1f}s, caught up in {caught_up_in:.1f}s; "
            f"live latencies {[round(x, 2) for x in latencies]}, "
            f"{backlog_left} of the backlog still to cross after the live ones"
        )
        assert backlog_left > 0, "the catch-up finished before the live conversation: no overlap"
        assert statistics.median(latencies) < P50_BOUND, latencies
    finally:
        await runtime.stop()


def numbered4(texts: list[str], tag: str) -> list[int]:
    found = (re.search(rf"{tag} (\d{{4}})", t) for t in texts)
    return [int(m.group(1)) for m in found if m]
