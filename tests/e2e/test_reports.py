"""Reports to moderators: `/fangroup modchannel` on both platforms, a report from Discord (the
message context menu and its modal) and from Slack (the message shortcut and its modal), cards
in both moderator channels with the reporter anonymous, and acting on a card from the other
platform: the action is done and every card is updated. Real discord.py and slack-bolt."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters.runtime import Runtime
from bridge.ids import Platform, UserRef
from emulators.server import ThreadedEmulator
from storage.repos import SqlStore
from tests.e2e.harness import Emu, bridge_config, start_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")
MENU = "Report to moderators"


class World:
    def __init__(self, emu: Emu, world: dict[str, Any], runtime: Runtime) -> None:
        self.emu = emu
        self.runtime = runtime
        guild = world["discord"]["guilds"][0]
        team = world["slack"]["workspaces"][0]
        self.guild, self.team = str(guild["id"]), str(team["id"])
        self.d_music, self.d_mods = str(guild["channels"][1]["id"]), str(guild["channels"][2]["id"])
        self.s_music, self.s_mods = str(team["channels"][1]["id"]), str(team["channels"][2]["id"])
        self.du = {u["username"]: str(u["id"]) for u in guild["users"]}
        self.su = {u["name"]: str(u["id"]) for u in team["users"]}

    @property
    def store(self) -> SqlStore:
        assert self.runtime.store is not None
        return self.runtime.store

    async def d_command(self, who: str, channel: str, path: str, **options: str) -> str:
        body = {"channel_id": channel, "user_id": self.du[who], "name": f"fangroup {path}"}
        answer = await self.emu.post("/_emu/discord/commands", body | {"options": options})
        return str(answer["data"]["content"])

    async def s_command(self, who: str, channel: str, text: str) -> str:
        body = {"command": "/fangroup", "text": text, "user": self.su[who], "channel": channel}
        [response] = (await self.emu.post("/_emu/slack/commands", body))["responses"]
        return str(response["text"])

    async def d_find(self, channel: str, needle: str) -> dict[str, Any] | None:
        rows = await self.emu.discord_messages(channel)
        return next((m for m in rows if needle in json.dumps(m, ensure_ascii=False)), None)

    async def s_find(self, channel: str, needle: str) -> dict[str, Any] | None:
        rows = await self.emu.slack_messages(channel)
        return next((m for m in rows if needle in json.dumps(m, ensure_ascii=False)), None)

    async def d_shown(self, channel: str, needle: str) -> dict[str, Any]:
        return await self.emu.until(lambda: self.d_find(channel, needle), what=needle)

    async def s_shown(self, channel: str, needle: str) -> dict[str, Any]:
        return await self.emu.until(lambda: self.s_find(channel, needle), what=needle)

    async def gone(self, find: Any, channel: str, needle: str) -> None:
        async def absent() -> bool:
            return await find(channel, needle) is None

        await self.emu.until(absent, what=f"{needle!r} deleted")

    async def d_click(self, who: str, card: dict[str, Any], custom_id: str) -> dict[str, Any]:
        body = {"message_id": card["id"], "user_id": self.du[who], "custom_id": custom_id}
        return await self.emu.post("/_emu/discord/components", body)  # type: ignore[no-any-return]

    async def s_click(self, who: str, card: dict[str, Any], action: str, value: str) -> str:
        body = {"user": self.su[who], "channel": self.s_mods, "message_ts": card["ts"]}
        answer = await self.emu.post(
            "/_emu/slack/actions", body | {"action_id": f"fbrep_{action}", "value": value}
        )
        [response] = answer["responses"]
        assert response.get("response_type", "ephemeral") == "ephemeral"
        return str(response["text"])


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def w(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        world = await emu.world()
        guild = world["discord"]["guilds"][0]
        team = world["slack"]["workspaces"][0]
        links = [
            ("discord", guild["id"], guild["channels"][1]["id"]),
            ("slack", team["id"], team["channels"][1]["id"]),
        ]
        db = Path(tmp_path_factory.mktemp("reports")) / "bridge.db"
        runtime = await start_bridge(bridge_config(world, emulator.url, db, links=links))
        try:
            yield World(emu, world, runtime)
        finally:
            await runtime.stop()


def no_reporter(card: dict[str, Any], *names: str) -> None:
    shown = json.dumps(card, ensure_ascii=False).lower()
    assert all(name.lower() not in shown for name in names), shown


async def test_owners_and_managers_set_the_moderator_channels(w: World) -> None:
    refused = await w.d_command("bob", w.d_mods, "modchannel", value="fans")
    assert refused.startswith("Sorry")
    text = await w.d_command("alice", w.d_mods, "modchannel", value="fans")
    assert text.startswith("This channel is now the Discord moderator channel of **Fans**")
    text = await w.s_command("erin", w.s_mods, "modchannel fans")
    assert text.startswith("This channel is now the Slack moderator channel of *Fans*")
    group = await w.store.get_group("fans")
    assert group is not None
    assert group.settings["modchannel"] == {
        "discord": {"workspace": w.guild, "channel": w.d_mods},
        "slack": {"workspace": w.team, "channel": w.s_mods},
    }


async def test_a_discord_report_is_deleted_everywhere_from_the_slack_card(w: World) -> None:
    posted = await w.emu.post(
        "/_emu/discord/messages",
        {"channel_id": w.d_music, "user_id": w.du["bob"], "content": "buy cheap followers"},
    )
    await w.s_shown(w.s_music, "buy cheap followers")
    body = {"message_id": posted["id"], "user_id": w.du["dave"], "name": MENU}
    modal = await w.emu.post("/_emu/discord/commands/message", body)
    assert modal["type"] == 9 and modal["data"]["title"] == MENU
    submit = {"channel_id": w.d_music, "user_id": w.du["dave"], "fields": {"reason": "spam link"}}
    thanks = await w.emu.post(
        "/_emu/discord/components", submit | {"custom_id": modal["data"]["custom_id"]}
    )
    assert thanks["ephemeral"] and thanks["data"]["content"].startswith("Thanks")
    d_card = await w.d_shown(w.d_mods, "spam link")
    s_card = await w.s_shown(w.s_mods, "spam link")
    assert "buy cheap followers" in json.dumps(d_card) and "Bob" in json.dumps(d_card)
    assert "buy cheap followers" in json.dumps(s_card) and "Bob" in json.dumps(s_card)
    no_reporter(d_card, "dave", w.du["dave"])
    no_reporter(s_card, "dave", w.du["dave"])
    report = str(s_card["blocks"][-1]["elements"][0]["value"])
    refused = await w.s_click("frank", s_card, "delete", report)
    assert refused.startswith("Sorry, only")
    done = await w.s_click("erin", s_card, "delete", report)
    assert done.startswith("✅ Deleted everywhere by")
    await w.gone(w.d_find, w.d_music, "buy cheap followers")
    await w.gone(w.s_find, w.s_music, "buy cheap followers")
    updated = await w.d_shown(w.d_mods, "Deleted everywhere by")
    assert updated["id"] == d_card["id"] and updated["components"] == []
    s_updated = await w.s_shown(w.s_mods, "Deleted everywhere by")
    assert all(b["type"] != "actions" for b in s_updated["blocks"])


async def test_a_slack_report_dismissed_from_discord_updates_the_slack_card(w: World) -> None:
    body = {"channel": w.s_music, "user": w.su["grace"], "text": "you all have bad taste"}
    ts = str((await w.emu.post("/_emu/slack/messages", body))["ts"])
    await w.d_shown(w.d_music, "you all have bad taste")
    shortcut = {"callback_id": "report", "user": w.su["heidi"], "channel": w.s_music}
    opened = await w.emu.post("/_emu/slack/shortcuts", shortcut | {"message_ts": ts})
    [view] = opened["views"]
    assert view["callback_id"] == "fbrep_report"
    values = {"reason": {"reason": {"type": "plain_text_input", "value": "rude to everyone"}}}
    submitted = await w.emu.post(
        "/_emu/slack/views/submit", {"user": w.su["heidi"], "values": values}
    )
    assert submitted["ok"]
    d_card = await w.d_shown(w.d_mods, "rude to everyone")
    s_card = await w.s_shown(w.s_mods, "rude to everyone")
    no_reporter(d_card, "heidi", w.su["heidi"])
    no_reporter(s_card, "heidi", w.su["heidi"])

    async def thanked() -> list[Any]:
        found = await w.emu.get(f"/_emu/slack/channels/{w.s_music}/ephemeral", user=w.su["heidi"])
        return [e for e in found if str(e.get("text", "")).startswith("Thanks")]

    await w.emu.until(thanked, what="the reporter thanked")
    [button] = [
        c for row in d_card["components"] for c in row["components"] if "dismiss" in c["custom_id"]
    ]
    refused = await w.d_click("bob", d_card, button["custom_id"])
    assert refused["ephemeral"] and refused["data"]["content"].startswith("Sorry, only")
    done = await w.d_click("alice", d_card, button["custom_id"])
    assert done["ephemeral"] and done["data"]["content"].startswith("🗑️ Dismissed by Alice")
    s_updated = await w.s_shown(w.s_mods, "Dismissed by Alice")
    assert s_updated["ts"] == s_card["ts"]
    assert all(b["type"] != "actions" for b in s_updated["blocks"])
    assert await w.d_find(w.d_music, "you all have bad taste") is not None
    d_updated = await w.d_shown(w.d_mods, "Dismissed by Alice")
    assert d_updated["id"] == d_card["id"] and d_updated["components"] == []


async def test_timeout_from_a_card_times_the_author_out(w: World) -> None:
    posted = await w.emu.post(
        "/_emu/discord/messages",
        {"channel_id": w.d_music, "user_id": w.du["carol"], "content": "caps lock rant"},
    )
    await w.s_shown(w.s_music, "caps lock rant")
    body = {"message_id": posted["id"], "user_id": w.du["bob"], "name": MENU}
    modal = await w.emu.post("/_emu/discord/commands/message", body)
    submit = {"channel_id": w.d_music, "user_id": w.du["bob"], "fields": {"reason": "shouting"}}
    await w.emu.post("/_emu/discord/components", submit | {"custom_id": modal["data"]["custom_id"]})
    s_card = await w.s_shown(w.s_mods, "shouting")
    report = str(s_card["blocks"][-1]["elements"][0]["value"])
    done = await w.s_click("erin", s_card, "timeout", report)
    assert done.startswith("⏳ Carol timed out for 10 minutes by"), done
    await w.d_shown(w.d_mods, "Carol timed out for 10 minutes")
    group = await w.store.get_group("fans")
    assert group is not None
    log = await w.store.modlog(group.id, limit=50)
    assert any(a.kind == "timeout" and a.reason == f"report #{report}" for a in log)


async def test_reports_are_in_the_modlog_with_the_reporter(w: World) -> None:
    group = await w.store.get_group("fans")
    assert group is not None
    log = await w.store.modlog(group.id, limit=50)
    reports = [a for a in log if a.kind == "report"]
    assert [a.actor for a in reports] == [
        str(UserRef(Platform.DISCORD, w.guild, w.du["bob"])),
        str(UserRef(Platform.SLACK, w.team, w.su["heidi"])),
        str(UserRef(Platform.DISCORD, w.guild, w.du["dave"])),
    ]
    assert [a.reason for a in reports] == ["shouting", "rude to everyone", "spam link"]
    text = await w.s_command("erin", w.s_music, "modlog")
    assert "*report*" in text and "rude to everyone" in text
