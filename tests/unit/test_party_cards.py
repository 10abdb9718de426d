"""The now-playing card and the party notices as each platform draws them (pure renderers): the
Discord embed and its buttons, Slack's blocks, in the playing / paused / played states; the
platforms' live timestamps; hostile titles shown as typed; the Slack command's arguments."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import discord
import pytest

from adapters.discord import party as dparty
from adapters.discord.commands import build_fangroup
from adapters.slack import party as sparty
from bridge.party.card import CardState, ListenLink, NowPlayingCard, PartyNotice

HOSTILE = "<!channel> @everyone <@123> & *loud*"
ROOM = "https://fans.example/g/fans/party/7"
ZERO_AT = 1_800_000_000


def a_card(state: CardState = CardState.PLAYING, **changes: Any) -> NowPlayingCard:
    card = NowPlayingCard(
        party_id=7,
        index=1,
        queue_length=3,
        state=state,
        title="Night Drive",
        artists=("Lumen Twins", "Aya"),
        artwork_url="https://i.scdn.co/image/art1",
        length_ms=201_000,
        position_ms=65_000,
        zero_at=ZERO_AT,
        queued_by="Alice",
        by_artist=True,
        host_name="Bob",
        listen=(
            ListenLink("YouTube", "https://www.youtube.com/watch?v=abc&t=65s"),
            ListenLink("Spotify", "https://open.spotify.com/track/xyz"),
        ),
        room_url=ROOM,
        next_title="Second Song",
    )
    return replace(card, **changes)


# -- Discord -------------------------------------------------------------------------------------
def embed_text(embed: discord.Embed) -> str:
    fields = [f"{f.name}: {f.value}" for f in embed.fields]
    return "\n".join([embed.title or "", embed.description or "", *fields])


def discord_buttons(card: NowPlayingCard) -> list[discord.ui.Button[discord.ui.View]]:
    view = dparty.card_view(card)
    assert view is not None
    return [b for b in view.children if isinstance(b, discord.ui.Button)]


def test_discord_playing_card_counts_with_a_live_timestamp() -> None:
    embed = dparty.card_embed(a_card())
    assert embed.title == "🎧 Night Drive"
    assert embed.description == f"Lumen Twins, Aya\n▶ started <t:{ZERO_AT}:R> · 3:21"
    assert embed.thumbnail.url == "https://i.scdn.co/image/art1"
    shown = embed_text(embed)
    assert "Queued by: Alice 🎤" in shown and "Host: Bob" in shown
    assert "[YouTube](https://www.youtube.com/watch?v=abc&t=65s)" in shown
    assert "[Spotify](https://open.spotify.com/track/xyz)" in shown
    assert f"[Open the room]({ROOM})" in shown and "Next: Second Song" in shown
    assert embed.footer.text == "Listening party #7 · song 2/3"


def test_discord_playing_card_has_pause_skip_stop_and_the_room() -> None:
    buttons = discord_buttons(a_card())
    assert [b.label for b in buttons] == ["Pause", "Skip", "Stop", "Open the room"]
    assert [b.custom_id for b in buttons[:3]] == [
        "fbparty:pause:7",
        "fbparty:skip:7",
        "fbparty:stop:7",
    ]
    assert buttons[3].url == ROOM and buttons[3].style is discord.ButtonStyle.link


def test_discord_paused_card_shows_where_and_offers_resume() -> None:
    card = a_card(CardState.PAUSED)
    assert "⏸ paused at 1:05 / 3:21" in (dparty.card_embed(card).description or "")
    assert "<t:" not in (dparty.card_embed(card).description or "")
    first = discord_buttons(card)[0]
    assert first.label == "Resume" and first.custom_id == "fbparty:resume:7"


def test_discord_played_card_has_no_buttons() -> None:
    card = a_card(CardState.PLAYED, next_title=None, room_url=None)
    assert dparty.card_view(card) is None
    description = dparty.card_embed(card).description or ""
    assert "played" in description and "<t:" not in description


def test_discord_card_shows_a_hostile_title_as_typed() -> None:
    card = a_card(title=HOSTILE, queued_by="@here", host_name="<@&55>", next_title="@everyone")
    shown = embed_text(dparty.card_embed(card))
    assert "@everyone" not in shown and "@here" not in shown
    assert "<@" not in shown and "\\<!channel> " in shown and "\\*loud\\*" in shown


def test_discord_card_leaves_out_unsafe_links() -> None:
    card = a_card(
        artwork_url="javascript:alert(1)",
        room_url="https://x.example/a b",
        listen=(ListenLink("Evil", "https://x.example/)[click](https://phish.example"),),
    )
    embed = dparty.card_embed(card)
    assert not embed.thumbnail.url and "Room" not in [f.name for f in embed.fields]
    assert "phish" not in embed_text(embed).replace("%29%5Bclick%5D%28https://phish", "")
    assert [b.label for b in discord_buttons(card)] == ["Pause", "Skip", "Stop"]


def test_discord_notice_keeps_the_live_time_and_adds_the_room() -> None:
    notice = PartyNotice(7, f"📅 Listening party #7 starts <t:{ZERO_AT}>, *3* song(s)", ROOM)
    assert dparty.notice_text(notice) == (
        f"📅 Listening party #7 starts <t:{ZERO_AT}>, **3** song(s)\n🎧 Room: <{ROOM}>"
    )


@pytest.mark.parametrize(
    ("custom_id", "found"),
    [
        ("fbparty:pause:7", ("pause", 7)),
        ("fbparty:stop:12", ("stop", 12)),
        ("fbparty:explode:7", None),
        ("fbparty:pause:x", None),
        ("fbparty:pause:99999999999999999999", None),
        ("fbrep:delete:7", None),
    ],
)
def test_discord_button_ids_name_an_action_and_a_party(
    custom_id: str, found: tuple[str, int] | None
) -> None:
    assert dparty.parse_custom_id(custom_id) == found


def test_discord_fangroup_party_has_the_subcommands_within_discords_limit() -> None:
    async def dispatch(_: Any) -> Any:
        raise AssertionError

    fangroup = build_fangroup(dispatch)
    assert len(fangroup.commands) <= 25  # Discord refuses a command with more options
    [group] = [c for c in fangroup.commands if c.name == "party"]
    assert isinstance(group, discord.app_commands.Group)
    options = {c.name: [p.name for p in c.parameters] for c in group.commands}  # type: ignore[union-attr]
    assert options == {
        "start": ["source", "when"],
        "add": ["source"],
        "adds": ["value"],
        "pause": [],
        "resume": [],
        "skip": [],
        "stop": [],
        "queue": [],
    }


# -- Slack ---------------------------------------------------------------------------------------
def texts(blocks: list[dict[str, Any]]) -> str:
    found: list[str] = []
    for block in blocks:
        if "text" in block:
            found.append(block["text"]["text"])
        found += [e["text"] for e in block.get("elements") or [] if isinstance(e.get("text"), str)]
    return "\n".join(found)


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_slack_playing_card_counts_with_a_slack_date() -> None:
    blocks = sparty.card_blocks(a_card())
    shown = texts(blocks)
    assert f"▶ started <!date^{ZERO_AT}^{{date_short_pretty}} {{time}}|" in shown
    assert "2027-01-15 08:00 UTC>" in shown and "· 3:21" in shown
    assert "*🎧 Night Drive*\nLumen Twins, Aya" in shown
    assert blocks[0]["accessory"]["image_url"] == "https://i.scdn.co/image/art1"
    assert "Queued by Alice 🎤 · host Bob · party #7, song 2/3" in shown
    assert "<https://www.youtube.com/watch?v=abc&amp;t=65s|YouTube>" in shown
    assert "<https://open.spotify.com/track/xyz|Spotify>" in shown
    assert f"<{ROOM}|the room>" in shown and "Next: Second Song" in shown


def test_slack_playing_card_has_pause_skip_stop_and_the_room() -> None:
    blocks = sparty.card_blocks(a_card())
    assert action_ids(blocks) == ["fbparty_pause", "fbparty_skip", "fbparty_stop", "fbparty_room"]
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert [e.get("value") for e in actions["elements"]] == ["7", "7", "7", None]
    assert actions["elements"][3]["url"] == ROOM


def test_slack_paused_card_shows_where_and_offers_resume() -> None:
    blocks = sparty.card_blocks(a_card(CardState.PAUSED))
    assert "⏸ paused at 1:05 / 3:21" in texts(blocks) and "<!date^" not in texts(blocks)
    assert action_ids(blocks)[0] == "fbparty_resume"
    assert sparty.fallback_text(a_card(CardState.PAUSED)) == (
        "🎧 Night Drive — Lumen Twins, Aya (paused at 1:05)"
    )


def test_slack_played_card_has_no_buttons() -> None:
    blocks = sparty.card_blocks(a_card(CardState.PLAYED))
    assert action_ids(blocks) == [] and "✓ played · 3:21" in texts(blocks)


def test_slack_card_shows_a_hostile_title_as_typed() -> None:
    card = a_card(
        title=HOSTILE, queued_by="<!here>", host_name="@channel", next_title="<!everyone>"
    )
    shown = texts(sparty.card_blocks(card)) + sparty.fallback_text(card)
    assert "&lt;!channel&gt; @\u200beveryone &lt;@123&gt; &amp; *loud*" in shown
    assert "<!channel>" not in shown and "<!here>" not in shown and "<!everyone>" not in shown
    assert "<@" not in shown and "@channel" not in shown
    alt = sparty.card_blocks(card)[0]["accessory"]["alt_text"]
    assert "<" not in alt and ">" not in alt


def test_slack_notice_turns_discord_times_into_slack_dates() -> None:
    notice = PartyNotice(7, f"📅 Party #7 <!here> starts <t:{ZERO_AT}> & <t:{ZERO_AT}:R>", ROOM)
    text = sparty.notice_text(notice)
    date = f"<!date^{ZERO_AT}^{{date_short_pretty}} {{time}}|2027-01-15 08:00 UTC>"
    assert text == (
        f"📅 Party #7 &lt;!here&gt; starts {date} &amp; {date}\n🎧 <{ROOM}|Open the room>"
    )


@pytest.mark.parametrize(
    ("words", "path", "args"),
    [
        ("", ("party",), {}),
        ("start top", ("party", "start"), {"source": "top", "when": ""}),
        (
            "start <https://open.spotify.com/album/1|album> when:tomorrow 18:00",
            ("party", "start"),
            {"source": "https://open.spotify.com/album/1", "when": "tomorrow 18:00"},
        ),
        ("start recent when:in 2h", ("party", "start"), {"source": "recent", "when": "in 2h"}),
        (
            "add https://youtu.be/abc",
            ("party", "add"),
            {"source": "https://youtu.be/abc", "when": ""},
        ),
        ("adds OFF", ("party", "adds"), {"value": "off"}),
        ("adds #3 on", ("party", "adds"), {"party": "3", "value": "on"}),
        ("PAUSE #12", ("party", "pause"), {"party": "12"}),
        ("queue", ("party", "queue"), {}),
    ],
)
def test_slack_party_words_become_the_command(
    words: str, path: tuple[str, ...], args: dict[str, str]
) -> None:
    assert sparty.party_args(words.split()) == (path, args)
