"""Rows written in bulk: plain column values and one INSERT per table, without the ORM's unit
of work (building ORM rows cost more than writing them). The group commits use these."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Table
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bridge.actions import write_action
from bridge.ids import ChannelRef, MessageCopy
from bridge.records import (
    MessageDraft,
    OutboxDraft,
    OutboxItem,
    OutboxStatus,
    Recorded,
    StoredMessage,
)
from storage import convert
from storage.tables import MessageCopyRow, MessageRow, OutboxRow

UNFINISHED = (OutboxStatus.PENDING.value, OutboxStatus.INFLIGHT.value)


def outbox_values(draft: OutboxDraft, now: float) -> dict[str, Any]:
    return dict(
        target_platform=draft.target.platform.value,
        target_workspace=draft.target.workspace,
        target_channel=draft.target.channel,
        action=write_action(draft.action),
        depends_on=draft.depends_on,
        status=OutboxStatus.PENDING.value,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )


def copy_values(copy: MessageCopy) -> dict[str, Any]:
    return dict(
        message_id=copy.message_id,
        platform=copy.channel.platform.value,
        workspace_id=copy.channel.workspace,
        channel_id=copy.channel.channel,
        platform_message_id=copy.platform_message_id,
        part=copy.part,
        is_origin=copy.is_origin,
        thread_id=copy.thread_id,
    )


def message_values(draft: MessageDraft, now: float) -> dict[str, Any]:
    author = draft.author
    return dict(
        group_id=draft.group_id,
        author_platform=author.platform.value if author else None,
        author_workspace=author.workspace if author else None,
        author_user=author.user if author else None,
        origin_platform=draft.origin.platform.value,
        origin_workspace=draft.origin.workspace,
        origin_channel=draft.origin.channel,
        origin_message_id=draft.origin_message_id,
        parent_id=draft.parent_id,
        text=draft.text,
        created_at=now,
        posted_at=draft.posted_at,
    )


def stored(draft: MessageDraft, message_id: int, now: float) -> StoredMessage:
    """The message as ``message_values`` records it."""
    return StoredMessage(
        id=message_id,
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


def origin_copy(draft: MessageDraft, message_id: int) -> MessageCopy:
    return MessageCopy(message_id, draft.origin, draft.origin_message_id, 0, True, draft.thread_id)


def fanout_of(draft: MessageDraft, message_id: int) -> list[OutboxDraft]:
    """The message's outbox drafts, each action naming the new message."""
    return [replace(d, action=d.action.of_message(message_id)) for d in draft.fanout]


def _table(model: type[SQLModel]) -> Table:
    """The model's table: written through SQLAlchemy Core, without the ORM's bulk machinery
    (which costs more than the INSERT itself for a handful of rows)."""
    table = SQLModel.metadata.tables[str(model.__tablename__)]
    assert isinstance(table, Table)
    return table


async def insert_values(
    s: AsyncSession, table: type[SQLModel], values: Sequence[dict[str, Any]]
) -> None:
    """Insert rows of one table in one statement (no ids read back)."""
    if values:
        await s.exec(_table(table).insert(), params=list(values))


async def insert_messages(
    s: AsyncSession, drafts: Sequence[MessageDraft], now: float, *, lease: float | None = None
) -> list[Recorded]:
    """Insert the drafts' messages in one statement, and their origin copies and outbox rows
    in one each. Each draft's origin must be new (see ``fresh``). With a ``lease``, the first
    item of each target channel that has no unfinished item is inserted claimed (before the
    others, so it keeps the lowest id of its channel) and returned with its message."""
    if not drafts:
        return []
    table = _table(MessageRow)
    origin = ("origin_platform", "origin_workspace", "origin_channel", "origin_message_id")
    statement = table.insert().returning(table.c.id, *(table.c[name] for name in origin))
    result = await s.exec(statement, params=[message_values(d, now) for d in drafts])
    ids = {tuple(found[1:]): int(found[0]) for found in result.all()}
    made = [stored(d, ids[_origin_key(d)], now) for d in drafts]
    copies = [copy_values(origin_copy(d, m.id)) for d, m in zip(drafts, made, strict=True)]
    await insert_values(s, MessageCopyRow, copies)
    outbox = [(m.id, o) for d, m in zip(drafts, made, strict=True) for o in fanout_of(d, m.id)]
    free = await _claimable(s, [o for _, o in outbox]) if lease is not None else set()
    claimed = await _insert_claimed(s, [outbox[i] for i in sorted(free)], now, lease or 0.0)
    pending = [outbox_values(o, now) for i, (_, o) in enumerate(outbox) if i not in free]
    await insert_values(s, OutboxRow, pending)
    return [Recorded(m, tuple(claimed.get(m.id, ()))) for m in made]


async def _claimable(s: AsyncSession, drafts: Sequence[OutboxDraft]) -> set[int]:
    """The indexes of the drafts that may be claimed at once: the first of each target channel
    that has no unfinished item (per-channel order)."""
    channels = {d.target.channel for d in drafts}
    query = (
        select(OutboxRow.target_platform, OutboxRow.target_workspace, OutboxRow.target_channel)
        .where(col(OutboxRow.status).in_(UNFINISHED) & col(OutboxRow.target_channel).in_(channels))
        .distinct()
    )
    busy = {tuple(row) for row in (await s.exec(query)).all()}
    free: set[int] = set()
    for index, draft in enumerate(drafts):
        key = _target_key(draft.target)
        if key not in busy:
            free.add(index)
            busy.add(key)
    return free


async def _insert_claimed(
    s: AsyncSession, outbox: Sequence[tuple[int, OutboxDraft]], now: float, lease: float
) -> dict[int, list[OutboxItem]]:
    """Insert items claimed for ``lease`` seconds (one per target channel); message id -> its
    claimed items."""
    if not outbox:
        return {}
    claim = {"status": OutboxStatus.INFLIGHT.value, "claimed_until": now + lease}
    table = _table(OutboxRow)
    target = (table.c.target_platform, table.c.target_workspace, table.c.target_channel)
    statement = table.insert().returning(table.c.id, *target)
    values = [outbox_values(o, now) | claim for _, o in outbox]
    ids = {tuple(row[1:]): int(row[0]) for row in (await s.exec(statement, params=values)).all()}
    out: dict[int, list[OutboxItem]] = {}
    for message_id, draft in outbox:
        item_id = ids[_target_key(draft.target)]
        out.setdefault(message_id, []).append(_claimed_item(item_id, draft, now))
    return out


def _claimed_item(item_id: int, draft: OutboxDraft, now: float) -> OutboxItem:
    return OutboxItem(
        id=item_id,
        target=draft.target,
        action=draft.action,
        depends_on=draft.depends_on,
        status=OutboxStatus.INFLIGHT,
        attempts=0,
        next_attempt_at=now,
        last_error=None,
        created_at=now,
    )


def _target_key(target: ChannelRef) -> tuple[str, str, str]:
    return (target.platform.value, target.workspace, target.channel)


def _origin_key(draft: MessageDraft) -> tuple[str, str, str, str]:
    where = draft.origin
    return (where.platform.value, where.workspace, where.channel, draft.origin_message_id)


async def fresh(s: AsyncSession, drafts: Sequence[MessageDraft]) -> list[int]:
    """The indexes of the drafts whose origin copy is not recorded yet (each once). A lone
    draft is not looked up: the copy's unique key refuses it."""
    if len(drafts) == 1:
        return [0]
    known = await _known_origins(s, drafts)
    out: list[int] = []
    for index, draft in enumerate(drafts):
        key = (draft.origin, draft.origin_message_id)
        if key not in known:
            out.append(index)
            known.add(key)
    return out


async def _known_origins(
    s: AsyncSession, drafts: Sequence[MessageDraft]
) -> set[tuple[ChannelRef, str]]:
    """Which of the drafts' origin copies are recorded already (one query)."""
    wanted = {(d.origin, d.origin_message_id) for d in drafts}
    ids = {pid for _, pid in wanted}
    query = select(MessageCopyRow).where(
        col(MessageCopyRow.platform_message_id).in_(ids) & (col(MessageCopyRow.part) == 0)
    )
    rows = (await s.exec(query)).all()
    return {(convert.copy(r).channel, r.platform_message_id) for r in rows} & wanted
