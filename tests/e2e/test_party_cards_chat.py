"""Listening party cards in chat: the now-playing card and notices posted, edited and clicked
through the platform ports: real discord.py and slack-bolt against the emulators (the emulator
fixture fails the module on any request the official specs reject)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters.discord.party import DiscordPartyCards
from adapters.runtime import Runtime
from adapters.slack.party import SlackPartyCards
from bridge.ids import ChannelRef, Platform
from bridge.party.card import CardState, ListenLink, NowPlayingCard, PartyNotice
from emulators.server import ThreadedEmulator
from tests.e2e.harness import Emu, bridge_config, start_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")
HOSTILE = "<!channel> @everyone *loud*"
ROOM = "https://fans.example/g/fans/party/7"


class World:
    def __init__(self, emu: Emu, world: dict[str, Any], runtime: Runtime) -> None:
        self.emu = emu
        self.runtime = runtime
        guild = world["discord"]["guilds"][0]
        team = world["slack"]["workspaces"][0]
        self.guild, self.team = str(guild["id"]), str(team["id"])
        self.d = {c["name"]: str(c["id"]) for c in guild["channels"]}
        self.s = {c["name"]: str(c["id"]) for c in team["channels"]}
        self.du = {u["username"]: str(u["id"]) for u in guild["users"]}
        self.su = {u["name"]: str(u["id"]) for u in team["users"]}

    def d_channel(self) -> ChannelRef:
        return ChannelRef(Platform.DISCORD, self.guild, self.d["general"])

    def s_channel(self) -> ChannelRef:
        return ChannelRef(Platform.SLACK, self.team, self.s["general"])


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def w(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        world = await emu.world()
        db = Path(tmp_path_factory.mktemp("party_cards")) / "bridge.db"
        runtime = await start_bridge(bridge_config(world, emulator.url, db))
        try:
            yield World(emu, world, runtime)
        finally:
            await runtime.stop()


def a_card(state: CardState = CardState.PLAYING) -> NowPlayingCard:
    return NowPlayingCard(
        party_id=7,
        index=0,
        queue_length=3,
        state=state,
        title=HOSTILE,
        artists=("Lumen Twins",),
        artwork_url="https://i.scdn.co/image/art1",
        length_ms=201_000,
        position_ms=65_000,
        zero_at=1_800_000_000,
        queued_by="Alice",
        by_artist=True,
        host_name="Bob",
        listen=(ListenLink("YouTube", "https://www.youtube.com/watch?v=abc&t=65s"),),
        room_url=ROOM,
        next_title="Second Song",
    )


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for row in message.get("components") or [] for b in row["components"]]


async def test_discord_card_is_posted_clicked_and_closed(w: World) -> None:
    assert w.runtime.discord is not None
    cards = DiscordPartyCards(w.runtime.discord.client)
    card_id = await cards.post_card(w.d_channel(), a_card())
    [shown] = [m for m in await w.emu.discord_messages(w.d["general"]) if m["id"] == card_id]
    [embed] = shown["embeds"]
    assert "<t:1800000000:R>" in embed["description"]
    assert embed["thumbnail"]["url"] == "https://i.scdn.co/image/art1"
    labels = {b["label"]: b for b in buttons(shown)}
    assert set(labels) == {"Pause", "Skip", "Stop", "Open the room"}
    assert labels["Open the room"]["url"] == ROOM and labels["Open the room"]["style"] == 5
    clicked = await w.emu.post(
        "/_emu/discord/components",
        {"message_id": card_id, "user_id": w.du["carol"], "custom_id": "fbparty:pause:7"},
    )
    assert clicked["data"]["flags"] & 64  # answered to the clicker only
    await cards.update_card(w.d_channel(), card_id, a_card(CardState.PLAYED))
    [shown] = [m for m in await w.emu.discord_messages(w.d["general"]) if m["id"] == card_id]
    assert shown["components"] == [] and "played" in shown["embeds"][0]["description"]
    notice = PartyNotice(7, "📅 Party #7 starts <t:1800000000> @everyone", ROOM)
    notice_id = await cards.post_notice(w.d_channel(), notice)
    [shown] = [m for m in await w.emu.discord_messages(w.d["general"]) if m["id"] == notice_id]
    assert "<t:1800000000>" in shown["content"] and ROOM in shown["content"]
    assert shown["pinged"] == []


async def test_a_discord_card_posted_again_after_a_crash_is_the_same_card(w: World) -> None:
    """The outbox retries a card whose id was never recorded (killed between the post and the
    record): the enforced nonce gets the card already posted back, not a second one."""
    assert w.runtime.discord is not None
    cards = DiscordPartyCards(w.runtime.discord.client)
    card = replace(a_card(), party_id=8, index=1)
    first = await cards.post_card(w.d_channel(), card)
    again = await cards.post_card(w.d_channel(), card)
    assert again == first
    footer = "Listening party #8 · song 2/3"
    rows = await w.emu.discord_messages(w.d["general"])
    assert [m["id"] for m in rows if footer in str(m["embeds"])] == [first]


async def test_slack_card_is_posted_clicked_and_closed(w: World) -> None:
    assert w.runtime.slack is not None
    cards = SlackPartyCards(w.runtime.slack.client)
    ts = await cards.post_card(w.s_channel(), replace(a_card(), state=CardState.PAUSED))
    [shown] = [m for m in await w.emu.slack_messages(w.s["general"]) if m["ts"] == ts]
    text = str(shown["blocks"])
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    ids = [e["action_id"] for b in shown["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert ids == ["fbparty_resume", "fbparty_skip", "fbparty_stop", "fbparty_room"]
    body = {"user": w.su["frank"], "channel": w.s["general"], "message_ts": ts}
    clicked = await w.emu.post("/_emu/slack/actions", body | {"action_id": "fbparty_resume"})
    assert clicked["ok"], clicked
    room = await w.emu.post("/_emu/slack/actions", body | {"action_id": "fbparty_room"})
    assert room["ok"], room
    await cards.update_card(w.s_channel(), ts, a_card(CardState.PLAYED))
    [shown] = [m for m in await w.emu.slack_messages(w.s["general"]) if m["ts"] == ts]
    assert not [b for b in shown["blocks"] if b["type"] == "actions"]
    notice = PartyNotice(7, "📅 Party #7 starts <t:1800000000> @everyone", ROOM)
    notice_ts = await cards.post_notice(w.s_channel(), notice)
    [shown] = [m for m in await w.emu.slack_messages(w.s["general"]) if m["ts"] == notice_ts]
    assert "<!date^1800000000^" in shown["text"] and ROOM in shown["text"]


async def test_a_slow_party_command_thinks_then_answers_the_caller_only(w: World) -> None:
    """`/fangroup party start` looks songs up (links resolved) and may take longer than
    Discord's 3 s: it defers; an answer for the caller only replaces the public "thinking…"
    with a private one (nothing with songs in it is seeded, so the answer here is a refusal)."""
    body = {
        "channel_id": w.d["general"],
        "user_id": w.du["bob"],
        "name": "fangroup party start",
        "options": {"source": "top", "when": "in 2h"},
    }
    answered = await w.emu.post("/_emu/discord/commands", body)
    assert answered["type"] == 5 and answered["message"] is None  # deferred, then removed
    [followup] = answered["followups"]
    assert followup["flags"] & 64 and followup["content"]
