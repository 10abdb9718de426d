"""Slack catch-up over many channels (40 here, 10,000 in production): a live message is never
kept waiting for its channel's turn, and a restart in the middle of the catch-up resumes it.

The bridge reads Slack histories within Tier 3 and, right after a start, at a fifth of it (the
previous process may have spent the minute): 10 channels in the first minute, so the 40th
channel's turn comes a minute after the start. The emulator runs at real time (time scale 1)
so its Tier 3 window is Slack's.
"""

from __future__ import annotations

import copy
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters.config import Config
from bridge.ids import ChannelRef, Platform
from emulators.core import RequestRecord
from emulators.discord.world import DEFAULT_WORLD as DISCORD_WORLD
from emulators.server import ThreadedEmulator
from emulators.slack.state import DEFAULT_WORLD as SLACK_WORLD
from tests.e2e.catchup_room import numbered
from tests.e2e.harness import Chats, Emu, bridge_config, start_bridge
from tests.emulation import running_emulator

pytestmark = pytest.mark.asyncio(loop_scope="module")
CHANNELS = 40


def many_channels() -> dict[str, Any]:
    slack = copy.deepcopy(SLACK_WORLD)
    slack["workspaces"][0]["channels"] = [f"fans-{i:03d}" for i in range(CHANNELS)]
    return {"discord": copy.deepcopy(DISCORD_WORLD), "slack": slack}


@pytest.fixture(scope="module")
def emulator() -> Iterator[ThreadedEmulator]:
    with running_emulator(world=many_channels(), time_scale=1.0) as emu:
        yield emu


@pytest_asyncio.fixture(loop_scope="module")
async def chats(emulator: ThreadedEmulator, tmp_path: Path) -> AsyncIterator[Chats]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        chats = Chats(emu, await emu.world())
        guild = chats.world["discord"]["guilds"][0]
        team = chats.world["slack"]["workspaces"][0]
        # every Slack channel sends to Discord #general (and nothing comes back)
        links = [("discord", str(guild["id"]), chats.d_channel)]
        links += [("slack", str(team["id"]), str(c["id"]), "in") for c in team["channels"]]
        chats.config = bridge_config(chats.world, emu.url, tmp_path / "bridge.db", links=links)  # type: ignore[attr-defined]
        yield chats


def history_calls(emulator: ThreadedEmulator, since: int = 0) -> list[RequestRecord]:
    return [
        r
        for r in emulator.emu.requests[since:]
        if r.path.endswith("/conversations.history") and r.status == 200
    ]


def param(record: RequestRecord, name: str) -> str:
    body = record.body if isinstance(record.body, dict) else {}
    return str(body.get(name) or record.query.get(name) or "")


async def test_a_live_message_does_not_wait_for_its_channels_turn_and_a_restart_resumes(
    chats: Chats, emulator: ThreadedEmulator
) -> None:
    config: Config = chats.config  # type: ignore[attr-defined]
    team = chats.world["slack"]["workspaces"][0]
    channels = [str(c["id"]) for c in team["channels"]]
    last = channels[-1]

    # the first start links the channels; stopped while its catch-up has read a few of them
    mark = len(emulator.emu.requests)
    runtime = await start_bridge(config, caught_up=False)
    await chats.emu.until(
        lambda: _async(len(history_calls(emulator, mark)) >= 4), timeout=30, what="a few read"
    )
    await runtime.stop()
    first = history_calls(emulator, mark)
    read_before = {param(r, "channel"): r.at for r in first}
    assert last not in read_before and 4 <= len(read_before) <= 10, sorted(read_before)
    early = next(iter(read_before))  # caught up by the first start

    for n in (1, 2, 3):  # while the bridge is stopped
        await chats.slack_post("frank", f"missed {n:03d}", channel=last)
        await chats.slack_post("frank", f"early {n:03d}", channel=early)

    mark = len(emulator.emu.requests)
    runtime = await start_bridge(config, caught_up=False)
    try:
        sent = time.monotonic()
        live_ts = await chats.slack_post("frank", "live 001", channel=last)
        await chats.wait_for(chats.discord_texts, "live 001", timeout=10)
        latency = time.monotonic() - sent
        assert latency < 5.0, latency
        assert last not in {param(r, "channel") for r in history_calls(emulator, mark)}
        assert runtime.catchup is not None
        waiting = runtime.catchup.describe(ChannelRef(Platform.SLACK, str(team["id"]), last))
        assert waiting == "catching up: waiting for its turn (live messages cross meanwhile)"

        # a channel whose read waits for the pace (the first minute's ten requests are spent)
        # still relays live: it is held only once its request goes out
        await chats.emu.until(
            lambda: _async(len(history_calls(emulator, mark)) >= 10), timeout=30, what="ten"
        )
        asked = {param(r, "channel") for r in history_calls(emulator, mark)}
        pacing = next(
            c
            for c in channels
            if c not in asked
            and runtime.catchup.describe(ChannelRef(Platform.SLACK, str(team["id"]), c))
            == "catching up: 0 messages read"
        )
        sent = time.monotonic()
        await chats.slack_post("frank", "paced 001", channel=pacing)
        await chats.wait_for(chats.discord_texts, "paced 001", timeout=10)
        assert time.monotonic() - sent < 5.0
        assert pacing not in {param(r, "channel") for r in history_calls(emulator, mark)}

        await chats.emu.until(
            lambda: _async(not runtime.catchup or not runtime.catchup.running()),
            timeout=200,
            what="the catch-up ended",
        )
        await chats.wait_for(chats.discord_texts, "early 003", timeout=30)
        await chats.wait_for(chats.discord_texts, "missed 003", timeout=30)
        shown = await chats.discord_texts()
        assert numbered(shown, "missed") == [1, 2, 3]  # each once, after the live one
        assert numbered(shown, "live") == [1]
        assert numbered(shown, "paced") == [1]  # once: its read stopped before it
        assert numbered(shown, "early") == [1, 2, 3]

        second = history_calls(emulator, mark)
        order = [param(r, "channel") for r in second]
        # the channels the first start had not caught up come first
        resumed = [i for i, c in enumerate(order) if c in read_before]
        fresh = [i for i, c in enumerate(order) if c not in read_before]
        assert max(fresh) < min(resumed), order
        for record in second:  # and those it had are read only from their catch-up on
            channel = param(record, "channel")
            if channel in read_before:
                assert float(param(record, "oldest")) >= read_before[channel] - 5.0
        # the last channel was read only up to the live message (newer ones came live)
        assert [param(r, "latest") for r in second if param(r, "channel") == last] == [live_ts]
        assert len(order) == len(set(order)) == CHANNELS
    finally:
        await runtime.stop()


async def _async(value: bool) -> bool:
    return value
