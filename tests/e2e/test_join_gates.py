"""Join gates: `/fangroup visibility public|invite|approval`, invite codes (`/fangroup invite`,
`/fangroup join <code>`), join requests a moderator approves or denies with a card's buttons,
and the relay holding back the messages of fans not admitted. Real discord.py and slack-bolt
against the emulators; the group links Discord #music and Slack #music."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from slack_sdk.web.async_client import AsyncWebClient

from adapters.runtime import Runtime
from bridge.groups.identity import hash_code
from bridge.ids import Platform, UserRef
from bridge.ports import ModAction
from emulators.server import ThreadedEmulator
from storage.repos import SqlStore
from tests.e2e.harness import Emu, running_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")
CODE = re.compile(r"`([A-Z0-9]{8})`")
VIEW_AND_SEND = (1 << 10) | (1 << 11)


class World:
    def __init__(self, emu: Emu, world: dict[str, Any], runtime: Runtime, url: str) -> None:
        self.emu = emu
        self.runtime = runtime
        guild = world["discord"]["guilds"][0]
        team = world["slack"]["workspaces"][0]
        self.guild, self.team = str(guild["id"]), str(team["id"])
        self.d_general, self.d_music = (
            str(guild["channels"][0]["id"]),
            str(guild["channels"][1]["id"]),
        )
        self.s_general, self.s_music = (
            str(team["channels"][0]["id"]),
            str(team["channels"][1]["id"]),
        )
        self.du = {u["username"]: str(u["id"]) for u in guild["users"]}
        self.su = {u["name"]: str(u["id"]) for u in team["users"]}
        self.slack_api = AsyncWebClient(
            token=world["slack"]["bot_token"], base_url=f"{url}/slack/api/"
        )

    @property
    def store(self) -> SqlStore:
        assert self.runtime.store is not None
        return self.runtime.store

    async def group_id(self) -> int:
        group = await self.store.get_group("fans")
        assert group is not None
        return group.id

    async def discord(
        self, who: str, path: str, channel: str = "", **options: Any
    ) -> tuple[str, bool]:
        body = {
            "channel_id": channel or self.d_music,
            "user_id": self.du[who],
            "name": f"fangroup {path}",
            "options": options,
        }
        answer = await self.emu.post("/_emu/discord/commands", body)
        return str(answer["data"]["content"]), bool(answer["ephemeral"])

    async def slack(self, user: str, text: str, channel: str = "") -> tuple[str, bool]:
        body = {"command": "/fangroup", "text": text, "user": self.su[user]}
        answer = await self.emu.post(
            "/_emu/slack/commands", body | {"channel": channel or self.s_music}
        )
        [response] = answer["responses"]
        return str(response["text"]), response.get("response_type") != "in_channel"

    async def click(self, who: str, message_id: str, custom_id: str) -> dict[str, Any]:
        body = {"user_id": self.du[who], "message_id": message_id, "custom_id": custom_id}
        return await self.emu.post("/_emu/discord/components", body)  # type: ignore[no-any-return]

    async def d_post(self, who: str, content: str) -> None:
        body = {"channel_id": self.d_music, "user_id": self.du[who], "content": content}
        await self.emu.post("/_emu/discord/messages", body)

    async def s_post(self, who: str, text: str) -> None:
        await self.emu.post(
            "/_emu/slack/messages", {"channel": self.s_music, "user": self.su[who], "text": text}
        )

    async def d_find(self, needle: str, channel: str = "") -> dict[str, Any] | None:
        rows = await self.emu.discord_messages(channel or self.d_music)
        return next((m for m in rows if needle in (m.get("content") or "")), None)

    async def s_find(self, needle: str) -> dict[str, Any] | None:
        rows = await self.emu.slack_messages(self.s_music)
        return next((m for m in rows if needle in (m.get("text") or "")), None)

    async def d_shown(self, needle: str, channel: str = "") -> dict[str, Any]:
        return await self.emu.until(
            lambda: self.d_find(needle, channel), what=f"discord {needle!r}"
        )

    async def s_shown(self, needle: str) -> dict[str, Any]:
        return await self.emu.until(lambda: self.s_find(needle), what=f"slack {needle!r}")

    async def guild_summary(self) -> dict[str, Any]:
        return await self.emu.get(f"/_emu/discord/guilds/{self.guild}")  # type: ignore[no-any-return]

    async def in_slack_music(self, who: str) -> bool:
        members = (await self.slack_api.conversations_members(channel=self.s_music))["members"]
        return self.su[who] in members

    async def fan_role(self, who: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The guild and its "Fans fans" role once ``who`` holds it (the grant is queued)."""
        summary = await self.guild_summary()
        roles = [r for r in summary["roles"] if r["name"] == "Fans fans"]
        [user] = [u for u in summary["users"] if u["id"] == self.du[who]]
        held = [r for r in roles if r["id"] in user["roles"]]
        return (summary, held[0]) if held else None

    async def admits_done(self) -> list[ModAction] | None:
        admits = await self.modlog("admit")
        settled = all(e.status != "pending" for a in admits for e in a.effects)
        return admits if admits and settled else None

    async def modlog(self, kind: str) -> list[ModAction]:
        return [
            a for a in await self.store.modlog(await self.group_id(), limit=50) if a.kind == kind
        ]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def w(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    db_dir = Path(tmp_path_factory.mktemp("gates"))
    async with running_bridge(emulator.url, db_dir, channel=1) as (emu, world, runtime):
        yield World(emu, world, runtime, emulator.url)


async def test_only_owners_and_managers_change_the_visibility(w: World) -> None:
    text, ephemeral = await w.discord("bob", "visibility", value="invite")
    assert text.startswith("Sorry, you may not change who may join") and ephemeral
    text, _ = await w.slack("frank", "visibility invite")
    assert text.startswith("Sorry, you may not change who may join")
    group = await w.store.get_group("fans")
    assert group is not None and group.visibility.value == "public"
    text, ephemeral = await w.discord("alice", "visibility", value="invite")
    assert text.startswith("**Fans** is now invite.") and not ephemeral
    # the group's moderators: alice (Discord) and erin (Slack)
    await w.discord("alice", "mod add", user=w.du["alice"])
    await w.slack("erin", f"mod add <@{w.su['erin']}>")


async def test_an_invite_code_from_slack_lets_a_discord_fan_in(w: World) -> None:
    refused, _ = await w.slack("frank", "invite")
    assert refused.startswith("Sorry, only the group's owners and moderators")
    text, ephemeral = await w.slack("erin", "invite")
    found = CODE.search(text)
    assert found and ephemeral and "valid once, for 7 days" in text, text
    code = found.group(1)
    # bob is not admitted yet: his message stays in Discord, the moderator's is relayed
    await w.d_post("bob", "bob before joining")
    await w.d_post("alice", "alice marker one")
    await w.s_shown("alice marker one")
    assert await w.s_find("bob before joining") is None

    text, ephemeral = await w.discord("bob", "join", code=code)
    assert text.startswith("Welcome to **Fans**!") and ephemeral, text
    summary, role = await w.emu.until(lambda: w.fan_role("bob"), what="bob given the fans role")
    [music] = [c for c in summary["channels"] if c["id"] == w.d_music]
    [overwrite] = [o for o in music["permission_overwrites"] if o["id"] == role["id"]]
    assert int(overwrite["allow"]) & VIEW_AND_SEND == VIEW_AND_SEND
    await w.d_post("bob", "bob after joining")
    await w.s_shown("bob after joining")
    [admit] = await w.emu.until(lambda: w.admits_done(), what="the admit effect done")
    assert admit.target == str(UserRef(Platform.DISCORD, w.guild, w.du["bob"]))
    assert {(e.channel.channel, e.status) for e in admit.effects} == {(w.d_music, "done")}


async def test_used_expired_and_unknown_codes_are_refused(w: World) -> None:
    text, _ = await w.slack("erin", "invite 1 2h")
    code = CODE.search(text)
    assert code and "for 2 hours" in text, text
    text, _ = await w.discord("dave", "join", code=code.group(1))
    assert text.startswith("Welcome")
    text, _ = await w.slack("grace", f"join {code.group(1)}")
    assert text.startswith("This invite code has been used up")
    text, _ = await w.slack("erin", "invite")
    fresh = CODE.search(text)
    assert fresh, text
    text, _ = await w.discord("dave", "join", code=fresh.group(1))
    assert text.startswith("You are already a member of **Fans**")  # the code is not used up
    text, _ = await w.slack("grace", f"join {fresh.group(1).lower()}")
    assert text.startswith("Welcome to *Fans*!")
    await w.store.add_invite(
        group_id=await w.group_id(),
        code_hash=hash_code("EXPRD234"),
        uses=5,
        expires_at=time.time() - 1,
        created_by=None,
        at=time.time() - 100,
    )
    text, _ = await w.slack("frank", "join exprd-234")
    assert text.startswith("This invite code has expired")
    text, _ = await w.slack("frank", "join NOSUCH99")
    assert text.startswith("No such invite code")
    text, _ = await w.slack("frank", "join")
    assert text.startswith("*Fans* is invite-only")
    text, _ = await w.slack("erin", "invite 0")
    assert text.startswith("Usage: `/fangroup invite")


async def _ask_from_general(w: World, who: str) -> dict[str, Any]:
    """``who`` asks from Slack #general; the card shows in the Discord moderator channel."""
    text, ephemeral = await w.slack(who, "join fans", channel=w.s_general)
    assert text.startswith("You asked to join *Fans*") and ephemeral, text
    return await w.d_shown("asks to join *Fans*", w.d_general)


async def test_a_slack_fan_asks_and_a_discord_moderator_approves(w: World) -> None:
    text, _ = await w.slack("erin", "visibility approval")
    assert text.startswith("*Fans* is now approval.")
    modchannel = {"discord": {"workspace": w.guild, "channel": w.d_general}}
    await w.store.update_settings(await w.group_id(), {"modchannel": modchannel})
    await w.emu.post(
        "/_emu/slack/members", {"channel": w.s_music, "user": w.su["frank"], "remove": True}
    )
    assert not await w.in_slack_music("frank")

    card = await _ask_from_general(w, "frank")
    assert card["content"].startswith("frank (Slack) asks to join")
    [approve, _] = [c["custom_id"] for row in card["components"] for c in row["components"]]
    assert approve.startswith("fbjoin:approve:")
    again, _ = await w.slack("frank", "join fans", channel=w.s_general)
    assert again.startswith("You already asked")

    refused = await w.click("bob", card["id"], approve)
    assert refused["data"]["content"].startswith("Sorry, only") and refused["ephemeral"]
    decided = await w.click("alice", card["id"], approve)
    assert decided["data"]["content"].startswith("✅ frank was admitted to **Fans** by Alice")
    assert decided["data"]["components"] == []
    await w.emu.until(lambda: w.in_slack_music("frank"), what="frank invited to #music")
    await w.s_post("frank", "frank is in")
    await w.d_shown("frank is in")


async def test_a_denied_fan_is_told_on_the_card_and_stays_out(w: World) -> None:
    card = await _ask_from_general(w, "heidi")
    deny = [c["custom_id"] for row in card["components"] for c in row["components"]][1]
    decided = await w.click("alice", card["id"], deny)
    assert "request to join **Fans** was denied" in decided["data"]["content"]
    await w.s_post("heidi", "heidi was denied")
    await w.s_post("erin", "erin marker two")
    await w.d_shown("erin marker two")
    assert await w.d_find("heidi was denied") is None
    [deny_action] = await w.modlog("deny")
    assert deny_action.target == str(UserRef(Platform.SLACK, w.team, w.su["heidi"]))
    text, _ = await w.discord("alice", "visibility", value="public")
    assert text.startswith("**Fans** is now public.")
    await w.s_post("heidi", "heidi in a public group")
    await w.d_shown("heidi in a public group")
