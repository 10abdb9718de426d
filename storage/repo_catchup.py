"""What catch-up reads and keeps: a channel's recent copies, the reactions people made there,
and the state remembered between runs (a workspace's ban list as last read)."""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bridge.ids import ChannelRef, MessageCopy, Platform
from bridge.pipeline.catchup.model import StoredReaction
from bridge.records import ChannelLink
from storage import convert
from storage.base import RepoBase
from storage.tables import (
    ChannelLinkRow,
    MessageCopyRow,
    MessageRow,
    ReactionRow,
    SyncStateRow,
)


def _in_channel(channel: ChannelRef) -> ColumnElement[bool]:
    return (
        (col(MessageCopyRow.platform) == channel.platform.value)
        & (col(MessageCopyRow.workspace_id) == channel.workspace)
        & (col(MessageCopyRow.channel_id) == channel.channel)
    )


class CatchUpRepo(RepoBase):
    async def list_links(self) -> list[ChannelLink]:
        """Every linked channel of every group."""
        query = select(ChannelLinkRow).order_by(col(ChannelLinkRow.id))
        async with self.session() as s:
            return [convert.link(r) for r in (await s.exec(query)).all()]

    async def newest_origin(self, channel: ChannelRef) -> MessageCopy | None:
        """The last message people posted in ``channel`` that the bridge recorded."""
        query = (
            select(MessageCopyRow)
            .where(_in_channel(channel) & col(MessageCopyRow.is_origin))
            .order_by(col(MessageCopyRow.id).desc())
            .limit(1)
        )
        async with self.session() as s:
            row = (await s.exec(query)).first()
            return convert.copy(row) if row else None

    async def recent_copies(self, channel: ChannelRef, *, since: float) -> list[MessageCopy]:
        """First parts of the live (not deleted) messages recorded since ``since`` that have a
        copy in ``channel``, origin or relayed, oldest first."""
        query = (
            select(MessageCopyRow)
            .join(MessageRow, col(MessageRow.id) == col(MessageCopyRow.message_id))
            .where(
                _in_channel(channel)
                & (col(MessageCopyRow.part) == 0)
                & (col(MessageRow.created_at) >= since)
                & col(MessageRow.deleted_at).is_(None)
            )
            .order_by(col(MessageCopyRow.id))
        )
        async with self.session() as s:
            return [convert.copy(r) for r in (await s.exec(query)).all()]

    async def reactions_of(self, message_id: int) -> list[StoredReaction]:
        """Every person's reaction on the message, wherever they made it."""
        query = select(ReactionRow).where(col(ReactionRow.message_id) == message_id)
        async with self.session() as s:
            rows = (await s.exec(query)).all()
        return [
            StoredReaction(
                key=r.emoji,
                emoji_json=r.emoji_json,
                channel=ChannelRef(Platform(r.platform), r.workspace_id, r.channel_id),
                user=r.user_id,
            )
            for r in rows
        ]

    async def get_sync_state(self, key: str) -> list[str] | None:
        async with self.session() as s:
            row = await s.get(SyncStateRow, key)
            return list(row.value) if row is not None else None

    async def set_sync_state(self, key: str, value: list[str]) -> None:
        now = self.clock.now()
        async with self.session() as s:
            row = await s.get(SyncStateRow, key)
            if row is not None:
                row.value, row.updated_at = list(value), now
                s.add(row)
                return
        try:
            async with self.session() as s:
                s.add(SyncStateRow(key=key, value=list(value), updated_at=now))
        except IntegrityError:  # another worker wrote it first: theirs is as fresh as ours
            return
