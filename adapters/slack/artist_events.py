"""Artist events on Slack: a card in every linked channel (the title, when and where, who, the
interest counted across Discord and Slack, an "Interested" button, the tickets, merch and stream
links as buttons), redrawn in place on an edit, a new count and the cancellation; the reminders
as plain messages; the button's clicks; and ``/announce event ...``'s arguments."""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters import tab_text
from adapters.slack.errors import platform_errors
from adapters.slack.mrkdwn import escape, parse_slack, unescape
from adapters.slack.once import post_once
from adapters.slack.tokens import acting_for
from adapters.slack.users import UserCache
from bridge.artist_events.card import EventCard, interest_line, links
from bridge.events import CoreEvent, EventInterestChanged
from bridge.groups.commands import row_id
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.once import PostOnce
from bridge.outcome import Outcome, Reply

ACTION_INTEREST = "fbevent_interest"
TEXT_MAX, BUTTON_MAX, HEADER_MAX = 3000, 75, 150
OPTION = re.compile(r"(?:^|\s)(when|place|tickets|merch|online|group):", re.IGNORECASE)
SLACK_LINK = re.compile(r"^<([^|>]+)(?:\|[^>]*)?>$")


# -- the card ------------------------------------------------------------------------------------
def card_blocks(card: EventCard) -> list[dict[str, Any]]:
    title = ("❌ Cancelled: " if card.cancelled else "📅 ") + card.title
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:HEADER_MAX]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _details(card)[:TEXT_MAX]}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _count(card)}]},
    ]
    if not card.cancelled:
        blocks.append(
            {"type": "actions", "block_id": f"fbevent:{card.event_id}", "elements": _buttons(card)}
        )
    return blocks


def _details(card: EventCard) -> str:
    lines = [f"🕗 *{escape(card.when)}*"]
    if card.place:
        lines.append(f"📍 {escape(card.place)}")
    if card.host_name:
        lines.append(f"🎤 {escape(card.host_name)}")
    page = tab_text.safe_url(card.page_url or "")
    if page:
        lines.append(f"<{escape(page)}|All the group's events>")
    return "\n".join(lines)


def _count(card: EventCard) -> str:
    return f"{interest_line(card.interested)} on Discord and Slack · event #{card.event_id}"


def _buttons(card: EventCard) -> list[dict[str, Any]]:
    buttons: list[dict[str, Any]] = [
        {
            "type": "button",
            "action_id": ACTION_INTEREST,
            "text": {"type": "plain_text", "text": "⭐ Interested", "emoji": True},
            "style": "primary",
            "value": str(card.event_id),
        }
    ]
    for index, (label, url) in enumerate(links(card)):
        safe = tab_text.safe_url(url)
        if safe:
            buttons.append(
                {
                    "type": "button",
                    "action_id": f"fbevent_link_{index}",
                    "text": {"type": "plain_text", "text": label[:BUTTON_MAX], "emoji": True},
                    "url": safe,
                }
            )
    return buttons


def fallback_text(card: EventCard) -> str:
    state = "cancelled" if card.cancelled else card.when
    return f"📅 {escape(card.title)} ({escape(state)}) · {_count(card)}"[:TEXT_MAX]


# -- the port ------------------------------------------------------------------------------------
class SlackEventCopies:
    """Posts and redraws event cards and posts the events' notices in Slack channels (each with
    its workspace's token), for the outbox: failures are mapped onto its retry policy."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def post_event(
        self, channel: ChannelRef, card: EventCard, *, once: PostOnce | None = None
    ) -> str:
        with acting_for(channel.workspace):
            async with platform_errors():
                return await post_once(
                    self.client, channel, once, text=fallback_text(card), blocks=card_blocks(card)
                )

    async def update_event(self, channel: ChannelRef, copy_id: str, card: EventCard) -> None:
        with acting_for(channel.workspace):
            async with platform_errors():
                await self.client.chat_update(
                    channel=channel.channel,
                    ts=copy_id,
                    text=fallback_text(card),
                    blocks=card_blocks(card),
                )

    async def interested(self, channel: ChannelRef, copy_id: str) -> list[tuple[str, str]] | None:
        """Slack has no interest of its own: the bridge counts the card's clicks."""
        return None

    async def post_event_notice(
        self, channel: ChannelRef, text: str, *, once: PostOnce | None = None
    ) -> None:
        with acting_for(channel.workspace):
            async with platform_errors():
                await post_once(
                    self.client, channel, once, text=escape(text)[:TEXT_MAX], unfurl_links=False
                )


# -- the button ----------------------------------------------------------------------------------
class EventActions:
    """The card's "Interested": a click marks the clicker interested, a second one withdraws;
    the new count is shown to the clicker (the card is redrawn for everyone)."""

    def __init__(self, dispatch: Any, users: UserCache) -> None:
        self.dispatch = dispatch
        self.users = users

    async def on_action(
        self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any
    ) -> None:
        await ack()
        event_id = row_id(str(action.get("value") or ""))
        channel = str((body.get("channel") or {}).get("id") or "")
        if action.get("action_id") != ACTION_INTEREST or event_id is None or not channel:
            return  # a link button: Slack opens the link itself
        team = str((body.get("team") or {}).get("id") or body.get("team_id") or "")
        user = str((body.get("user") or {}).get("id") or "")
        profile = await self.users.get(user)
        event: CoreEvent = EventInterestChanged(
            key="",
            channel=ChannelRef(Platform.SLACK, team, channel),
            user=UserRef(Platform.SLACK, team, user),
            interested=None,
            event_id=event_id,
            display_name=profile.name,
        )
        outcome: Outcome = await self.dispatch(event)
        text = outcome.text if isinstance(outcome, Reply) else "Done."
        await respond(text=text, response_type="ephemeral", replace_original=False)


# -- the command's arguments ---------------------------------------------------------------------
def event_fields(text: str) -> dict[str, Any]:
    """``event <title> when:<time> [place:<venue, city>] [tickets:<url>] [merch:<url>]
    [online:<url>] [group:<slug>]``, ``event edit <id> [title] [options]``, ``event cancel
    <id>`` (the words after ``/announce``'s ``event``, as Slack sent them). An option's value
    runs to the next option, so a place may hold spaces and commas."""
    words = text.split()
    sub = words[0].lower() if words else ""
    if sub in ("edit", "cancel"):
        number = row_id(words[1].lstrip("#")) if len(words) > 1 else None
        rest = text.split(None, 2)[2] if len(words) > 2 else ""
        return {"action": f"event_{sub}", "announcement_id": number or 0, **_options(rest)}
    return {"action": "event", **_options(text)}


def _options(text: str) -> dict[str, Any]:
    found = list(OPTION.finditer(text))
    title = text[: found[0].start()] if found else text
    values: dict[str, str] = {}
    ends = [m.start() for m in found[1:]] + [len(text)]
    for here, end in zip(found, ends[: len(found)], strict=True):
        values[here.group(1).lower()] = _value(text[here.end() : end])
    when = values.pop("when", "")
    group = values.pop("group", "")
    return {
        "text": parse_slack(title.strip()),
        "when": when,
        "group": group,
        "options": tuple(values.items()),
    }


def _value(raw: str) -> str:
    value = raw.strip().strip('"“”').strip()
    link = SLACK_LINK.match(value)
    return unescape(link.group(1) if link else value)
