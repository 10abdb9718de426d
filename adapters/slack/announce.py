"""`/announce` on Slack (``/announce <message> [pin] [group:<slug>] [image:<url>] [link:<url>]
[when:"tomorrow 18:00"]``, ``/announce edit <id> <text>``, ``/announce delete <id>``,
``/announce list``, ``/announce cancel <id>``, ``/announce zone <Area/City>``), and the
announcement style of a copy: blocks (a "📣 Announcement" header, the text, the image, a release
card) under the artist's name and
icon, pinned with pins.add when asked (a refusal leaves the copy posted, unpinned): the
announcement part of the chat adapter, composed in adapters/slack/adapter.py."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import convert
from adapters.slack.artist_events import event_fields
from adapters.slack.author import authored_args
from adapters.slack.errors import platform_errors
from adapters.slack.mrkdwn import escape, parse_slack, render_slack, unescape
from adapters.slack.users import UserCache
from bridge.actions import OutgoingMessage, SendResult
from bridge.announce.service import Announced
from bridge.events import AnnounceInvoked, CoreEvent
from bridge.ids import ChannelRef, MessageCopy, Platform, UserRef
from bridge.outcome import Outcome, Reply

log = logging.getLogger(__name__)

Dispatch = Callable[[CoreEvent], Awaitable[Outcome]]
TITLE = "📣 Announcement"
SECTION_LIMIT = 3000
PROGRESS_WAIT = 60.0
OPTION = re.compile(r"(?:^|\s)(group|image|link):(\S+)", re.IGNORECASE)
WHEN = re.compile(
    r"(?:^|\s)when:(?:[\"“”]([^\"“”]*)[\"“”]|(in(?:\s+\d+\s*[a-z]+)+|(?:today|tomorrow)\s+\d{1,2}[:h]\d{2})"
    r"|(\S+))",
    re.IGNORECASE,
)
PIN = re.compile(r"(?:^|\s)pin(?=\s|$)", re.IGNORECASE)
URL = re.compile(r"^<([^|>]+)(?:\|[^>]*)?>$")


def announcement_blocks(message: OutgoingMessage, text: str) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": TITLE, "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_LIMIT] or " "}},
    ]
    if message.image_url:
        blocks.append(
            {"type": "image", "image_url": message.image_url, "alt_text": "announcement image"}
        )
    if message.release is not None:
        blocks.append(release_block(message))
    return blocks


def release_block(message: OutgoingMessage) -> dict[str, Any]:
    """A release reminder: the track/album, its links on every platform, its artwork."""
    release = message.release
    assert release is not None
    by = f" — {escape(', '.join(release.artists))}" if release.artists else ""
    links = " · ".join(f"<{url}|{escape(label)}>" for label, url in release.links)
    block: dict[str, Any] = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": f"🎵 *{escape(release.title)}*{by}\n{links}"[:3000]},
    }
    if release.artwork_url:
        block["accessory"] = {
            "type": "image",
            "image_url": release.artwork_url,
            "alt_text": f"{release.title} artwork"[:2000],
        }
    return block


class SlackAnnouncements:
    """Announcement copies: blocks under the artist's name and icon, edited in place, pinned
    when asked."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def post(self, target: ChannelRef, message: OutgoingMessage) -> SendResult:
        text = render_slack(message.text, message.mention_map)
        args = authored_args(target, message, f"{TITLE}: {text}"[:SECTION_LIMIT], None)
        args["blocks"] = announcement_blocks(message, text)
        async with platform_errors():
            ts = str((await self.client.chat_postMessage(**args))["ts"])
        if message.pin:
            await self._pin(target, ts)
        return SendResult((ts,))

    async def _pin(self, target: ChannelRef, ts: str) -> None:
        try:
            await self.client.pins_add(channel=target.channel, timestamp=ts)
        except SlackApiError as exc:
            log.warning("=> %s announcement not pinned: %s", target, exc.response.get("error"))

    async def edit(
        self, target: ChannelRef, copies: Sequence[MessageCopy], message: OutgoingMessage
    ) -> SendResult:
        ts = copies[0].platform_message_id
        text = render_slack(message.text, message.mention_map)
        async with platform_errors():
            await self.client.chat_update(
                channel=target.channel,
                ts=ts,
                text=f"{TITLE}: {text}"[:SECTION_LIMIT],
                blocks=announcement_blocks(message, text),
            )
        return SendResult((ts,), copies[0].thread_id)


# -- the command ---------------------------------------------------------------------------
def announce_fields(text: str) -> dict[str, Any]:
    """The action and options of ``/announce <text>`` (the text as Slack sent it, escaped)."""
    words = text.split()
    first = words[0].lower() if words else ""
    if first in ("edit", "delete", "cancel"):
        number = words[1] if len(words) > 1 and words[1].lstrip("#").isdigit() else "0"
        fields: dict[str, Any] = {"action": first, "announcement_id": int(number.lstrip("#"))}
        return fields | {"text": parse_slack(" ".join(words[2:]))}
    if first in ("list", "zone") and (first == "zone" or len(words) == 1):
        return {"action": first, "text": parse_slack(" ".join(words[1:]))}
    if first == "event":
        return event_fields(text.split(None, 1)[1] if len(words) > 1 else "")
    if first == "party":
        return _party_fields(text.split(None, 1)[1] if len(words) > 1 else "")
    found = WHEN.search(text)
    when = next((g for g in found.groups() if g), "") if found else ""
    text = WHEN.sub(" ", text)
    options = {m.group(1).lower(): _url(m.group(2)) for m in OPTION.finditer(text)}
    rest = PIN.sub(" ", OPTION.sub(" ", text)).strip()
    return {
        "action": "post",
        "text": parse_slack(rest),
        "pin": bool(PIN.search(OPTION.sub(" ", text))),
        "group": options.get("group", ""),
        "image_url": options.get("image", ""),
        "link": options.get("link", ""),
        "when": unescape(when.strip()),
    }


def _party_fields(text: str) -> dict[str, Any]:
    """``party <top|recent|links...> when:<time> [text]``: the source is the leading
    ``top`` / ``recent`` or links, the words after it the announcement's text."""
    found = WHEN.search(text)
    when = next((g for g in found.groups() if g), "") if found else ""
    options = {m.group(1).lower(): m.group(2) for m in OPTION.finditer(text)}
    words = OPTION.sub(" ", WHEN.sub(" ", text)).split()
    source: list[str] = []
    while words and (words[0].lower() in ("top", "recent") or URL.match(words[0])):
        source.append(_url(words.pop(0)))
    return {
        "action": "party",
        "link": " ".join(source),
        "text": parse_slack(" ".join(words)),
        "group": options.get("group", ""),
        "when": unescape(when.strip()),
    }


def _url(value: str) -> str:
    found = URL.match(value)
    return unescape(found.group(1) if found else value)


class SlackAnnounce:
    def __init__(self, dispatch: Dispatch, users: UserCache) -> None:
        self.dispatch = dispatch
        self.users = users

    async def on_command(self, ack: Any, command: dict[str, Any], respond: Any) -> None:
        await ack()
        team = str(command.get("team_id", ""))
        user_id = str(command.get("user_id", ""))
        profile = await self.users.get(user_id)
        text = str(command.get("text") or "")
        event = AnnounceInvoked(
            key=f"announce:{command.get('trigger_id') or command.get('channel_id')}:{text}",
            channel=convert.channel_of(team, {"channel": command.get("channel_id")}),
            user=UserRef(Platform.SLACK, team, user_id),
            display_name=profile.name,
            avatar_url=profile.avatar_url,
            zone=profile.tz,
            **announce_fields(text),
        )
        outcome = await self.dispatch(event)
        answer = outcome.text if isinstance(outcome, Reply) else "Done."
        if isinstance(outcome, Announced):
            answer += "\n" + await outcome.progress(PROGRESS_WAIT)
        await respond(text=answer, response_type="ephemeral")
