"""Cards and grants through an outage: a report card, its update, a join request card and the
grant of an approved fan are queued in the outbox, so a moderator channel whose platform
answers 503 for a while still gets exactly one card once it recovers, and an approved fan is
still let in. Real discord.py and slack-bolt against the emulators (faults: ``/_emu/faults``);
the outbox's backoff is shortened as in test_relay_outage."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from slack_sdk.web.async_client import AsyncWebClient

from adapters.runtime import Runtime
from bridge.ids import Platform, Role, UserRef, Visibility
from bridge.pipeline.outbox import OutboxSettings
from emulators.server import ThreadedEmulator
from storage.repos import SqlStore
from tests.e2e.harness import Emu, running_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")
MENU = "Report to moderators"
OUTAGE = 1.5  # seconds of 503s, then a few more counted ones
FAST = OutboxSettings(base_backoff=0.05, max_backoff=0.5)


class World:
    def __init__(self, emu: Emu, world: dict[str, Any], runtime: Runtime, url: str) -> None:
        self.emu = emu
        self.runtime = runtime
        guild = world["discord"]["guilds"][0]
        team = world["slack"]["workspaces"][0]
        self.guild, self.team = str(guild["id"]), str(team["id"])
        self.d_music, self.d_mods = str(guild["channels"][1]["id"]), str(guild["channels"][2]["id"])
        self.s_general = str(team["channels"][0]["id"])
        self.s_music, self.s_mods = str(team["channels"][1]["id"]), str(team["channels"][2]["id"])
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

    async def outage(self, path_glob: str) -> None:
        """Slack answers 503 to ``path_glob`` for OUTAGE seconds, then 3 more times."""
        fault = {"platform": "slack", "method": "POST", "path_glob": path_glob, "status": 503}
        await self.emu.post("/_emu/faults", fault | {"seconds": OUTAGE})
        await self.emu.post("/_emu/faults", fault | {"count": 3})

    async def failed(self, method: str) -> int:
        rows = await self.emu.get("/_emu/requests", platform="slack")
        return sum(1 for r in rows if r["path"].endswith(method) and r["status"] == 503)

    async def s_cards(self, needle: str) -> list[dict[str, Any]]:
        rows = await self.emu.slack_messages(self.s_mods)
        return [m for m in rows if needle in json.dumps(m, ensure_ascii=False)]

    async def s_card(self, needle: str) -> dict[str, Any]:
        async def found() -> dict[str, Any] | None:
            cards = await self.s_cards(needle)
            return cards[0] if cards else None

        return await self.emu.until(found, timeout=20, what=f"slack card {needle!r}")

    async def d_card(self, needle: str) -> dict[str, Any]:
        async def found() -> dict[str, Any] | None:
            rows = await self.emu.discord_messages(self.d_mods)
            return next((m for m in rows if needle in json.dumps(m, ensure_ascii=False)), None)

        return await self.emu.until(found, timeout=20, what=f"discord card {needle!r}")

    async def report_from_discord(
        self, who: str, content: str, reason: str, outage: str = ""
    ) -> str:
        """Bob posts ``content``; once it is relayed (and Slack's ``outage`` began), ``who``
        reports it; what the reporter is told."""
        body = {"channel_id": self.d_music, "user_id": self.du["bob"], "content": content}
        posted = await self.emu.post("/_emu/discord/messages", body)

        async def relayed() -> bool:
            rows = await self.emu.slack_messages(self.s_music)
            return any(content in (m.get("text") or "") for m in rows)

        await self.emu.until(relayed, what=f"{content!r} relayed")
        if outage:
            await self.outage(outage)
        opened = {"message_id": posted["id"], "user_id": self.du[who], "name": MENU}
        modal = await self.emu.post("/_emu/discord/commands/message", opened)
        submit = {"channel_id": self.d_music, "user_id": self.du[who], "fields": {"reason": reason}}
        thanks = await self.emu.post(
            "/_emu/discord/components", submit | {"custom_id": modal["data"]["custom_id"]}
        )
        return str(thanks["data"]["content"])

    async def s_click(self, who: str, card: dict[str, Any], action_id: str, value: str) -> str:
        body = {"user": self.su[who], "channel": self.s_mods, "message_ts": card["ts"]}
        answer = await self.emu.post(
            "/_emu/slack/actions", body | {"action_id": action_id, "value": value}
        )
        [response] = answer["responses"]
        return str(response["text"])

    async def slack(self, who: str, text: str, channel: str) -> str:
        body = {"command": "/fangroup", "text": text, "user": self.su[who], "channel": channel}
        [response] = (await self.emu.post("/_emu/slack/commands", body))["responses"]
        return str(response["text"])

    async def discord(self, who: str, path: str, **options: str) -> str:
        body = {"channel_id": self.d_music, "user_id": self.du[who], "name": f"fangroup {path}"}
        answer = await self.emu.post("/_emu/discord/commands", body | {"options": options})
        return str(answer["data"]["content"])

    async def in_slack_music(self, who: str) -> bool:
        members = (await self.slack_api.conversations_members(channel=self.s_music))["members"]
        return self.su[who] in members


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def w(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    db_dir = Path(tmp_path_factory.mktemp("cards-outage"))
    async with running_bridge(emulator.url, db_dir, channel=1, outbox=FAST) as (
        emu,
        world,
        runtime,
    ):
        found = World(emu, world, runtime, emulator.url)
        modchannels = {
            "discord": {"workspace": found.guild, "channel": found.d_mods},
            "slack": {"workspace": found.team, "channel": found.s_mods},
        }
        await found.store.update_settings(await found.group_id(), {"modchannel": modchannels})
        try:
            yield found
        finally:
            async with emu.session.delete(emulator.url + "/_emu/faults"):
                pass


async def test_a_report_filed_during_a_slack_outage_still_gets_its_one_card(w: World) -> None:
    thanks = await w.report_from_discord(
        "dave", "outage spam link", "spam during outage", outage="*chat.postMessage"
    )
    assert thanks.startswith("Thanks"), thanks
    d_card = await w.d_card("spam during outage")  # Discord was never down
    s_card = await w.s_card("spam during outage")  # Slack's card once the outage ended
    assert await w.failed("chat.postMessage") >= 3
    assert len(await w.s_cards("spam during outage")) == 1  # exactly one card
    # the card's id was recorded: acting on it updates both cards
    report = str(s_card["blocks"][-1]["elements"][0]["value"])
    done = await w.s_click("erin", s_card, "fbrep_dismiss", report)
    assert done.startswith("🗑️ Dismissed by"), done
    updated = await w.d_card("Dismissed by")
    assert updated["id"] == d_card["id"] and updated["components"] == []
    s_updated = await w.s_card("Dismissed by")
    assert s_updated["ts"] == s_card["ts"]


async def test_a_card_update_during_a_slack_outage_arrives_after_it(w: World) -> None:
    await w.report_from_discord("dave", "second outage message", "rude in an outage")
    d_card = await w.d_card("rude in an outage")
    s_card = await w.s_card("rude in an outage")
    await w.outage("*chat.update")
    [button] = [
        c for row in d_card["components"] for c in row["components"] if "dismiss" in c["custom_id"]
    ]
    body = {"message_id": d_card["id"], "user_id": w.du["alice"], "custom_id": button["custom_id"]}
    done = await w.emu.post("/_emu/discord/components", body)
    assert done["data"]["content"].startswith("🗑️ Dismissed by Alice")

    async def updated() -> dict[str, Any] | None:
        cards = await w.s_cards("rude in an outage")
        closed = [c for c in cards if "Dismissed by Alice" in json.dumps(c, ensure_ascii=False)]
        return closed[0] if closed else None

    closed = await w.emu.until(updated, timeout=20, what="the slack card updated")
    assert closed["ts"] == s_card["ts"] and all(b["type"] != "actions" for b in closed["blocks"])
    assert await w.failed("chat.update") >= 3


async def test_a_join_card_and_a_grant_during_a_slack_outage_are_delivered(w: World) -> None:
    group_id = await w.group_id()
    await w.store.set_visibility(group_id, Visibility.APPROVAL)
    erin = await w.store.upsert_account(
        user=UserRef(Platform.SLACK, w.team, w.su["erin"]), display_name="erin"
    )
    await w.store.grant_role(group_id=group_id, member_id=erin.member_id, role=Role.MODERATOR)
    await w.emu.post(
        "/_emu/slack/members", {"channel": w.s_music, "user": w.su["frank"], "remove": True}
    )
    assert not await w.in_slack_music("frank")

    await w.outage("*chat.postMessage")
    asked = await w.slack("frank", "join fans", w.s_general)
    assert asked.startswith("You asked to join *Fans*"), asked
    card = await w.s_card("frank (Slack) asks to join")
    assert len(await w.s_cards("frank (Slack) asks to join")) == 1
    request = next(
        e["value"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
    )

    await w.outage("*conversations.invite")
    decided = await w.s_click("erin", card, "fbjoin_approve", str(request))
    assert decided.startswith("✅ frank was admitted to *Fans*"), decided
    await w.emu.until(lambda: w.in_slack_music("frank"), timeout=20, what="frank let in")
    assert await w.failed("conversations.invite") >= 3

    async def admitted() -> list[tuple[str, str]] | None:
        admits = [a for a in await w.store.modlog(group_id, limit=50) if a.kind == "admit"]
        effects = [(e.channel.channel, e.status) for a in admits for e in a.effects]
        return effects if effects and all(s != "pending" for _, s in effects) else None

    assert await w.emu.until(admitted, what="the admit effect settled") == [(w.s_music, "done")]
