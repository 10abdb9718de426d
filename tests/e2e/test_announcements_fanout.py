"""An announcement to 200 channels across both platforms (100 Discord channels, 100 Slack
channels) goes out through the outbox within the platforms' real rate limits: the emulator runs
at time scale 1 (Discord's global 50 requests/s, Slack's chat.postMessage workspace cap) and not
one 429 is answered; the command's follow-up reports the progress ("sent 199/199")."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters.runtime import Runtime
from bridge.ids import Platform, Role, UserRef
from emulators.discord.world import DEFAULT_WORLD as DISCORD_WORLD
from emulators.server import ThreadedEmulator
from emulators.slack.state import DEFAULT_WORLD as SLACK_WORLD
from tests.e2e.harness import Emu, bridge_config, grant, start_bridge
from tests.emulation import running_emulator

pytestmark = pytest.mark.asyncio(loop_scope="module")
CHANNELS = 100  # per platform


def wide_world() -> dict[str, Any]:
    discord = copy.deepcopy(DISCORD_WORLD)
    discord["guilds"][0]["channels"] = [f"fans-{i:03d}" for i in range(CHANNELS)]
    slack = copy.deepcopy(SLACK_WORLD)
    slack["workspaces"][0]["channels"] = [f"fans-{i:03d}" for i in range(CHANNELS)]
    return {"discord": discord, "slack": slack}


@pytest.fixture(scope="module")
def wide_emulator() -> Iterator[ThreadedEmulator]:
    """Real-time rate limits (time_scale 1): the limits a production bridge meets."""
    with running_emulator(world=wide_world(), time_scale=1.0) as emu:
        yield emu


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bridge(
    wide_emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Emu, dict[str, Any], Runtime]]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(wide_emulator.url, session)
        world = await emu.world()
        guild = world["discord"]["guilds"][0]
        team = world["slack"]["workspaces"][0]
        links = [("discord", guild["id"], c["id"]) for c in guild["channels"]]
        links += [("slack", team["id"], c["id"]) for c in team["channels"]]
        db = Path(tmp_path_factory.mktemp("fanout")) / "bridge.db"
        # 100 Slack channels: reading their histories takes two minutes of Slack's Tier 3
        runtime = await start_bridge(
            bridge_config(world, emu.url, db, links=links), caught_up=False
        )
        try:
            yield emu, world, runtime
        finally:
            await runtime.stop()


async def test_an_announcement_reaches_200_channels_without_a_single_429(
    bridge: tuple[Emu, dict[str, Any], Runtime], wide_emulator: ThreadedEmulator
) -> None:
    emu, world, runtime = bridge
    guild = world["discord"]["guilds"][0]
    dave_id = next(str(u["id"]) for u in guild["users"] if u["username"] == "dave")
    store = runtime.store
    assert store is not None
    await grant(store, UserRef(Platform.DISCORD, str(guild["id"]), dave_id), "Dave", Role.ARTIST)
    before = len(wide_emulator.emu.requests)

    body = {
        "channel_id": str(guild["channels"][0]["id"]),
        "user_id": dave_id,
        "name": "announce post",
        "options": {"message": "World tour: 200 cities"},
        "timeout": 90,
    }
    answer = await emu.post("/_emu/discord/commands", body)
    follow_up = str(answer["data"]["content"])
    assert "queued for 199 linked channel(s)" in follow_up
    assert "sent 199/199" in follow_up, follow_up

    requests = wide_emulator.emu.requests[before:]
    limited = [(r.method, r.path) for r in requests if r.status == 429]
    assert limited == []
    for channel in guild["channels"]:
        messages = await emu.discord_messages(str(channel["id"]))
        assert sum(1 for m in messages if m.get("embeds")) == 1
    team = world["slack"]["workspaces"][0]
    for channel in team["channels"]:
        messages = await emu.slack_messages(str(channel["id"]))
        assert sum(1 for m in messages if "World tour" in str(m.get("blocks"))) == 1
