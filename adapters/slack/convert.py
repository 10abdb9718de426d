"""Slack Events API payloads → core events (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.slack.emoji import emoji_from_slack
from adapters.slack.mrkdwn import parse_slack
from bridge.events import (
    Attachment,
    Author,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionChanged,
)
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.text import repair_text

RELAYED_SUBTYPES = {None, "thread_broadcast", "file_share", "me_message"}
MARKER_EVENT_TYPE = "fanbridge_relay"


def team_of(body: Mapping[str, Any], event: Mapping[str, Any]) -> str:
    return str(event.get("team") or body.get("team_id") or "")


def channel_of(team: str, event: Mapping[str, Any]) -> ChannelRef:
    return ChannelRef(Platform.SLACK, team, str(event.get("channel", "")))


def marker_of(message: Mapping[str, Any]) -> str | None:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != MARKER_EVENT_TYPE:
        return None
    marker = (metadata.get("event_payload") or {}).get("marker")
    return str(marker) if marker else None


def files_of(message: Mapping[str, Any]) -> tuple[Attachment, ...]:
    return tuple(
        Attachment(
            url=str(f.get("url_private") or f.get("permalink") or ""),
            filename=repair_text(str(f.get("name") or "file")),
            size=int(f.get("size") or 0),
            content_type=str(f.get("mimetype") or ""),
        )
        for f in message.get("files") or []
    )


def message_posted(
    body: Mapping[str, Any], event: Mapping[str, Any], author: Author, names: Mapping[str, str]
) -> MessagePosted | None:
    if event.get("subtype") not in RELAYED_SUBTYPES or not event.get("user"):
        return None
    team = team_of(body, event)
    ts = str(event["ts"])
    thread_ts = event.get("thread_ts")
    return MessagePosted(
        key=f"{event.get('channel')}:{ts}",
        channel=channel_of(team, event),
        message_id=ts,
        author=author,
        text=parse_slack(str(event.get("text") or ""), names),
        attachments=files_of(event),
        thread_root=str(thread_ts) if thread_ts and thread_ts != ts else None,
        echo_marker=marker_of(event),
        at=float(ts),
    )


def message_edited(
    body: Mapping[str, Any], event: Mapping[str, Any], names: Mapping[str, str]
) -> MessageEdited | None:
    message = event.get("message") or {}
    if not message.get("ts") or "bot_id" in message:
        return None
    previous = event.get("previous_message") or {}
    if previous and message.get("text") == previous.get("text"):
        return None  # unfurls, reply counts, a save without a change: the text is the same
    team = team_of(body, event)
    edited = (message.get("edited") or {}).get("ts") or event.get("event_ts") or ""
    return MessageEdited(
        key=f"{event.get('channel')}:{message['ts']}:{edited}",
        channel=channel_of(team, event),
        message_id=str(message["ts"]),
        text=parse_slack(str(message.get("text") or ""), names),
        editor=UserRef(Platform.SLACK, team, str(message.get("user", ""))),
    )


def message_deleted(body: Mapping[str, Any], event: Mapping[str, Any]) -> MessageDeleted | None:
    deleted = event.get("deleted_ts") or (event.get("previous_message") or {}).get("ts")
    if not deleted:
        return None
    return MessageDeleted(
        key=f"{event.get('channel')}:{deleted}:delete",
        channel=channel_of(team_of(body, event), event),
        message_id=str(deleted),
    )


def reaction_changed(
    body: Mapping[str, Any], event: Mapping[str, Any], added: bool
) -> ReactionChanged | None:
    item = event.get("item") or {}
    if item.get("type") != "message" or not event.get("user"):
        return None
    team = team_of(body, event)
    return ReactionChanged(
        key="",
        channel=ChannelRef(Platform.SLACK, team, str(item.get("channel", ""))),
        message_id=str(item.get("ts", "")),
        user=UserRef(Platform.SLACK, team, str(event["user"])),
        emoji=emoji_from_slack(str(event.get("reaction", ""))),
        added=added,
    )


# what a slash command from a private channel or a DM says instead of the channel's name
NOT_A_NAME = ("privategroup", "directmessage")


def command_channel_name(command: Mapping[str, Any]) -> str:
    """The channel's name a slash command came with ("" when it names no channel)."""
    name = str(command.get("channel_name") or "")
    return "" if name in NOT_A_NAME or name.startswith("mpdm-") else name
