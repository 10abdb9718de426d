"""A ban reaches every account of a person with linked accounts, and Discord's own moderation
permissions (Manage Messages) are enough to moderate the group."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from adapters.runtime import Runtime
from bridge.ids import Platform, UserRef
from emulators.server import ThreadedEmulator
from tests.e2e.harness import Emu, running_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")


class Room:
    def __init__(self, emu: Emu, world: dict[str, Any], runtime: Runtime) -> None:
        self.emu, self.runtime = emu, runtime
        guild = world["discord"]["guilds"][0]
        team = world["slack"]["workspaces"][0]
        self.guild, self.team = guild["id"], team["id"]
        self.d_music = guild["channels"][1]["id"]
        self.s_music = team["channels"][1]["id"]
        self.du = {u["username"]: u["id"] for u in guild["users"]}
        self.su = {u["name"]: u["id"] for u in team["users"]}

    async def discord_has(self, needle: str) -> bool:
        rows = await self.emu.discord_messages(self.d_music)
        return any(needle in m["content"] for m in rows)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def room(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Room]:
    db_dir = Path(tmp_path_factory.mktemp("linked"))
    async with running_bridge(emulator.url, db_dir, channel=1) as (emu, world, runtime):
        yield Room(emu, world, runtime)


async def test_a_ban_by_a_manage_messages_moderator_hits_every_linked_account(room: Room) -> None:
    store = room.runtime.store
    assert store is not None
    dave = await store.upsert_account(
        user=UserRef(Platform.DISCORD, room.guild, room.du["dave"]), display_name="Dave"
    )
    heidi = await store.upsert_account(
        user=UserRef(Platform.SLACK, room.team, room.su["heidi"]), display_name="heidi"
    )
    await store.merge_members(keep=dave.member_id, absorb=heidi.member_id)
    # carol has Manage Messages on Discord: that is enough to moderate the group there
    answer = await room.emu.post(
        "/_emu/discord/commands",
        {
            "channel_id": room.d_music,
            "user_id": room.du["carol"],
            "name": "fangroup ban",
            "options": {"user": room.du["dave"], "reason": "spam"},
        },
    )
    assert "may not" not in answer["data"]["content"]

    async def kicked() -> bool:
        members = await room.emu.get(
            "/slack/api/conversations.members",
            channel=room.s_music,
            token=(await room.emu.world())["slack"]["bot_token"],
        )
        return room.su["heidi"] not in members.get("members", [])

    assert await room.emu.until(kicked, what="heidi kicked from the Slack channel")
    # heidi (the same person as dave) is not relayed any more; frank still is
    await room.emu.post("/_emu/slack/members", {"channel": room.s_music, "user": room.su["heidi"]})
    await room.emu.post(
        "/_emu/slack/messages",
        {"channel": room.s_music, "user": room.su["heidi"], "text": "banned person talking"},
    )
    await room.emu.post(
        "/_emu/slack/messages",
        {"channel": room.s_music, "user": room.su["frank"], "text": "sentinel after the ban"},
    )
    assert await room.emu.until(lambda: room.discord_has("sentinel after the ban"), what="s")
    assert not await room.discord_has("banned person talking")


async def test_a_fan_without_moderation_rights_is_refused(room: Room) -> None:
    answer = await room.emu.post(
        "/_emu/discord/commands",
        {
            "channel_id": room.d_music,
            "user_id": room.du["bob"],
            "name": "fangroup ban",
            "options": {"user": room.du["alice"]},
        },
    )
    assert answer["data"]["content"].startswith("Sorry, only") and answer["ephemeral"]
