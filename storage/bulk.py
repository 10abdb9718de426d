"""Rows written in bulk: plain column values and one INSERT per table through SQLAlchemy Core,
without the ORM's unit of work (building ORM rows cost more than writing them). The group
commits run these synchronously on one connection (``AsyncConnection.run_sync``), with their
statements built once. They write only ``message``, ``message_copy`` and ``outbox`` rows, and of
those the row cache (storage/cache.py) keeps only messages, by id, which a new row cannot make
stale: so they need not pass through a session to tell the cache."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import BindParameter, Connection, Select, Table, TextClause, bindparam, exists, text
from sqlalchemy import select as core_select
from sqlalchemy.sql.dml import Insert, ReturningInsert, Update
from sqlmodel import SQLModel

from bridge.actions import write_action
from bridge.ids import ChannelRef, MessageCopy, Platform
from bridge.records import (
    Delivered,
    MessageDraft,
    OutboxDraft,
    OutboxItem,
    OutboxStatus,
    Recorded,
    StoredMessage,
)
from storage.notify import wake_outbox
from storage.tables import MessageCopyRow, MessageRow, MomentRow, OutboxRow

UNFINISHED = (OutboxStatus.PENDING.value, OutboxStatus.INFLIGHT.value)
# what outbox_values gives, and the claim: the columns of an item inserted claimed
CLAIMED_COLUMNS = (
    "target_platform",
    "target_workspace",
    "target_channel",
    "action",
    "depends_on",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
    "claimed_until",
)


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


def moment_values(draft: MessageDraft, message_id: int, now: float) -> dict[str, Any] | None:
    """The message's timed comment (the song a party played when it was posted), if any."""
    moment = draft.moment
    if moment is None:
        return None
    return dict(
        group_id=draft.group_id,
        item_id=moment.item_id,
        party_id=moment.party_id,
        position_ms=max(0, moment.position_ms),
        message_id=message_id,
        platform=moment.platform[:16],
        at=draft.posted_at or now,
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


def record(
    conn: Connection, drafts: Sequence[MessageDraft], now: float, lease: float | None
) -> list[Recorded | None]:
    """The group commit of new messages, run in one go on the connection (``run_sync``): the
    drafts whose origin is new are inserted (``insert_messages``); None for the others."""
    new = fresh(conn, drafts)
    made = insert_messages(conn, [drafts[i] for i in new], now, lease=lease)
    by_index: dict[int, Recorded] = dict(zip(new, made, strict=True))
    return [by_index.get(i) for i in range(len(drafts))]


def complete(conn: Connection, done: Sequence[Delivered]) -> None:
    """The group commit of deliveries: the copies they made, and their items done."""
    insert_values(conn, MessageCopyRow, [copy_values(c) for d in done for c in d.copies])
    conn.execute(_finish_statement(), {"ids": [d.item_id for d in done]})


@functools.cache
def _finish_statement() -> Update:
    table = _table(OutboxRow)
    return (
        table.update()
        .where(table.c.id.in_(bindparam("ids", expanding=True)))
        .values(status=OutboxStatus.DONE.value, attempts=table.c.attempts + 1, claimed_until=None)
    )


def insert_values(
    conn: Connection, model: type[SQLModel], values: Sequence[dict[str, Any]]
) -> None:
    """Insert rows of one table in one statement (no ids read back)."""
    if values:
        conn.execute(_insert_statement(model), list(values))


@functools.cache
def _insert_statement(model: type[SQLModel]) -> Insert:
    """Built once per table: a statement object keeps its compiled form and cache key, which
    costs more to work out than a small INSERT takes to run."""
    return _table(model).insert()


@functools.cache
def _message_statement() -> ReturningInsert[Any]:
    table = _table(MessageRow)
    origin = ("origin_platform", "origin_workspace", "origin_channel", "origin_message_id")
    return table.insert().returning(table.c.id, *(table.c[name] for name in origin))


def insert_messages(
    conn: Connection, drafts: Sequence[MessageDraft], now: float, *, lease: float | None = None
) -> list[Recorded]:
    """Insert the drafts' messages in one statement, and their origin copies and outbox rows
    in one each. Each draft's origin must be new (see ``fresh``). With a ``lease``, the first
    item of each target channel that has no unfinished item is inserted claimed (before the
    others, so it keeps the lowest id of its channel) and returned with its message."""
    if not drafts:
        return []
    result = conn.execute(_message_statement(), [message_values(d, now) for d in drafts])
    ids = {tuple(found[1:]): int(found[0]) for found in result.all()}
    made = [stored(d, ids[_origin_key(d)], now) for d in drafts]
    copies = [copy_values(origin_copy(d, m.id)) for d, m in zip(drafts, made, strict=True)]
    insert_values(conn, MessageCopyRow, copies)
    moments = [moment_values(d, m.id, now) for d, m in zip(drafts, made, strict=True)]
    insert_values(conn, MomentRow, [v for v in moments if v is not None])
    outbox = [(m.id, o) for d, m in zip(drafts, made, strict=True) for o in fanout_of(d, m.id)]
    lock_channels(conn, [o.target for _, o in outbox])
    if lease is not None and len(outbox) == 1:  # a lone copy: claimed in the same statement
        item = _insert_if_free(conn, outbox[0][1], now, lease)
        claimed = {outbox[0][0]: [item]} if item is not None else {}
        free = {0} if item is not None else set()
    else:
        free = _claimable(conn, [o for _, o in outbox]) if lease is not None else set()
        claimed = _insert_claimed(conn, [outbox[i] for i in sorted(free)], now, lease or 0.0)
    pending = [outbox_values(o, now) for i, (_, o) in enumerate(outbox) if i not in free]
    insert_values(conn, OutboxRow, pending)
    if pending and conn.dialect.name == "postgresql":
        wake_outbox(conn)
    return [Recorded(m, tuple(claimed.get(m.id, ()))) for m in made]


CHANNEL_LOCKS = 0x0FB0  # the advisory lock space of "adding items to a target channel"


def lock_channels(conn: Connection, targets: Sequence[ChannelRef]) -> None:
    """On PostgreSQL, hold each target channel's lock until the transaction ends, taken in one
    order. Writers that add items to one channel so commit one after the other: its items' ids
    follow their commit order, so the lowest unfinished id a claim sees is the channel's real
    head, and "nothing unfinished" (an item inserted claimed) sees the other writers' items."""
    if not targets or conn.dialect.name != "postgresql":
        return
    keys = sorted({"\x1f".join(_target_key(t)) for t in targets})
    conn.execute(_lock_statement(), {"space": CHANNEL_LOCKS, "keys": keys})


@functools.cache
def _lock_statement() -> TextClause:
    return text(
        "SELECT count(pg_advisory_xact_lock(:space, hashtext(k)))"
        " FROM unnest(CAST(:keys AS text[])) AS k"
    )


def _insert_if_free(
    conn: Connection, draft: OutboxDraft, now: float, lease: float
) -> OutboxItem | None:
    """Insert the item claimed if its channel has no unfinished item, in one statement
    (INSERT ... SELECT ... WHERE NOT EXISTS); None when it was not inserted."""
    values = outbox_values(draft, now) | {
        "status": OutboxStatus.INFLIGHT.value,
        "claimed_until": now + lease,
    }
    assert values.keys() == set(CLAIMED_COLUMNS), "outbox_values changed: update CLAIMED_COLUMNS"
    found = conn.execute(_insert_if_free_statement(), values).first()
    return _claimed_item(int(found[0]), draft, now) if found is not None else None


@functools.cache
def _insert_if_free_statement() -> ReturningInsert[tuple[int]]:
    """Built once: a statement object keeps its compiled form and cache key."""
    table = _table(OutboxRow)
    columns = list(CLAIMED_COLUMNS)
    row = core_select(*(bindparam(k, type_=table.c[k].type).label(k) for k in columns))
    waiting = core_select(table.c.id).where(
        table.c.status.in_(UNFINISHED)
        & (table.c.target_platform == bindparam("target_platform"))
        & (table.c.target_workspace == bindparam("target_workspace"))
        & (table.c.target_channel == bindparam("target_channel"))
    )
    insert = table.insert().from_select(columns, row.where(~exists(waiting)))
    return insert.returning(table.c.id)


def _claimable(conn: Connection, drafts: Sequence[OutboxDraft]) -> set[int]:
    """The indexes of the drafts that may be claimed at once: the first of each target channel
    that has no unfinished item (per-channel order)."""
    channels = sorted({d.target.channel for d in drafts})
    busy = {tuple(row) for row in conn.execute(_busy_query(), {"channels": channels}).all()}
    free: set[int] = set()
    for index, draft in enumerate(drafts):
        key = _target_key(draft.target)
        if key not in busy:
            free.add(index)
            busy.add(key)
    return free


@functools.cache
def _busy_query() -> Select[Any]:
    """The target channels (of those named) that have an unfinished item."""
    table = _table(OutboxRow)
    target = (table.c.target_platform, table.c.target_workspace, table.c.target_channel)
    channels: BindParameter[list[str]] = bindparam("channels", expanding=True)
    unfinished = table.c.status.in_(UNFINISHED) & table.c.target_channel.in_(channels)
    return core_select(*target).where(unfinished).distinct()


@functools.cache
def _claimed_statement() -> ReturningInsert[Any]:
    table = _table(OutboxRow)
    target = (table.c.target_platform, table.c.target_workspace, table.c.target_channel)
    return table.insert().returning(table.c.id, *target)


def _insert_claimed(
    conn: Connection, outbox: Sequence[tuple[int, OutboxDraft]], now: float, lease: float
) -> dict[int, list[OutboxItem]]:
    """Insert items claimed for ``lease`` seconds (one per target channel); message id -> its
    claimed items."""
    if not outbox:
        return {}
    claim = {"status": OutboxStatus.INFLIGHT.value, "claimed_until": now + lease}
    values = [outbox_values(o, now) | claim for _, o in outbox]
    rows = conn.execute(_claimed_statement(), values).all()
    ids = {tuple(row[1:]): int(row[0]) for row in rows}
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


def fresh(conn: Connection, drafts: Sequence[MessageDraft]) -> list[int]:
    """The indexes of the drafts whose origin copy is not recorded yet (each once). A lone
    draft is not looked up: the copy's unique key refuses it."""
    if len(drafts) == 1:
        return [0]
    known = _known_origins(conn, drafts)
    out: list[int] = []
    for index, draft in enumerate(drafts):
        key = (draft.origin, draft.origin_message_id)
        if key not in known:
            out.append(index)
            known.add(key)
    return out


def _known_origins(conn: Connection, drafts: Sequence[MessageDraft]) -> set[tuple[ChannelRef, str]]:
    """Which of the drafts' origin copies are recorded already (one query)."""
    wanted = {(d.origin, d.origin_message_id) for d in drafts}
    table = _table(MessageCopyRow)
    where = (table.c.platform, table.c.workspace_id, table.c.channel_id)
    query = core_select(*where, table.c.platform_message_id).where(
        table.c.platform_message_id.in_({pid for _, pid in wanted}) & (table.c.part == 0)
    )
    found = {(ChannelRef(Platform(p), w, c), pid) for p, w, c, pid in conn.execute(query).all()}
    return found & wanted
