"""A listening party across 50 linked channels (25 on Discord, 25 on Slack) within the platforms'
real rate limits: the emulator runs at time scale 1 (Discord's global 50 requests/s and its
per-route buckets, Slack's chat.postMessage per-channel and workspace caps and chat.update's
Tier 3), the party is started and steered from Slack, every channel shows each card and the
closing summary, and not one request is answered 429 or breaks the platforms' contracts."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from emulators.discord.world import DEFAULT_WORLD as DISCORD_WORLD
from emulators.server import ThreadedEmulator
from emulators.slack.state import DEFAULT_WORLD as SLACK_WORLD
from tests.e2e.harness import Emu, JumpClock, bridge_config, start_bridge
from tests.e2e.party_scene import PartyScene, d_state, party_number, s_state, song_url
from tests.emulation import running_emulator

pytestmark = pytest.mark.asyncio(loop_scope="module")
CHANNELS = 25  # per platform; #general is the first (the scene's songs were shared there)
NAMES = ["general"] + [f"fans-{i:02d}" for i in range(1, CHANNELS)]


def wide_world() -> dict[str, Any]:
    discord = copy.deepcopy(DISCORD_WORLD)
    discord["guilds"][0]["channels"] = NAMES
    slack = copy.deepcopy(SLACK_WORLD)
    slack["workspaces"][0]["channels"] = NAMES
    return {"discord": discord, "slack": slack}


@pytest.fixture(scope="module")
def wide_emulator() -> Iterator[ThreadedEmulator]:
    """Real-time rate limits (time_scale 1): the limits a production bridge meets."""
    with running_emulator(world=wide_world(), time_scale=1.0) as emu:
        yield emu


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def p(
    wide_emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[PartyScene]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(wide_emulator.url, session)
        world = await emu.world()
        guild = world["discord"]["guilds"][0]
        team = world["slack"]["workspaces"][0]
        links = [("discord", guild["id"], c["id"]) for c in guild["channels"]]
        links += [("slack", team["id"], c["id"]) for c in team["channels"]]
        db = Path(tmp_path_factory.mktemp("party-fanout")) / "bridge.db"
        clock = JumpClock()
        # 25 Slack channels' histories would take half a minute of Tier 3: the party needs none
        runtime = await start_bridge(
            bridge_config(world, emu.url, db, links=links), caught_up=False, clock=clock
        )
        scene = PartyScene(emu, world, runtime, clock)
        try:
            await scene.seed_songs()
            yield scene
        finally:
            await scene.runtime.stop()


class Everywhere:
    """What the 50 linked channels show of one party."""

    def __init__(self, p: PartyScene, party_id: int) -> None:
        self.p, self.party_id = p, party_id

    async def d_states(self, channel: str) -> list[str]:
        footer = f"Listening party #{self.party_id} ·"
        rows = await self.p.emu.discord_messages(channel)
        cards = [
            m
            for m in rows
            if any(footer in ((e.get("footer") or {}).get("text") or "") for e in m["embeds"])
        ]
        return [d_state(m) for m in sorted(cards, key=lambda m: int(m["id"]))]

    async def s_states(self, channel: str) -> list[str]:
        marker = f"party #{self.party_id}, song"
        rows = await self.p.emu.slack_messages(channel)
        cards = [m for m in rows if marker in str(m.get("blocks") or "")]
        return [s_state(m) for m in sorted(cards, key=lambda m: float(m["ts"]))]

    async def lagging(self, *states: str) -> list[str]:
        """The channels whose cards do not show ``states`` (oldest card first)."""
        late = [f"d:{n}" for n, c in self.p.d.items() if await self.d_states(c) != list(states)]
        late += [f"s:{n}" for n, c in self.p.s.items() if await self.s_states(c) != list(states)]
        return late

    async def show(self, *states: str, timeout: float = 60.0) -> None:
        async def all_shown() -> bool:
            return not await self.lagging(*states)

        await self.p.emu.until(all_shown, timeout=timeout, what=f"50 channels show {states}")

    async def summaries(self, needle: str) -> tuple[int, int]:
        """How many Discord and Slack channels show exactly one message with ``needle``."""
        d = s = 0
        for channel in self.p.d.values():
            rows = await self.p.emu.discord_messages(channel)
            d += sum(1 for m in rows if needle in str(m.get("content") or "")) == 1
        for channel in self.p.s.values():
            rows = await self.p.emu.slack_messages(channel)
            s += sum(1 for m in rows if needle in str(m.get("text") or "")) == 1
        return d, s


async def test_a_party_across_50_channels_gets_no_429(
    p: PartyScene, wide_emulator: ThreadedEmulator
) -> None:
    assert len(p.d) == len(p.s) == CHANNELS
    before = len(wide_emulator.emu.requests)

    reply = await p.slack_command("frank", f"party start {song_url(0)} {song_url(1)}")
    party_id = party_number(reply)
    everywhere = Everywhere(p, party_id)
    await everywhere.show("started")

    assert "skip" in await p.slack_command("frank", "party skip")
    await everywhere.show("played", "started")  # the first card edited, the second posted
    assert "paused" in await p.slack_command("frank", "party pause")
    await everywhere.show("played", "paused")
    assert "playing" in await p.slack_command("frank", "party resume")
    await everywhere.show("played", "started")
    assert "ended" in await p.slack_command("frank", "party stop")
    await everywhere.show("played", "played")
    over = f"Listening party #{party_id} is over"

    async def summed_up() -> bool:
        return await everywhere.summaries(over) == (CHANNELS, CHANNELS)

    await p.emu.until(summed_up, timeout=60, what="the summary in all 50 channels")

    requests = wide_emulator.emu.requests[before:]
    assert [(r.method, r.path) for r in requests if r.status == 429] == []
    assert [(r.method, r.path, r.violations) for r in requests if r.violations] == []
