"""Canonical messages, their platform copies, and inbound-event dedupe."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bridge.errors import CopyExists
from bridge.ids import ChannelRef, MessageCopy, UserRef
from bridge.records import MessageDraft, OutboxDraft, Recorded, SongMoment, StoredMessage
from storage import bulk, convert
from storage.base import RepoBase
from storage.bulk import copy_values, outbox_values
from storage.cache import Region
from storage.tables import InboundEventRow, MessageCopyRow, MessageRow, MomentRow, OutboxRow

KEY_MAX = 200  # inbound_event.dedupe_key's width


def dedupe_key(key: str) -> str:
    """``key`` as stored: one longer than the column (a slash command's key carries its text)
    keeps its start and ends with its SHA-256, so it fits and still tells events apart."""
    if len(key) <= KEY_MAX:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: KEY_MAX - len(digest) - 1]}#{digest}"


def outbox_row(draft: OutboxDraft, now: float) -> OutboxRow:
    return OutboxRow(**outbox_values(draft, now))


def _copy_row(
    message_id: int,
    channel: ChannelRef,
    platform_message_id: str,
    part: int,
    is_origin: bool,
    thread_id: str | None = None,
) -> MessageCopyRow:
    copy = MessageCopy(message_id, channel, platform_message_id, part, is_origin, thread_id)
    return MessageCopyRow(**copy_values(copy))


class MessageRepo(RepoBase):
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
        try:
            async with self.session() as s:
                message, outbox = await self._add_message(s, draft, self.clock.now())
                ids = [o.id for o in outbox if o.id is not None]
        except IntegrityError as exc:
            raise CopyExists(origin, origin_message_id, 0) from exc
        self._keep(message)
        return message, ids

    async def record_messages(
        self, drafts: Sequence[MessageDraft], *, lease: float | None = None
    ) -> list[Recorded | None]:
        """Record several messages in one transaction (a group commit), in order; None for a
        draft whose origin copy is already recorded. Any failure fails the whole batch (nothing
        of it is kept); a lone draft whose origin copy a concurrent writer recorded first
        raises CopyExists."""
        now = self.clock.now()
        try:
            async with self.engine.begin() as conn:
                made = await conn.run_sync(bulk.record, drafts, now, lease)
        except IntegrityError as exc:
            lone = drafts[0] if len(drafts) == 1 else None
            if lone and await self.find_copy(lone.origin, lone.origin_message_id) is not None:
                raise CopyExists(lone.origin, lone.origin_message_id, 0) from exc
            raise
        for recorded in made:
            if recorded is not None:
                self._keep(recorded.message)
        return made

    async def _add_message(
        self, s: AsyncSession, draft: MessageDraft, now: float
    ) -> tuple[StoredMessage, list[OutboxRow]]:
        row = MessageRow(**bulk.message_values(draft, now))
        s.add(row)
        await s.flush()
        assert row.id is not None
        s.add(MessageCopyRow(**bulk.copy_values(bulk.origin_copy(draft, row.id))))
        stamped = bulk.moment_values(draft, row.id, now)
        if stamped is not None:
            s.add(MomentRow(**stamped))
        outbox = [outbox_row(d, now) for d in bulk.fanout_of(draft, row.id)]
        conn = await s.connection()  # ids in commit order per channel (bulk.lock_channels)
        await conn.run_sync(bulk.lock_channels, [d.target for d in draft.fanout])
        s.add_all(outbox)
        await s.flush()
        return convert.message(row), outbox

    def _messages(self) -> Region:
        return self.cache.region("message", "message", by_id=True)

    def _keep(self, message: StoredMessage) -> None:
        region = self._messages()
        self.cache.put(region, message.id, message, region.generation)

    async def get_message(self, message_id: int) -> StoredMessage | None:
        found = self.cache.get(self._messages(), message_id)
        if isinstance(found, StoredMessage):
            return found
        return await self.cached(self._messages(), message_id, lambda: self._message(message_id))

    async def _message(self, message_id: int) -> StoredMessage | None:
        async with self.session() as s:
            row = await s.get(MessageRow, message_id)
            return convert.message(row) if row else None

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
        row = _copy_row(message_id, channel, platform_message_id, part, is_origin, thread_id)
        try:
            async with self.session() as s:
                s.add(row)
        except IntegrityError as exc:
            raise CopyExists(channel, platform_message_id, part) from exc
        return convert.copy(row)

    async def find_copy(self, channel: ChannelRef, platform_message_id: str) -> MessageCopy | None:
        query = (
            select(MessageCopyRow)
            .where(
                (col(MessageCopyRow.platform) == channel.platform.value)
                & (col(MessageCopyRow.workspace_id) == channel.workspace)
                & (col(MessageCopyRow.channel_id) == channel.channel)
                & (col(MessageCopyRow.platform_message_id) == platform_message_id)
            )
            .order_by(col(MessageCopyRow.part))
        )
        async with self.session() as s:
            row = (await s.exec(query)).first()
            return convert.copy(row) if row else None

    async def copies_of(self, message_id: int) -> list[MessageCopy]:
        query = (
            select(MessageCopyRow)
            .where(MessageCopyRow.message_id == message_id)
            .order_by(col(MessageCopyRow.id))
        )
        async with self.session() as s:
            return [convert.copy(r) for r in (await s.exec(query)).all()]

    async def mark_edited(self, message_id: int, *, text: str, at: float) -> None:
        async with self.session() as s:
            row = await s.get(MessageRow, message_id)
            if row is not None:
                row.text, row.edited_at = text, at
                s.add(row)

    async def mark_deleted(self, message_id: int, *, at: float) -> None:
        async with self.session() as s:
            row = await s.get(MessageRow, message_id)
            if row is not None and row.deleted_at is None:
                row.deleted_at = at
                s.add(row)

    async def remember_event(self, *, platform: str, key: str, at: float) -> bool:
        try:
            async with self.session() as s:
                s.add(
                    InboundEventRow(platform=platform, dedupe_key=dedupe_key(key), received_at=at)
                )
        except IntegrityError:
            return False
        return True

    async def forget_event(self, *, platform: str, key: str) -> None:
        async with self.session() as s:
            await s.exec(
                delete(InboundEventRow).where(
                    (col(InboundEventRow.platform) == platform)
                    & (col(InboundEventRow.dedupe_key) == dedupe_key(key))
                )
            )

    async def forget_events(self, *, before: float) -> int:
        async with self.session() as s:
            result = await s.exec(
                delete(InboundEventRow).where(col(InboundEventRow.received_at) < before)
            )
            return int(result.rowcount or 0)
