"""What the store hands back: plain frozen records, no ORM objects cross into the core."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bridge.actions import OutboxAction
from bridge.ids import ChannelRef, Direction, GroupKind, MessageCopy, Role, UserRef, Visibility


@dataclass(frozen=True, slots=True)
class FanGroup:
    id: int
    slug: str
    name: str
    kind: GroupKind
    visibility: Visibility
    created_by: str | None
    created_at: float
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChannelLink:
    group_id: int
    channel: ChannelRef
    direction: Direction
    webhook_ref: str | None
    linked_by: str | None
    linked_at: float
    channel_name: str | None = None  # the channel's name on its platform, as last seen


@dataclass(frozen=True, slots=True)
class Account:
    """A platform account and the member (person) it belongs to."""

    id: int
    member_id: int
    user: UserRef
    display_name: str
    avatar_url: str | None


@dataclass(frozen=True, slots=True)
class GroupRole:
    group_id: int
    member_id: int
    role: Role
    granted_by: str | None


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """The canonical message: one per logical message, whatever the number of copies."""

    id: int
    group_id: int
    author: UserRef | None
    origin: ChannelRef
    origin_message_id: str
    parent_id: int | None
    text: str
    created_at: float
    edited_at: float | None
    deleted_at: float | None
    posted_at: float | None = None  # when the origin was posted on its platform, if known


@dataclass(frozen=True, slots=True)
class SongMoment:
    """Where a message falls in a song (a timed comment): the song a party played when it was
    posted, and the position. Recorded with the message, in its transaction."""

    item_id: int
    position_ms: int
    party_id: int | None
    platform: str  # where it was written: discord | slack | web


@dataclass(frozen=True, slots=True)
class MessageDraft:
    """A message to record: the canonical message, its origin copy and its outbox rows (each
    action gets the new message's id), written together."""

    group_id: int
    author: UserRef | None
    origin: ChannelRef
    origin_message_id: str
    text: str
    parent_id: int | None = None
    fanout: tuple[OutboxDraft, ...] = ()
    thread_id: str | None = None
    posted_at: float | None = None
    moment: SongMoment | None = None  # stamped with the song playing then


@dataclass(frozen=True, slots=True)
class Recorded:
    """A message the store recorded, and those of its outbox items it claimed for the caller
    at once (asked with a lease; only where nothing else waits for that channel)."""

    message: StoredMessage
    claimed: tuple[OutboxItem, ...] = ()


@dataclass(frozen=True, slots=True)
class Delivered:
    """An outbox item delivered: it is done, and the copies its delivery made are recorded, in
    the same transaction (a crash leaves both undone, and the lease expiry resumes it)."""

    item_id: int
    copies: tuple[MessageCopy, ...] = ()


class OutboxStatus(StrEnum):
    PENDING = "pending"
    INFLIGHT = "inflight"
    DONE = "done"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class OutboxDraft:
    """An action to enqueue: target channel, typed action, optional dependency."""

    target: ChannelRef
    action: OutboxAction
    depends_on: int | None = None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    target: ChannelRef
    action: OutboxAction
    depends_on: int | None
    status: OutboxStatus
    attempts: int
    next_attempt_at: float
    last_error: str | None
    created_at: float
    # an earlier delivery of this item may have reached the platform unrecorded (its worker
    # died, or the answer never came): look before posting again
    resumed: bool = False


@dataclass(frozen=True, slots=True)
class ItemLink:
    platform: str
    kind: str
    platform_id: str
    url: str


@dataclass(frozen=True, slots=True)
class MusicItem:
    id: int
    kind: str
    title: str
    artists: tuple[str, ...]
    album: str | None
    duration_ms: int | None
    isrc: str | None
    upc: str | None
    artwork_url: str | None
    links: tuple[ItemLink, ...] = ()


@dataclass(frozen=True, slots=True)
class ShareDraft:
    link_key: str
    platform: str
    url: str


@dataclass(frozen=True, slots=True)
class TabEntry:
    """One row of a group's music tab: a resolved item, or a link not (yet) resolved."""

    key: str
    item: MusicItem | None
    url: str
    platform: str
    shares: int
    reactions: int
    first_shared_at: float
    last_shared_at: float
    sharers: tuple[str, ...]
