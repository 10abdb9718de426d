"""Canonical messages, their platform copies, and inbound-event dedupe."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select

from bridge.actions import write_action
from bridge.errors import CopyExists
from bridge.ids import ChannelRef, MessageCopy, UserRef
from bridge.records import OutboxDraft, StoredMessage
from storage import convert
from storage.base import RepoBase
from storage.tables import InboundEventRow, MessageCopyRow, MessageRow, OutboxRow


def outbox_row(draft: OutboxDraft, now: float) -> OutboxRow:
    return OutboxRow(
        target_platform=draft.target.platform.value,
        target_workspace=draft.target.workspace,
        target_channel=draft.target.channel,
        action=write_action(draft.action),
        depends_on=draft.depends_on,
        next_attempt_at=now,
        created_at=now,
    )


def _copy_row(
    message_id: int,
    channel: ChannelRef,
    platform_message_id: str,
    part: int,
    is_origin: bool,
    thread_id: str | None = None,
) -> MessageCopyRow:
    return MessageCopyRow(
        message_id=message_id,
        platform=channel.platform.value,
        workspace_id=channel.workspace,
        channel_id=channel.channel,
        platform_message_id=platform_message_id,
        part=part,
        is_origin=is_origin,
        thread_id=thread_id,
    )


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
    ) -> tuple[StoredMessage, list[int]]:
        now = self.clock.now()
        row = MessageRow(
            group_id=group_id,
            author_platform=author.platform.value if author else None,
            author_workspace=author.workspace if author else None,
            author_user=author.user if author else None,
            origin_platform=origin.platform.value,
            origin_workspace=origin.workspace,
            origin_channel=origin.channel,
            origin_message_id=origin_message_id,
            parent_id=parent_id,
            text=text,
            created_at=now,
            posted_at=posted_at,
        )
        try:
            async with self.session() as s:
                s.add(row)
                await s.flush()
                assert row.id is not None
                s.add(_copy_row(row.id, origin, origin_message_id, 0, True, thread_id))
                outbox = [
                    outbox_row(replace(d, action=d.action.of_message(row.id)), now) for d in fanout
                ]
                s.add_all(outbox)
                await s.flush()
                ids = [o.id for o in outbox if o.id is not None]
        except IntegrityError as exc:
            raise CopyExists(origin, origin_message_id, 0) from exc
        return convert.message(row), ids

    async def get_message(self, message_id: int) -> StoredMessage | None:
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
                s.add(InboundEventRow(platform=platform, dedupe_key=key, received_at=at))
        except IntegrityError:
            return False
        return True

    async def forget_event(self, *, platform: str, key: str) -> None:
        async with self.session() as s:
            await s.exec(
                delete(InboundEventRow).where(
                    (col(InboundEventRow.platform) == platform)
                    & (col(InboundEventRow.dedupe_key) == key)
                )
            )

    async def forget_events(self, *, before: float) -> int:
        async with self.session() as s:
            result = await s.exec(
                delete(InboundEventRow).where(col(InboundEventRow.received_at) < before)
            )
            return int(result.rowcount or 0)
