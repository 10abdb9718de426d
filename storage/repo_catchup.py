"""What catch-up reads and keeps: a channel's recent copies, the reactions people made there,
and the state remembered between runs (a workspace's ban list as last read)."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import ColumnElement, Row, func
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bridge.ids import ChannelRef, Direction, MessageCopy, Platform
from bridge.pipeline.catchup.model import CAUGHT_UP, ChannelMarks, StoredReaction
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


CHUNK = 250  # links converted between two turns of the event loop
DIRECTIONS = {d.value: d for d in Direction}  # a dict lookup, not Enum() per row


def _link(platform: Platform, row: Row[Any]) -> ChannelLink:
    return ChannelLink(
        group_id=row.group_id,
        channel=ChannelRef(platform, row.workspace_id, row.channel_id),
        direction=DIRECTIONS[row.direction],
        webhook_ref=row.webhook_ref,
        linked_by=row.linked_by,
        linked_at=row.linked_at,
        channel_name=row.channel_name,
    )


def _caught_up(platform: Platform) -> Any:
    """The platform's caught-up marks: a key range, so the primary key's index serves it."""
    table = SyncStateRow.__table__  # type: ignore[attr-defined]
    prefix = f"{CAUGHT_UP}{platform.value}:"
    end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return sa_select(table.c.key, table.c.value).where(
        (table.c.key >= prefix) & (table.c.key < end)
    )


def _caught_up_mark(platform: Platform, key: str, value: list[str]) -> tuple[ChannelRef, float]:
    workspace, channel = key.split(":", 2)[2].rsplit(":", 1)
    return ChannelRef(platform, workspace, channel), float(value[0])


class CatchUpRepo(RepoBase):
    async def links_of(self, platform: Platform) -> list[ChannelLink]:
        """Every linked channel of ``platform``, oldest link first (plain rows: no ORM
        objects for tens of thousands of links)."""
        table = ChannelLinkRow.__table__  # type: ignore[attr-defined]
        query = sa_select(table).where(table.c.platform == platform.value).order_by(table.c.id)
        async with self.session() as s:
            rows = (await (await s.connection()).execute(query)).all()
        links: list[ChannelLink] = []
        for start in range(0, len(rows), CHUNK):
            links += [_link(platform, r) for r in rows[start : start + CHUNK]]
            await asyncio.sleep(0)  # live traffic (and /readyz) between two chunks
        return links

    async def channel_marks(self, platform: Platform, *, since: float) -> ChannelMarks:
        """For every channel of ``platform`` at once: the platform id of the last message
        people posted there that the bridge recorded, whether it holds the first part of a
        live message recorded since ``since``, and when its last catch-up completed (three
        queries, whatever the number of links)."""
        copy = MessageCopyRow.__table__  # type: ignore[attr-defined]
        message = MessageRow.__table__  # type: ignore[attr-defined]
        last = (
            sa_select(func.max(copy.c.id))
            .where((copy.c.platform == platform.value) & copy.c.is_origin)
            .group_by(copy.c.workspace_id, copy.c.channel_id)
        )
        newest = sa_select(copy.c.workspace_id, copy.c.channel_id, copy.c.platform_message_id)
        recent = (
            sa_select(copy.c.workspace_id, copy.c.channel_id)
            .distinct()
            .join(message, message.c.id == copy.c.message_id)
            .where(
                (copy.c.platform == platform.value)
                & (copy.c.part == 0)
                & (message.c.created_at >= since)
                & message.c.deleted_at.is_(None)
            )
        )
        async with self.session() as s:
            conn = await s.connection()
            origins = (await conn.execute(newest.where(copy.c.id.in_(last)))).all()
            live = (await conn.execute(recent)).all()
            caught = (await conn.execute(_caught_up(platform))).all()
        return ChannelMarks(
            newest_origin={ChannelRef(platform, w, c): m for w, c, m in origins},
            recent=frozenset(ChannelRef(platform, w, c) for w, c in live),
            caught_up=dict(_caught_up_mark(platform, k, v) for k, v in caught if v),
        )

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
