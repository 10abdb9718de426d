"""In-process copies of the rows read on every relayed message (groups, accounts, roles, bans,
canonical messages), kept current by the writes of this process and, on PostgreSQL, of the others.

The rule: every write made through a ``RepoBase`` session tells the cache which tables (and, for
ORM rows, which primary keys) it changed, once it is committed; the entries derived from them are
dropped. A read that started before such a commit never stores what it read (a generation number
guards the window between its query and its store). So the cache is exact for a process that is
the only writer of its database: the SQLite default (one process per file). Several processes on
one PostgreSQL database also drop what the others change: a session whose ``info`` carries a
publisher (``PUBLISH_KEY``, storage/notify.py) sends its changes to the tables in ``KEPT_TABLES``
with NOTIFY inside its own transaction (so they leave exactly when the change is committed), and
each process's listener calls ``forget_elsewhere``. While that listener is not connected the cache
stores nothing (``distrust``), and it starts empty again once it is (``trust``).

The group commits (storage/bulk.py) write through a Core connection, not a session: they touch
only ``message`` (new rows, which no by-id entry can be), ``message_copy`` and ``outbox``, of
which nothing else is cached. A write of a cached table must go through a session.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

MISS: Any = object()  # what ``get`` returns for a key it does not hold (None may be a value)
MAX_ENTRIES = 20_000  # per region; the least recently used entry goes first
# the tables anything in this process keeps copies of (the row cache, the link cache), and
# whether it keeps them by id only (a new row of those changes nothing kept): what a write
# announces to the other processes
KEPT_TABLES: dict[str, bool] = {
    "fan_group": True,
    "message": True,
    "channel_link": False,
    "platform_account": False,
    "group_role": False,
    "moderation_action": False,
    "member_timeout": False,
    "party": False,
    "poll": False,
    "artist_event": False,
}


@dataclass
class Region:
    """Entries derived from one table. ``by_id``: keyed by the row's primary key, so a changed
    row drops only its own entry and a new row none; otherwise any change drops them all."""

    table: str
    by_id: bool = False
    entries: OrderedDict[Hashable, Any] = field(default_factory=OrderedDict)
    generation: int = 0  # bumped by every committed change that drops entries of this region


class RowCache:
    def __init__(self) -> None:
        self._regions: dict[str, Region] = {}
        self._by_table: dict[str, list[Region]] = {}
        self._watchers: dict[str, list[Callable[[], None]]] = {}
        self.trusted = True  # False while changes made elsewhere may go unheard
        self.sender = uuid.uuid4().hex[:12]  # names this cache's own notices (storage/notify.py)

    def region(self, name: str, table: str, *, by_id: bool = False) -> Region:
        if name not in self._regions:
            made = Region(table, by_id)
            self._regions[name] = made
            self._by_table.setdefault(table, []).append(made)
        return self._regions[name]

    def get(self, region: Region, key: Hashable) -> Any:
        value = region.entries.get(key, MISS)
        if value is not MISS:
            region.entries.move_to_end(key)
        return value

    def put(self, region: Region, key: Hashable, value: Any, generation: int) -> None:
        """Keep ``value`` unless a change to the region was committed since ``generation`` (the
        region's, read before the query) was read."""
        if generation != region.generation or not self.trusted:
            return
        region.entries[key] = value
        region.entries.move_to_end(key)
        if len(region.entries) > MAX_ENTRIES:
            region.entries.popitem(last=False)

    def forget(self, table: str, ids: Iterable[Hashable] | None = None) -> None:
        """Rows of ``table`` changed (only ``ids``, or any when None): drop what came of them."""
        keys = None if ids is None else list(ids)
        for region in self._by_table.get(table, ()):
            if region.by_id and keys is not None:
                if keys:
                    region.generation += 1
                for key in keys:
                    region.entries.pop(key, None)
            else:
                region.generation += 1
                region.entries.clear()

    def watch(self, table: str, forget_all: Callable[[], None]) -> None:
        """A cache kept outside the regions (a repository's own) that drops everything it
        derived from ``table`` when another process changes it, or the cache is cleared."""
        self._watchers.setdefault(table, []).append(forget_all)

    def forget_elsewhere(self, table: str, ids: Iterable[Hashable] | None = None) -> None:
        """Another process committed a change to ``table`` (storage/notify.py)."""
        self.forget(table, ids)
        for forget_all in self._watchers.get(table, ()):
            forget_all()

    def clear(self) -> None:
        for region in self._regions.values():
            region.generation += 1
            region.entries.clear()
        for watchers in self._watchers.values():
            for forget_all in watchers:
                forget_all()

    def distrust(self) -> None:
        """Changes made elsewhere may go unheard (the listener is away): drop everything and
        keep nothing until ``trust``."""
        self.trusted = False
        self.clear()

    def trust(self) -> None:
        """Changes made elsewhere are heard again: start afresh (some may have been missed)."""
        self.clear()
        self.trusted = True


class Changes:
    """What one session changed: table -> changed primary keys (None: unknown rows, all)."""

    def __init__(self) -> None:
        self.tables: dict[str, set[Hashable] | None] = {}
        self.inserted: set[str] = set()  # tables that got new rows

    def rows(self, table: str, ids: Iterable[Hashable]) -> None:
        known = self.tables.setdefault(table, set())
        if known is not None:
            known.update(ids)

    def whole(self, table: str) -> None:
        self.tables[table] = None


CACHE_KEY = "fanbridge.row_cache"
CHANGES_KEY = "fanbridge.changes"
PUBLISH_KEY = "fanbridge.publish"  # tells the other processes, before the commit

Publisher = Callable[[Connection, Changes, str], None]  # the connection, changes, sender


def _changes(session: Session) -> Changes:
    found = session.info.get(CHANGES_KEY)
    if found is None:
        found = session.info[CHANGES_KEY] = Changes()
    return found


def _table_of(obj: object) -> str | None:
    table = getattr(type(obj), "__table__", None)
    return table.name if isinstance(table, Table) else None


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    if CACHE_KEY not in session.info:
        return
    changes = _changes(session)
    for obj in (*session.dirty, *session.deleted):
        table = _table_of(obj)
        if table is not None:
            changes.rows(table, [getattr(obj, "id", None)])
    for obj in session.new:  # a new row: by-id regions have nothing of it, the others do
        table = _table_of(obj)
        if table is not None:
            changes.rows(table, [])
            changes.inserted.add(table)


def _orm_execute(state: ORMExecuteState) -> None:
    if CACHE_KEY not in state.session.info:
        return
    table = getattr(state.statement, "table", None)
    if not isinstance(table, Table):
        return
    if state.is_update or state.is_delete:
        _changes(state.session).whole(table.name)
    elif state.is_insert:  # new rows: by-id regions have nothing of them, the others do
        _changes(state.session).rows(table.name, [])
        _changes(state.session).inserted.add(table.name)


def _before_commit(session: Session) -> None:
    """Tell the other processes what this transaction changed, inside it (PostgreSQL's NOTIFY
    is delivered on commit, and never if it rolls back)."""
    publish: Publisher | None = session.info.get(PUBLISH_KEY)
    cache = session.info.get(CACHE_KEY)
    if publish is None or not isinstance(cache, RowCache):
        return
    session.flush()  # the last changes are flushed after this hook: see them now
    changes = session.info.get(CHANGES_KEY)
    if changes is not None and changes.tables:
        publish(session.connection(), changes, cache.sender)


def _after_commit(session: Session) -> None:
    cache = session.info.get(CACHE_KEY)
    changes = session.info.pop(CHANGES_KEY, None)
    if not isinstance(cache, RowCache) or changes is None:
        return
    for table, ids in changes.tables.items():
        cache.forget(table, ids)


def _after_rollback(session: Session) -> None:
    session.info.pop(CHANGES_KEY, None)


def watch_sessions(session_class: type[Session]) -> None:
    """Hook ``session_class`` (once per class): sessions whose ``info`` carries a cache report
    their committed changes to it."""
    if event.contains(session_class, "after_commit", _after_commit):
        return
    event.listen(session_class, "after_flush", _after_flush)
    event.listen(session_class, "do_orm_execute", _orm_execute)
    event.listen(session_class, "before_commit", _before_commit)
    event.listen(session_class, "after_commit", _after_commit)
    event.listen(session_class, "after_soft_rollback", lambda s, _t: _after_rollback(s))
