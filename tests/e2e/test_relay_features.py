"""Admin set-up through /fangroup on both platforms, permission refusals, attachments, mapped
mentions and impostor names: real discord.py and slack-bolt against the emulators."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters.runtime import Runtime
from bridge.ids import Platform, UserRef
from emulators.server import ThreadedEmulator
from tests.e2e.harness import Emu, bridge_config, start_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


class World:
    def __init__(self, emu: Emu, world: dict[str, Any], runtime: Runtime) -> None:
        self.emu = emu
        self.runtime = runtime
        guild = world["discord"]["guilds"][0]
        team = world["slack"]["workspaces"][0]
        self.guild = guild["id"]
        self.team = team["id"]
        self.d = {c["name"]: c["id"] for c in guild["channels"]}
        self.s = {c["name"]: c["id"] for c in team["channels"]}
        self.du = {u["username"]: u["id"] for u in guild["users"]}
        self.su = {u["name"]: u["id"] for u in team["users"]}
        self.bot_name = world["discord"].get("bot_username", "FanBridge")

    async def discord_command(self, user: str, channel: str, path: str, **options: str) -> Any:
        body = {
            "channel_id": self.d[channel],
            "user_id": self.du[user],
            "name": path,
            "options": options,
        }
        return await self.emu.post("/_emu/discord/commands", body)

    async def slack_command(self, user: str, channel: str, text: str) -> Any:
        body = {
            "command": "/fangroup",
            "text": text,
            "user": self.su[user],
            "channel": self.s[channel],
        }
        return await self.emu.post("/_emu/slack/commands", body)

    async def find(self, platform: str, channel: str, needle: str) -> dict[str, Any] | None:
        if platform == "discord":
            rows = await self.emu.discord_messages(self.d[channel])
            key = "content"
        else:
            rows = await self.emu.slack_messages(self.s[channel])
            key = "text"
        return next((m for m in rows if needle in (m.get(key) or "")), None)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def w(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        world = await emu.world()
        db = Path(tmp_path_factory.mktemp("features")) / "bridge.db"
        runtime = await start_bridge(bridge_config(world, emulator.url, db))
        try:
            yield World(emu, world, runtime)
        finally:
            await runtime.stop()


async def test_admin_creates_on_discord_and_links_from_slack(w: World) -> None:
    created = await w.discord_command("alice", "music", "fangroup create", name="Indie Fans")
    assert "Created Fan Group" in created["data"]["content"]
    linked = await w.slack_command("erin", "music", "link indie-fans")
    assert "Linked this channel to *Indie Fans*" in linked["text"]
    info = await w.slack_command("frank", "music", "info")
    assert "indie-fans" in info["text"]
    assert w.d["music"] in info["text"] and w.s["music"] in info["text"]
    assert info["text"].count("connected") == 2
    await w.emu.post(
        "/_emu/discord/messages",
        {"channel_id": w.d["music"], "user_id": w.du["bob"], "content": "new group works"},
    )
    assert await w.emu.until(lambda: w.find("slack", "music", "new group works"), what="relay")


async def test_people_who_cannot_manage_channels_are_refused(w: World) -> None:
    refused = await w.discord_command("bob", "announcements", "fangroup create", name="Nope")
    assert "may not" in refused["data"]["content"] and refused["ephemeral"]
    refused = await w.slack_command("frank", "announcements", "link indie-fans")
    assert "may not" in refused["text"]
    unlink = await w.slack_command("grace", "music", "unlink")
    assert "may not" in unlink["text"]
    assert await w.runtime.store.get_group("nope") is None  # type: ignore[union-attr]


async def test_owner_can_unlink_and_the_channel_stops_relaying(w: World) -> None:
    created = await w.discord_command("alice", "announcements", "fangroup create", name="News")
    assert "news" in created["data"]["content"]
    done = await w.discord_command("alice", "announcements", "fangroup unlink")
    assert "Unlinked" in done["data"]["content"]
    info = await w.discord_command("alice", "announcements", "fangroup info")
    assert "not linked" in info["data"]["content"]


async def test_attachments_are_reuploaded_both_ways(w: World) -> None:
    body = {
        "channel_id": w.d["general"],
        "user_id": w.du["carol"],
        "content": "look at this pic",
        "attachments": [
            {
                "filename": "pic.png",
                "content_type": "image/png",
                "data_base64": base64.b64encode(PNG).decode(),
            }
        ],
    }
    await w.emu.post("/_emu/discord/messages", body)

    async def uploaded() -> dict[str, Any] | None:
        for message in await w.emu.slack_messages(w.s["general"]):
            if any(f.get("name") == "pic.png" for f in message.get("files") or []):
                return message
        return None

    assert await w.emu.until(uploaded, what="file on slack")
    assert await w.find("slack", "general", "look at this pic")

    body = {
        "channel": w.s["general"],
        "user": w.su["grace"],
        "text": "setlist attached",
        "files": [
            {"name": "setlist.txt", "content": "1. Opener\n2. Encore\n", "mimetype": "text/plain"}
        ],
    }
    await w.emu.post("/_emu/slack/messages", body)
    copy = await w.emu.until(lambda: w.find("discord", "general", "setlist attached"), what="d")
    [attachment] = copy["attachments"]
    assert attachment["filename"] == "setlist.txt"
    async with w.emu.session.get(attachment["url"]) as response:
        assert await response.read() == b"1. Opener\n2. Encore\n"


async def test_mentions_of_linked_people_are_mapped_others_are_plain(w: World) -> None:
    store = w.runtime.store
    assert store is not None
    alice = await store.upsert_account(
        user=UserRef(Platform.DISCORD, w.guild, w.du["alice"]), display_name="Alice"
    )
    erin = await store.upsert_account(
        user=UserRef(Platform.SLACK, w.team, w.su["erin"]), display_name="erin"
    )
    await store.merge_members(keep=alice.member_id, absorb=erin.member_id)
    content = f"hey <@{w.du['alice']}> and <@{w.du['dave']}> check this"
    await w.emu.post(
        "/_emu/discord/messages",
        {"channel_id": w.d["general"], "user_id": w.du["bob"], "content": content},
    )
    copy = await w.emu.until(lambda: w.find("slack", "general", "check this"), what="copy")
    assert f"<@{w.su['erin']}>" in copy["text"]  # the same person on Slack: a real mention
    assert "@Dave" in copy["text"] and w.du["dave"] not in copy["text"]  # unknown: plain text
    assert copy["pinged"] == [w.su["erin"]]


async def test_a_fan_named_like_the_bot_gets_a_visible_suffix(w: World) -> None:
    workspace = await w.emu.post(
        "/_emu/slack/messages",
        {"channel": w.s["general"], "user": w.su["heidi"], "text": "i am totally the bot"},
    )
    assert workspace["ts"]
    copy = await w.emu.until(lambda: w.find("discord", "general", "totally the bot"), what="c")
    assert copy["author"].lower().startswith("heidi")
    # now a Slack user whose display name is the Discord bot's own name
    store = w.runtime.store
    assert store is not None
    w.runtime.names.reserve(["heidi"])
    await w.emu.post(
        "/_emu/slack/messages",
        {"channel": w.s["general"], "user": w.su["heidi"], "text": "still the bot honest"},
    )
    copy = await w.emu.until(lambda: w.find("discord", "general", "still the bot"), what="c2")
    assert copy["author"].lower() == "heidi (fan)"


async def test_no_contract_violations(w: World) -> None:
    assert await w.emu.violations() == []
