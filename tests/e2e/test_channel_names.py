"""Linked channels are known by name ("#general on Discord"): config-seeded links are named
once the platforms are connected (discord.py's cache; Slack ``conversations.list``), links made
with `/fangroup create|link` by the command's channel, and a Discord rename follows. Real
discord.py and slack-bolt against the emulators; the group links #general on both sides."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from bridge.ids import ChannelRef, Platform
from emulators.server import ThreadedEmulator
from tests.e2e.harness import CommandScene, Emu, running_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")


class Scene(CommandScene):
    @property
    def store(self) -> Any:
        assert self.runtime.store is not None
        return self.runtime.store

    def discord_ref(self, name: str) -> ChannelRef:
        return ChannelRef(Platform.DISCORD, self.guild, self.d[name])

    def slack_ref(self, name: str) -> ChannelRef:
        return ChannelRef(Platform.SLACK, self.team, self.s[name])

    async def name_of(self, channel: ChannelRef, expected: str) -> str | None:
        link = await self.store.link_for_channel(channel)
        return expected if link is not None and link.channel_name == expected else None

    async def page(self, path: str) -> str:
        assert self.runtime.web is not None
        async with self.emu.session.get(self.runtime.web.url + path) as response:
            assert response.status == 200, path
            return await response.text()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def scene(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Scene]:
    db_dir = Path(tmp_path_factory.mktemp("names"))
    async with running_bridge(emulator.url, db_dir) as (emu, world, runtime):
        yield Scene(emu, world, runtime)


async def test_config_linked_channels_are_named_once_connected(scene: Scene) -> None:
    for channel in (scene.discord_ref("general"), scene.slack_ref("general")):
        await scene.emu.until(lambda c=channel: scene.name_of(c, "general"), what=f"{channel}")
    info = await scene.slack_command("frank", "general", "info")
    assert f"{scene.d['general']} #general" in info and f"{scene.s['general']} #general" in info


async def test_the_item_page_and_feed_say_where_a_song_was_shared(scene: Scene) -> None:
    await scene.emu.until(lambda: scene.name_of(scene.discord_ref("general"), "general"))
    body = {
        "channel_id": scene.d["general"],
        "user_id": scene.du["bob"],
        "content": "listen https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
    }
    await scene.emu.post("/_emu/discord/messages", body)
    group = await scene.store.get_group("fans")

    async def shared() -> Any:
        shares = await scene.store.recent_shares(group.id)
        return shares[0] if shares else None

    entry = await scene.emu.until(shared, what="the share in the tab")
    page = await scene.page(f"/g/fans/item/{entry.ref}")
    assert "<strong>Bob</strong> in #general on Discord" in " ".join(page.split())
    feed = await scene.page("/g/fans/feed.atom")
    assert "in #general on Discord" in feed


async def test_a_renamed_discord_channel_is_shown_by_its_new_name(scene: Scene) -> None:
    general = scene.discord_ref("general")
    await scene.emu.until(lambda: scene.name_of(general, "general"))
    await scene.emu.post(f"/_emu/discord/channels/{scene.d['general']}/edit", {"name": "lounge"})
    await scene.emu.until(lambda: scene.name_of(general, "lounge"), what="the new name")
    info = await scene.discord_command("alice", "general", "info")
    assert f"{scene.d['general']} #lounge" in info


async def test_channels_linked_by_command_are_named(scene: Scene) -> None:
    created = await scene.discord_command("alice", "music", "create", name="Indie Fans")
    assert "Created Fan Group" in created
    assert await scene.name_of(scene.discord_ref("music"), "music")
    linked = await scene.slack_command("erin", "music", "link indie-fans")
    assert "Linked this channel" in linked
    assert await scene.name_of(scene.slack_ref("music"), "music")
    info = await scene.slack_command("frank", "music", "info")
    assert f"{scene.d['music']} #music" in info and f"{scene.s['music']} #music" in info


async def test_slack_failing_to_list_its_channels_does_not_stop_discords_names(
    emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    """A second bridge starts while Slack answers conversations.list with 503: its Discord
    channel is still named and the Slack one stays unnamed (logged, not a crash); the next
    `/fangroup` command in that Slack channel names it."""
    fault = {"platform": "slack", "method": "*", "path_glob": "*conversations.list", "status": 503}
    async with aiohttp.ClientSession() as session:
        await Emu(emulator.url, session).post("/_emu/faults", fault | {"count": 1})
    async with running_bridge(emulator.url, tmp_path) as (emu, world, runtime):
        other = Scene(emu, world, runtime)

        async def refused() -> bool:
            rows = await emu.get("/_emu/requests", platform="slack")
            return any(
                r["path"].endswith("conversations.list") and r["status"] == 503 for r in rows
            )

        await emu.until(refused, what="Slack refusing conversations.list")
        guild, team = world["discord"]["guilds"][0], world["slack"]["workspaces"][0]
        discord = ChannelRef(Platform.DISCORD, str(guild["id"]), str(guild["channels"][0]["id"]))
        slack = ChannelRef(Platform.SLACK, str(team["id"]), str(team["channels"][0]["id"]))
        named = str(guild["channels"][0]["name"])  # (an earlier test renamed it)
        await emu.until(lambda: other.name_of(discord, named), what="the Discord name")
        link = await other.store.link_for_channel(slack)
        assert link is not None and link.channel_name is None
        await other.slack_command("frank", "general", "info")
        assert (await other.store.link_for_channel(slack)).channel_name == "general"
