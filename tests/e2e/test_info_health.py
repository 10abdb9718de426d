"""`/fangroup info` tells the truth about each linked channel: one the bot left (Slack), one
where an overwrite denies it Send Messages (Discord), one that is gone, and one whose
deliveries fail are each shown with what is wrong and the fix, never "connected". Real
discord.py and slack-bolt against the emulators; the group links #general on both sides."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest
import pytest_asyncio

from adapters.runtime import Runtime
from bridge.ids import ChannelRef, Platform
from emulators.server import ThreadedEmulator
from tests.e2e.harness import Chats, CommandScene, Emu, running_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")


class Scene(CommandScene):
    def __init__(self, emu: Emu, world: dict[str, Any], runtime: Runtime) -> None:
        super().__init__(emu, world, runtime)
        self.chats = Chats(emu, world)
        self.slack_bot = str(world["slack"]["bot_user_id"])


def line_of(info: str, channel_id: str) -> str:
    """The line of ``info`` about one linked channel."""
    found = [line for line in info.splitlines() if f"/{channel_id}" in line]
    assert len(found) == 1, info
    return found[0]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def scene(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Scene]:
    db_dir = Path(tmp_path_factory.mktemp("health"))
    async with running_bridge(emulator.url, db_dir) as (emu, world, runtime):
        yield Scene(emu, world, runtime)


async def test_healthy_links_are_connected(scene: Scene) -> None:
    info = await scene.slack_command("frank", "general", "info")
    assert line_of(info, scene.d["general"]).endswith("— connected")
    assert line_of(info, scene.s["general"]).endswith("— connected (this channel)")


async def test_a_slack_channel_the_bot_left_says_so_with_the_fix(scene: Scene) -> None:
    linked = await scene.slack_command("erin", "music", "link fans")
    assert "Linked this channel" in linked
    member = {"channel": scene.s["music"], "user": scene.slack_bot}
    await scene.emu.post("/_emu/slack/members", member | {"remove": True})
    line = line_of(await scene.slack_command("frank", "general", "info"), scene.s["music"])
    assert "connected" not in line
    assert "the bot is not in this channel" in line
    assert "/invite @" in line


async def test_a_discord_overwrite_denying_send_messages_says_so(scene: Scene) -> None:
    linked = await scene.discord_command("alice", "announcements", "link", group="fans")
    assert "Linked this channel" in linked
    client = scene.runtime.discord.client
    channel = await client.fetch_channel(int(scene.d["announcements"]))
    assert isinstance(channel, discord.TextChannel)
    me = await channel.guild.fetch_member(client.user.id)
    await channel.set_permissions(me, send_messages=False)  # as a server admin would
    line = line_of(await scene.discord_command("bob", "general", "info"), scene.d["announcements"])
    assert "connected" not in line
    assert "missing Send Messages" in line
    assert "Permissions" in line  # where to fix it


async def test_a_deleted_channel_says_so(scene: Scene) -> None:
    store = scene.runtime.store
    assert store is not None
    group = await store.get_group("fans")
    assert group is not None
    gone = ChannelRef(Platform.DISCORD, scene.guild, "1234567890123456789")
    await store.link_channel(group_id=group.id, channel=gone, linked_by="test")
    line = line_of(await scene.discord_command("bob", "general", "info"), gone.channel)
    assert "connected" not in line
    assert "channel not found" in line
    assert "/fangroup link" in line


async def test_failed_deliveries_say_so(scene: Scene) -> None:
    fault = {"platform": "slack", "path_glob": "*chat.postMessage*", "status": 403, "count": 20}
    await scene.emu.post("/_emu/faults", fault)
    try:
        await scene.chats.discord_post("bob", "this one cannot cross")

        slack = ChannelRef(Platform.SLACK, scene.team, scene.s["general"])

        async def failing() -> str | None:
            health = await scene.runtime.link_health(slack)
            return health if "failed" in health else None

        await scene.emu.until(failing, timeout=15.0, what="a failed delivery")
        line = line_of(await scene.discord_command("bob", "general", "info"), slack.channel)
    finally:
        async with scene.emu.session.delete(scene.emu.url + "/_emu/faults") as response:
            assert response.status == 200
    assert "connected" not in line
    assert "last error: 403" in line
