"""One Fan Group over three rooms, two Discord guilds and a Slack workspace: a message from each
reaches the two others exactly once and nothing echoes back; a channel linked "out" only receives
and one linked "in" only sends.

Links: Fan Club #general, Second Stage #lounge and Slack #general (inout), Fan Club #music (out),
Slack #music (in)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters.runtime import Runtime
from emulators.server import ThreadedEmulator
from tests.e2e.harness import Chats, Emu, bridge_config, count, start_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")


class Scene(Chats):
    def __init__(self, emu: Emu, world: dict[str, Any], second: dict[str, Any]) -> None:
        super().__init__(emu, world)
        self.second_guild = str(second["id"])
        self.lounge = str(second["channels"][0]["id"])
        first = world["discord"]["guilds"][0]
        self.d_music = str(first["channels"][1]["id"])  # linked "out": only receives
        self.s_music = str(world["slack"]["workspaces"][0]["channels"][1]["id"])  # "in": only sends
        self.runtime: Runtime | None = None

    def links(self) -> list[tuple[str, ...]]:
        return [
            ("discord", self.guild_id, self.d_channel),
            ("discord", self.second_guild, self.lounge),
            ("slack", self.team_id, self.s_channel),
            ("discord", self.guild_id, self.d_music, "out"),
            ("slack", self.team_id, self.s_music, "in"),
        ]

    async def rooms(self) -> dict[str, list[str]]:
        """What people see in every linked channel."""
        return {
            "fan club #general": await self.discord_texts(self.d_channel),
            "second stage #lounge": await self.discord_texts(self.lounge),
            "slack #general": await self.slack_texts(self.s_channel),
            "fan club #music (out)": await self.discord_texts(self.d_music),
            "slack #music (in)": await self.slack_texts(self.s_music),
        }

    async def until_everywhere(self, needle: str, rooms: list[str]) -> dict[str, list[str]]:
        async def shown() -> dict[str, list[str]] | None:
            seen = await self.rooms()
            return seen if all(count(seen[r], needle) for r in rooms) else None

        return await self.emu.until(shown, what=f"{needle!r} in {rooms}")


RECEIVING = ["fan club #general", "second stage #lounge", "slack #general", "fan club #music (out)"]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def scene(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Scene]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        second = await emu.post(
            "/_emu/discord/guilds",
            {
                "name": "Second Stage",
                "channels": ["lounge"],
                "users": [{"username": "ivan", "global_name": "Ivan"}, {"username": "judy"}],
            },
        )
        scene = Scene(emu, await emu.world(), second)
        db = Path(tmp_path_factory.mktemp("topology")) / "bridge.db"
        config = bridge_config(scene.world, emulator.url, db, links=scene.links())
        scene.runtime = await start_bridge(config)  # the bot is a member of both guilds
        try:
            yield scene
        finally:
            await scene.runtime.stop()


async def test_a_message_from_each_room_reaches_the_two_others_once(scene: Scene) -> None:
    await scene.discord_post("alice", "tri hello from fan club")
    await scene.discord_post("ivan", "tri hello from second stage", channel=scene.lounge)
    await scene.slack_post("frank", "tri hello from slack")
    for origin in ("fan club", "second stage", "slack"):
        await scene.until_everywhere(f"tri hello from {origin}", RECEIVING)
    # a sentinel round: anything a copy could have echoed would be shown by now
    await scene.discord_post("bob", "tri sentinel 1")
    await scene.discord_post("judy", "tri sentinel 2", channel=scene.lounge)
    await scene.slack_post("grace", "tri sentinel 3")
    for n in (1, 2, 3):
        await scene.until_everywhere(f"tri sentinel {n}", RECEIVING)
    seen = await scene.rooms()
    for room in RECEIVING:
        for origin in ("fan club", "second stage", "slack"):
            assert count(seen[room], f"tri hello from {origin}") == 1, (room, origin)
        assert len([t for t in seen[room] if t.startswith("tri ")]) == 6, room
    assert count(seen["slack #music (in)"], "tri ") == 0  # "in" never receives


async def test_copies_carry_the_author_in_every_room(scene: Scene) -> None:
    await scene.discord_post("ivan", "signed by ivan", channel=scene.lounge)
    await scene.until_everywhere("signed by ivan", RECEIVING)
    [general] = [
        m for m in await scene.emu.discord_messages(scene.d_channel) if "ivan" in m["content"]
    ]
    [on_slack] = [m for m in await scene.emu.slack_messages(scene.s_channel) if "ivan" in m["text"]]
    assert general["webhook_id"] and general["author"].startswith("Ivan")
    assert on_slack["username"].startswith("Ivan")


async def test_out_channel_only_receives(scene: Scene) -> None:
    await scene.discord_post("carol", "said in the out channel", channel=scene.d_music)
    await scene.discord_post("carol", "out sentinel")  # same gateway stream, after it
    await scene.until_everywhere("out sentinel", RECEIVING)
    seen = await scene.rooms()
    assert count(seen["fan club #music (out)"], "said in the out channel") == 1  # the original
    for room in ("fan club #general", "second stage #lounge", "slack #general"):
        assert count(seen[room], "said in the out channel") == 0, room


async def test_in_channel_only_sends(scene: Scene) -> None:
    await scene.slack_post("heidi", "said in the in channel", channel=scene.s_music)
    seen = await scene.until_everywhere("said in the in channel", RECEIVING)
    for room in RECEIVING:
        assert count(seen[room], "said in the in channel") == 1, room
    # and it got nothing from the group: only what was written there
    assert seen["slack #music (in)"] == ["said in the in channel"]


async def test_no_contract_violations(scene: Scene) -> None:
    assert await scene.emu.violations() == []
