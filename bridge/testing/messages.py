"""Canonical messages, their platform copies and inbound-event dedupe, in memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bridge.errors import CopyExists
from bridge.ids import ChannelRef, MessageCopy, UserRef
from bridge.records import (
    MessageDraft,
    OutboxDraft,
    OutboxItem,
    OutboxStatus,
    Recorded,
    SongMoment,
    StoredMessage,
)
from bridge.testing.tables import UNFINISHED, OutboxRow, Tables, item_of


def add_outbox_rows(tables: Tables, drafts: Sequence[OutboxDraft], at: float) -> list[int]:
    """Queue ``drafts`` as given (the outbox keeps whatever action it is handed)."""
    ids: list[int] = []
    for draft in drafts:
        row_id = tables.next_id("outbox")
        tables.outbox[row_id] = OutboxRow(
            row_id, draft.target, draft.action, draft.depends_on, next_attempt_at=at, created_at=at
        )
        ids.append(row_id)
    return ids


def for_message(draft: OutboxDraft, message_id: int) -> OutboxDraft:
    """A fan-out draft that names the message it follows from."""
    return replace(draft, action=draft.action.of_message(message_id))


def _claimed_for(
    message: StoredMessage,
    fanout: Sequence[tuple[int, OutboxDraft]],
    claimed: dict[int, OutboxItem],
) -> tuple[OutboxItem, ...]:
    return tuple(item for i, item in claimed.items() if fanout[i][0] == message.id)


class MemoryMessages:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    async def record_message(
        self,
        *,
        group_id: int,
        author: UserRef | None,
        origin: ChannelRef,
        origin_message_id: str,
        text: str,
        parent_id: int | None = None,
        fanout: Sequence[OutboxDraft] = (),
        thread_id: str | None = None,
        posted_at: float | None = None,
        moment: SongMoment | None = None,
    ) -> tuple[StoredMessage, list[int]]:
        draft = MessageDraft(
            group_id=group_id,
            author=author,
            origin=origin,
            origin_message_id=origin_message_id,
            text=text,
            parent_id=parent_id,
            fanout=tuple(fanout),
            thread_id=thread_id,
            posted_at=posted_at,
            moment=moment,
        )
        if self._known(draft):
            raise CopyExists(origin, origin_message_id, 0)
        return self._add(draft, self.t.clock.now())

    async def record_messages(
        self, drafts: Sequence[MessageDraft], *, lease: float | None = None
    ) -> list[Recorded | None]:
        now = self.t.clock.now()
        made: list[StoredMessage | None] = []
        fanout: list[tuple[int, OutboxDraft]] = []
        for draft in drafts:
            message = None if self._known(draft) else self._message(draft, now)
            made.append(message)
            if message is not None:
                fanout += [(message.id, for_message(d, message.id)) for d in draft.fanout]
        claimed = {} if lease is None else self._claim_first([d for _, d in fanout], now, lease)
        add_outbox_rows(self.t, [d for i, (_, d) in enumerate(fanout) if i not in claimed], now)
        return [None if m is None else Recorded(m, _claimed_for(m, fanout, claimed)) for m in made]

    def _claim_first(
        self, fanout: Sequence[OutboxDraft], now: float, lease: float
    ) -> dict[int, OutboxItem]:
        """Queue, claimed for ``lease``, the first item of each target channel that has no
        unfinished item (before the others, so it keeps its channel's lowest id); by index."""
        busy = {r.target for r in self.t.outbox.values() if r.status in UNFINISHED}
        claimed: dict[int, OutboxItem] = {}
        for index, draft in enumerate(fanout):
            if draft.target in busy:
                continue
            busy.add(draft.target)
            [row_id] = add_outbox_rows(self.t, [draft], now)
            row = self.t.outbox[row_id]
            row.status, row.claimed_until = OutboxStatus.INFLIGHT, now + lease
            claimed[index] = item_of(row)
        return claimed

    def _known(self, draft: MessageDraft) -> bool:
        return (draft.origin, draft.origin_message_id, 0) in self.t.copies

    def _add(self, draft: MessageDraft, now: float) -> tuple[StoredMessage, list[int]]:
        message = self._message(draft, now)
        fanout = [for_message(d, message.id) for d in draft.fanout]
        return message, add_outbox_rows(self.t, fanout, now)

    def _message(self, draft: MessageDraft, now: float) -> StoredMessage:
        """The canonical message and its origin copy (its fan-out is queued by the caller)."""
        message = StoredMessage(
            id=self.t.next_id("message"),
            group_id=draft.group_id,
            author=draft.author,
            origin=draft.origin,
            origin_message_id=draft.origin_message_id,
            parent_id=draft.parent_id,
            text=draft.text,
            created_at=now,
            edited_at=None,
            deleted_at=None,
            posted_at=draft.posted_at,
        )
        self.t.messages[message.id] = message
        key = (draft.origin, draft.origin_message_id, 0)
        self.t.copies[key] = MessageCopy(message.id, *key, True, draft.thread_id)
        if draft.moment is not None:
            self.t.add_moment(draft, message.id, draft.posted_at or now)
        return message

    async def get_message(self, message_id: int) -> StoredMessage | None:
        return self.t.messages.get(message_id)

    async def add_copy(
        self,
        *,
        message_id: int,
        channel: ChannelRef,
        platform_message_id: str,
        part: int = 0,
        is_origin: bool = False,
        thread_id: str | None = None,
    ) -> MessageCopy:
        key = (channel, platform_message_id, part)
        if key in self.t.copies:
            raise CopyExists(channel, platform_message_id, part)
        copy = MessageCopy(message_id, channel, platform_message_id, part, is_origin, thread_id)
        self.t.copies[key] = copy
        return copy

    async def find_copy(self, channel: ChannelRef, platform_message_id: str) -> MessageCopy | None:
        found = [
            c
            for (where, pid, _), c in self.t.copies.items()
            if where == channel and pid == platform_message_id
        ]
        return min(found, key=lambda c: c.part, default=None)

    async def copies_of(self, message_id: int) -> list[MessageCopy]:
        return self.t.message_copies(message_id)

    async def mark_edited(self, message_id: int, *, text: str, at: float) -> None:
        message = self.t.messages.get(message_id)
        if message is not None:
            self.t.messages[message_id] = replace(message, text=text, edited_at=at)

    async def mark_deleted(self, message_id: int, *, at: float) -> None:
        message = self.t.messages.get(message_id)
        if message is not None and message.deleted_at is None:
            self.t.messages[message_id] = replace(message, deleted_at=at)


class MemoryEvents:
    """Inbound-event dedupe keys."""

    def __init__(self, tables: Tables) -> None:
        self.t = tables

    async def remember_event(self, *, platform: str, key: str, at: float) -> bool:
        if (platform, key) in self.t.events:
            return False
        self.t.events[(platform, key)] = at
        return True

    async def forget_event(self, *, platform: str, key: str) -> None:
        self.t.events.pop((platform, key), None)

    async def forget_events(self, *, before: float) -> int:
        old = [k for k, at in self.t.events.items() if at < before]
        for key in old:
            del self.t.events[key]
        return len(old)
