"""What the core asks an adapter to do. The outbox worker builds these from stored state at send
time, so a retried action always sends the latest text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from bridge.announce.release_card import Release
from bridge.events import Attachment
from bridge.ids import MessageCopy
from bridge.text import Document, Emoji


@dataclass(frozen=True, slots=True)
class ReplyContext:
    """The message a reply answers, for platforms that show replies as a quote header."""

    author_name: str
    snippet: str
    platform_message_id: str | None = None  # the parent's copy in the target channel


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    author_name: str
    author_avatar: str | None
    text: Document
    marker: str  # echo guard: the adapter attaches it (Discord nonce, Slack metadata)
    attachments: tuple[Attachment, ...] = ()
    thread_root: MessageCopy | None = None  # thread under this copy (same target channel)
    thread_name: str | None = None  # the thread root's plain text: what a new thread is called
    reply: ReplyContext | None = None
    # source-platform user id -> target-platform user id, for mentions that may be real pings
    mention_map: Mapping[str, str] = field(default_factory=dict)
    badge: str | None = None  # e.g. "artist": a visible badge next to the name
    max_attachment_bytes: int = 8 * 1024 * 1024
    first_part: int = 0  # parts before this one were delivered by an earlier attempt
    style: str | None = None  # "announcement": an embed (Discord) or blocks (Slack)
    image_url: str | None = None  # the announcement's image
    pin: bool = False  # pin the copy once it is posted
    release: Release | None = None  # a linked track/album: artwork and links per platform


@dataclass(frozen=True, slots=True)
class SendResult:
    """The platform ids of the parts the adapter created, in order, and the thread they are in."""

    ids: tuple[str, ...]
    thread_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReactionChange:
    emoji: Emoji
    add: bool


def styled(message: OutgoingMessage, action: Mapping[str, Any]) -> OutgoingMessage:
    """``message`` with the presentation an outbox action asks for (an announcement's)."""
    announce = action.get("announce")
    if not isinstance(announce, Mapping):
        return message
    image = announce.get("image_url")
    release = announce.get("release")
    return replace(
        message,
        style="announcement",
        image_url=str(image) if image else None,
        pin=bool(announce.get("pin")) and action.get("kind") == "post",
        release=Release.from_json(release) if isinstance(release, Mapping) else None,
    )
