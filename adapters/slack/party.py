"""Listening parties on Slack: the now-playing card (Block Kit; the elapsed time is Slack's own
``<!date^…>`` token, buttons with action_id ``fbparty_<action>`` and the party as value), the
parties' notices, the buttons' clicks, and the arguments of ``/fangroup party ...``."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters import tab_text
from adapters.slack.announce import WHEN
from adapters.slack.errors import platform_errors
from adapters.slack.mrkdwn import escape, unescape
from adapters.slack.once import post_once
from adapters.slack.tab import esc, plain
from adapters.slack.tokens import acting_for
from adapters.slack.users import UserCache
from bridge.events import CommandInvoked, CoreEvent
from bridge.groups.commands import row_id
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.once import PostOnce
from bridge.outcome import Outcome, Reply
from bridge.party.card import CardState, NowPlayingCard, PartyNotice, clock_text

Dispatch = Callable[[CoreEvent], Awaitable[Outcome]]
Block = dict[str, Any]
ACTION = re.compile(r"^fbparty_(pause|resume|skip|stop)$")
ROOM_ACTION = "fbparty_room"  # a link button: Slack still sends its click, which is acked
DISCORD_TIME = re.compile(r"<t:(\d{1,12})(?::[tTdDfFR])?>")
SLACK_LINK = re.compile(r"<(https?://[^|>\s]+)(?:\|[^>]*)?>")
SECTION_MAX, CONTEXT_MAX, ALT_MAX, BUTTON_URL_MAX, FALLBACK_MAX = 3000, 2000, 500, 3000, 3000
TEXT_WITH_SOURCE = ("start", "add")
PARTY_NUMBER = re.compile(r"#\d{1,12}")


# -- live times ----------------------------------------------------------------------------------
def slack_date(unix: int) -> str:
    """Slack's date token: each reader sees it in their own zone (the fallback is UTC)."""
    fallback = datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{unix}^{{date_short_pretty}} {{time}}|{fallback}>"


def slack_times(text: str) -> str:
    """``text`` escaped for mrkdwn, its Discord-style ``<t:N>`` turned into Slack dates."""
    parts = DISCORD_TIME.split(text)
    return "".join(slack_date(int(p)) if i % 2 else esc(p) for i, p in enumerate(parts))


# -- the card ------------------------------------------------------------------------------------
def status_line(card: NowPlayingCard) -> str:
    length = clock_text(card.length_ms)
    if card.state is CardState.PAUSED:
        return f"⏸ paused at {clock_text(card.position_ms)} / {length}"
    if card.state is CardState.PLAYED:
        return f"✓ played · {length}"
    return f"▶ started {slack_date(card.zero_at)} · {length}"


def card_blocks(card: NowPlayingCard) -> list[Block]:
    blocks: list[Block] = [_head(card), _context(_about(card))]
    listen = _listen(card)
    if listen:
        blocks.append(_section(f"*Listen along:* {listen}"))
    if card.next_title:
        blocks.append(_context("Next: " + tab_text.clip(card.next_title, CONTEXT_MAX - 10, esc)))
    if card.controls:
        blocks.append({"type": "actions", "block_id": "fbparty", "elements": _buttons(card)})
    return blocks


def _head(card: NowPlayingCard) -> Block:
    artists = ", ".join(card.artists)
    title = tab_text.clip(card.title, 500, esc)
    lines = [f"*🎧 {title}*", tab_text.clip(artists, 1000, esc), status_line(card)]
    section = _section("\n".join(line for line in lines if line))
    artwork = tab_text.safe_url(card.artwork_url or "")
    if artwork:
        alt = tab_text.clip(card.title or "artwork", ALT_MAX, plain)
        section["accessory"] = {"type": "image", "image_url": artwork, "alt_text": alt}
    return section


def _about(card: NowPlayingCard) -> str:
    queued = tab_text.clip(card.queued_by, 200, esc) + (" 🎤" if card.by_artist else "")
    parts = [
        f"Queued by {queued}",
        f"host {tab_text.clip(card.host_name, 200, esc)}",
        f"party #{card.party_id}, song {card.index + 1}/{card.queue_length}",
    ]
    room = tab_text.safe_url(card.room_url or "")
    if room:
        parts.append(f"<{escape(room)}|the room>")
    return " · ".join(parts)


def _listen(card: NowPlayingCard) -> str:
    links = [
        f"<{escape(url)}|{esc(link.label)}>"
        for link in card.listen
        if (url := tab_text.safe_url(link.url))
    ]
    return tab_text.joined(links, SECTION_MAX - 30)


def _buttons(card: NowPlayingCard) -> list[Block]:
    toggle = "resume" if card.state is CardState.PAUSED else "pause"
    buttons = [_button(action, card) for action in (toggle, "skip", "stop")]
    buttons[0]["style"] = "primary"
    buttons[2]["style"] = "danger"
    room = tab_text.safe_url(card.room_url or "")
    if room:
        buttons.append(
            {
                "type": "button",
                "action_id": ROOM_ACTION,
                "text": {"type": "plain_text", "text": "Open the room", "emoji": True},
                "url": room,
            }
        )
    return buttons


def _button(action: str, card: NowPlayingCard) -> Block:
    return {
        "type": "button",
        "action_id": f"fbparty_{action}",
        "text": {"type": "plain_text", "text": action.title(), "emoji": True},
        "value": str(card.party_id),
    }


def _section(mrkdwn: str) -> Block:
    text = {"type": "mrkdwn", "text": mrkdwn[:SECTION_MAX], "verbatim": True}
    return {"type": "section", "text": text}


def _context(mrkdwn: str) -> Block:
    element = {"type": "mrkdwn", "text": mrkdwn[:CONTEXT_MAX], "verbatim": True}
    return {"type": "context", "elements": [element]}


def fallback_text(card: NowPlayingCard) -> str:
    """The notification / screen-reader text of the card."""
    song = f"{card.title} — {', '.join(card.artists)}" if card.artists else card.title
    state = {
        CardState.PLAYING: "now playing",
        CardState.PAUSED: f"paused at {clock_text(card.position_ms)}",
        CardState.PLAYED: "played",
    }[card.state]
    return tab_text.clip(f"🎧 {song} ({state})", FALLBACK_MAX, esc)


# -- the notices ---------------------------------------------------------------------------------
def notice_text(notice: PartyNotice) -> str:
    text = slack_times(notice.text)
    room = tab_text.safe_url(notice.room_url or "")
    return f"{text}\n🎧 <{escape(room)}|Open the room>" if room else text


# -- the port ------------------------------------------------------------------------------------
class SlackPartyCards:
    """Posts and updates now-playing cards and posts notices in Slack channels (each with its
    workspace's token), for the outbox: failures are mapped onto its retry policy, and a post
    given its item's ``once`` is made at most once however often the item is delivered."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def post_card(
        self, channel: ChannelRef, card: NowPlayingCard, *, once: PostOnce | None = None
    ) -> str:
        with acting_for(channel.workspace):
            async with platform_errors():
                return await post_once(
                    self.client, channel, once, text=fallback_text(card), blocks=card_blocks(card)
                )

    async def update_card(self, channel: ChannelRef, card_id: str, card: NowPlayingCard) -> None:
        with acting_for(channel.workspace):
            async with platform_errors():
                await self.client.chat_update(
                    channel=channel.channel,
                    ts=card_id,
                    text=fallback_text(card),
                    blocks=card_blocks(card),
                )

    async def post_notice(
        self, channel: ChannelRef, notice: PartyNotice, *, once: PostOnce | None = None
    ) -> str:
        with acting_for(channel.workspace):
            async with platform_errors():
                return await post_once(
                    self.client, channel, once, text=notice_text(notice), unfurl_links=False
                )


# -- the buttons' clicks -------------------------------------------------------------------------
class PartyActions:
    """A now-playing card's button: the same command as ``/fangroup party <action>`` for the
    card's party, answered to the clicker only."""

    def __init__(self, dispatch: Dispatch, users: UserCache) -> None:
        self.dispatch = dispatch
        self.users = users

    async def on_action(
        self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any
    ) -> None:
        await ack()
        found = ACTION.match(str(action.get("action_id", "")))
        party_id = row_id(str(action.get("value") or ""))
        channel = str((body.get("channel") or {}).get("id") or "")
        if found is None or party_id is None or not channel:
            return  # the room's link button (Slack opens the link itself)
        team = str((body.get("team") or {}).get("id") or body.get("team_id") or "")
        user = str((body.get("user") or {}).get("id") or "")
        profile = await self.users.get(user)
        event = CommandInvoked(
            key=f"action:{body.get('trigger_id') or action.get('action_ts')}",
            channel=ChannelRef(Platform.SLACK, team, channel),
            user=UserRef(Platform.SLACK, team, user),
            path=("party", found.group(1)),
            args={"party": str(party_id)},
            can_manage_channel=profile.is_admin,
            can_moderate=profile.is_admin,
            display_name=profile.name,
        )
        outcome = await self.dispatch(event)
        text = outcome.text if isinstance(outcome, Reply) else "Done."
        await respond(text=text, response_type="ephemeral", replace_original=False)


# -- the command's arguments ---------------------------------------------------------------------
def party_args(words: Sequence[str]) -> tuple[tuple[str, ...], dict[str, str]]:
    """``party [sub] ...`` (the words after ``/fangroup``'s ``party``): ``start <top|recent|
    links> [when:<time>]`` and ``add <link>`` give ``source`` (and ``when``); ``adds on|off``
    gives ``value``; a ``#N`` names the party."""
    if not words:
        return ("party",), {}
    sub, rest = words[0].lower(), list(words[1:])
    if sub in TEXT_WITH_SOURCE:
        return ("party", sub), _source_args(" ".join(rest))
    args: dict[str, str] = {}
    for word in rest:
        if PARTY_NUMBER.fullmatch(word):
            args["party"] = word[1:]
        elif sub == "adds" and "value" not in args:
            args["value"] = unescape(word).lower()
    return ("party", sub), args


def _source_args(text: str) -> dict[str, str]:
    found = WHEN.search(text)
    when = next((g for g in found.groups() if g), "") if found else ""
    source = SLACK_LINK.sub(r"\1", WHEN.sub(" ", text)).strip()
    return {"source": unescape(" ".join(source.split())), "when": unescape(when.strip())}
