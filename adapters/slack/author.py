"""A copy under its author's name on Slack (a leaf: relayed copies and announcements): the name
with its badge, and the chat.postMessage arguments that show it (name, icon, thread, and the
echo marker in the message's metadata)."""

from __future__ import annotations

from typing import Any

from adapters.slack.convert import MARKER_EVENT_TYPE
from adapters.slack.mrkdwn import escape
from bridge.actions import OutgoingMessage
from bridge.ids import ChannelRef


def shown_name(message: OutgoingMessage) -> str:
    badge = f" · {message.badge}" if message.badge else ""
    return message.author_name[: 80 - len(badge)] + badge  # the badge is never cut off


def name_text(message: OutgoingMessage) -> str:
    """The author's name inside bold mrkdwn: escaped, and no ``*`` to end the bold early."""
    return escape(shown_name(message) or "fan").replace("*", "∗")


def authored_args(
    target: ChannelRef, message: OutgoingMessage, text: str, thread_ts: str | None
) -> dict[str, Any]:
    args: dict[str, Any] = {
        "channel": target.channel,
        "text": text,
        "username": shown_name(message) or "fan",
        "unfurl_links": False,
        "metadata": {
            "event_type": MARKER_EVENT_TYPE,
            "event_payload": {"marker": message.marker},
        },
    }
    if message.author_avatar:
        args["icon_url"] = message.author_avatar
    if thread_ts:
        args["thread_ts"] = thread_ts
    return args
