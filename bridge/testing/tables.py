"""The in-memory store's tables: what every slice reads and writes, like the one database the
SQL repositories share. Rows are mutable here (they are the database); slices hand out the
frozen records of ``bridge.records``, never these rows."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bridge.actions import OutboxAction
from bridge.ids import ChannelRef, MessageCopy, UserRef
from bridge.party.model import MomentDraft
from bridge.ports.clock import Clock
from bridge.ports.store import MemberTimeout, ModAction
from bridge.records import (
    Account,
    ChannelLink,
    FanGroup,
    GroupRole,
    MessageDraft,
    MusicItem,
    OutboxItem,
    OutboxStatus,
    StoredMessage,
)


@dataclass
class OutboxRow:
    id: int
    target: ChannelRef
    action: OutboxAction
    depends_on: int | None
    next_attempt_at: float
    created_at: float
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    claimed_until: float | None = None
    result: dict[str, Any] | None = None


@dataclass
class CacheRow:
    """The resolution state of one link key."""

    link_key: str
    url: str
    next_attempt_at: float
    status: str = "pending"
    item_id: int | None = None
    attempts: int = 0
    last_error: str | None = None


@dataclass
class ShareRow:
    id: int
    group_id: int
    message_id: int
    item_id: int | None
    link_key: str
    platform: str
    url: str
    shared_by: UserRef
    shared_by_name: str
    shared_at: float
    removed_at: float | None = None


@dataclass
class ReactionRow:
    message_id: int
    emoji: str
    emoji_json: str
    user: UserRef
    channel: ChannelRef


@dataclass
class EffectRow:
    id: int
    action_id: int
    channel: ChannelRef
    status: str
    detail: str


UNFINISHED = (OutboxStatus.PENDING, OutboxStatus.INFLIGHT)


def item_of(row: OutboxRow, resumed: bool = False) -> OutboxItem:
    """The outbox row as the store hands it out."""
    return OutboxItem(
        id=row.id,
        target=row.target,
        action=row.action,
        depends_on=row.depends_on,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        created_at=row.created_at,
        resumed=resumed,
    )


def counter() -> Iterator[int]:
    return itertools.count(1)


@dataclass
class Tables:
    """Every table, keyed the way the SQL schema is unique. Dicts keep insertion order, which
    is id order, as the SQL queries order by id."""

    clock: Clock
    ids: dict[str, Iterator[int]] = field(default_factory=dict)
    groups: dict[int, FanGroup] = field(default_factory=dict)
    links: dict[ChannelRef, ChannelLink] = field(default_factory=dict)
    accounts: dict[UserRef, Account] = field(default_factory=dict)
    member_zones: dict[int, str] = field(default_factory=dict)
    roles: list[GroupRole] = field(default_factory=list)
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    copies: dict[tuple[ChannelRef, str, int], MessageCopy] = field(default_factory=dict)
    events: dict[tuple[str, str], float] = field(default_factory=dict)
    outbox: dict[int, OutboxRow] = field(default_factory=dict)
    reactions: list[ReactionRow] = field(default_factory=list)
    items: dict[int, MusicItem] = field(default_factory=dict)
    match_keys: dict[int, str | None] = field(default_factory=dict)
    item_links: dict[tuple[str, str, str], int] = field(default_factory=dict)
    cache: dict[str, CacheRow] = field(default_factory=dict)
    shares: dict[int, ShareRow] = field(default_factory=dict)
    mod_actions: dict[int, ModAction] = field(default_factory=dict)  # the modlog
    effects: dict[int, EffectRow] = field(default_factory=dict)
    timeouts: dict[tuple[int, int], MemberTimeout] = field(default_factory=dict)  # group, member
    # timed comments, once per (message, song): (moment id, the stamp)
    moments: dict[tuple[int, int], tuple[int, MomentDraft]] = field(default_factory=dict)

    def next_id(self, table: str) -> int:
        return next(self.ids.setdefault(table, counter()))

    def add_moment(self, draft: MessageDraft, message_id: int, at: float) -> None:
        """The message's timed comment (``draft.moment``), recorded with it."""
        moment = draft.moment
        if moment is None or (message_id, moment.item_id) in self.moments:
            return
        stamp = MomentDraft(
            group_id=draft.group_id,
            item_id=moment.item_id,
            position_ms=max(0, moment.position_ms),
            party_id=moment.party_id,
            message_id=message_id,
            platform=moment.platform,
            at=at,
        )
        self.moments[(message_id, moment.item_id)] = (self.next_id("moment"), stamp)

    def message_copies(self, message_id: int) -> list[MessageCopy]:
        return [c for c in self.copies.values() if c.message_id == message_id]

    def account_of(self, user: UserRef) -> Account | None:
        return self.accounts.get(user)

    def reaction_count(self, message_id: int) -> int:
        return sum(1 for r in self.reactions if r.message_id == message_id)
