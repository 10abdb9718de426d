"""Workers on one PostgreSQL database hear each other: LISTEN/NOTIFY.

Two channels, each notice starting with the schema it concerns (several deployments, or the
tests, may share one database under their own schemas) and the cache of the process that sent it
(``RowCache.sender``):
- ``fanbridge_outbox``: outbox items were added; idle workers claim at once instead of at their
  next poll.
- ``fanbridge_changes``: a committed write changed a table something in this process keeps a copy
  of (storage/cache.py, ``KEPT_TABLES``), with the changed ids ("*": any row); the listener drops
  what came of them (``RowCache.forget_elsewhere``).

Both are sent inside the writing transaction (``publish`` for sessions, ``wake_outbox`` for the
group commits), so a notice is delivered exactly when the change is committed, never for a
rollback. A process ignores its own notices: its commit dropped those entries already, and a
write that drops only its own entries (a link's webhook) would otherwise empty the whole table's.
The group commits' wake-ups name no sender: the process that sent them hears them too, which
only wakes its outbox worker once more.

``ChangeListener`` holds one connection per process. If it is lost, the cache keeps nothing until
it is back (it may have missed notices), then starts empty, and the outbox worker is woken.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from sqlalchemy import Connection, TextClause, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.cache import KEPT_TABLES, Changes, RowCache

log = logging.getLogger(__name__)

OUTBOX_CHANNEL = "fanbridge_outbox"
CHANGES_CHANNEL = "fanbridge_changes"
MAX_IDS = 200  # more changed rows than this in one notice: the whole table (payloads < 8000 B)
ANY = "*"


@functools.cache
def _notify() -> TextClause:
    """Built once: a statement object keeps its compiled form and cache key."""
    return text("SELECT pg_notify(:channel, current_schema() || ' ' || :sender || ' ' || :payload)")


def publish(conn: Connection, changes: Changes, sender: str) -> None:
    """The sessions' publisher (``storage.cache.PUBLISH_KEY``): what the transaction on
    ``conn`` changed, told to the other processes when it commits."""
    if "outbox" in changes.inserted:
        wake_outbox(conn, sender)
    for table, ids in changes.tables.items():
        payload = changes_payload(table, ids)
        if payload is not None:
            values = {"channel": CHANGES_CHANNEL, "sender": sender, "payload": payload}
            conn.execute(_notify(), values)


def wake_outbox(conn: Connection, sender: str = "-") -> None:
    """Outbox items were added in the transaction on ``conn``: wake the idle workers."""
    conn.execute(_notify(), {"channel": OUTBOX_CHANNEL, "sender": sender, "payload": ""})


def changes_payload(table: str, ids: Iterable[Hashable] | None) -> str | None:
    """ "table id,id" (or "table *"); None when nothing kept elsewhere can be stale (a table
    nothing keeps, or new rows of a table kept by id)."""
    by_id = KEPT_TABLES.get(table)
    if by_id is None:
        return None
    keys = None if ids is None else list(ids)
    numbers = [k for k in keys or () if isinstance(k, int)]
    if keys is None or len(keys) > MAX_IDS or len(numbers) != len(keys):
        return f"{table} {ANY}"  # many rows, or one whose id is unknown
    if by_id and not keys:
        return None
    return f"{table} {','.join(str(k) for k in sorted(numbers))}"


def parse_changes(payload: str) -> tuple[str, list[int] | None]:
    """The table and ids of a ``changes_payload`` (None: any row)."""
    table, _, ids = payload.partition(" ")
    if ids == ANY:
        return table, None
    return table, [int(i) for i in ids.split(",") if i]


class ChangeListener:
    """This process's listening connection: wakes the outbox worker (``on_outbox``) and keeps
    the row cache current with the other processes' writes."""

    def __init__(
        self,
        engine: AsyncEngine,
        cache: RowCache,
        *,
        on_outbox: Callable[[], None] = lambda: None,
        retry: float = 1.0,
        ping: float = 30.0,
    ) -> None:
        self.cache = cache
        self.on_outbox = on_outbox
        self.retry = retry  # seconds between reconnection attempts
        self.ping = ping  # seconds between checks of an idle connection
        self._engine = engine
        self._dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._schema = ""
        self._conn: Any = None
        self._task: asyncio.Task[None] | None = None
        self.sessions = 0  # connections made so far
        self.heard = 0  # notices of this schema from other processes, so far
        self._ticked = asyncio.Event()  # set whenever a count moves

    @property
    def server_pid(self) -> int | None:
        """The listening connection's backend (None while it is away)."""
        return None if self._conn is None else int(self._conn.get_server_pid())

    async def start(self) -> None:
        """Connect and listen (raises if the database cannot be reached), then keep listening
        until ``stop``, reconnecting when the connection is lost."""
        async with self._engine.connect() as conn:
            self._schema = str(await conn.scalar(text("SELECT current_schema()")))
        await self._connect()
        self._task = asyncio.create_task(self._run(), name="db-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None

    async def wait_sessions(self, count: int) -> None:
        """Until ``count`` connections have been made (tests: a reconnection)."""
        await self._until(lambda: self.sessions >= count)

    async def wait_heard(self, count: int) -> None:
        """Until ``count`` notices have been heard and acted on (tests)."""
        await self._until(lambda: self.heard >= count)

    async def _until(self, ready: Callable[[], bool]) -> None:
        while not ready():
            self._ticked.clear()
            await self._ticked.wait()

    def _tick(self) -> None:
        self._ticked.set()

    async def _run(self) -> None:
        while True:
            if self._conn is None:
                await self._reconnect()
            await self._until_lost()
            log.warning("database listener lost; the row cache is off until it is back")
            self.cache.distrust()
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None

    async def _reconnect(self) -> None:
        import asyncpg  # PostgreSQL only: a bridge on SQLite never loads it

        while True:
            try:
                await self._connect()
                log.info("database listener back; the row cache starts afresh")
                return
            except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
                log.debug("database listener: %s; retrying in %ss", exc, self.retry)
                await asyncio.sleep(self.retry)

    async def _connect(self) -> None:
        import asyncpg

        conn = await asyncpg.connect(self._dsn)
        try:
            await conn.add_listener(OUTBOX_CHANNEL, self._heard_outbox)
            await conn.add_listener(CHANGES_CHANNEL, self._heard_changes)
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        self.cache.trust()  # listening now: whatever was kept before may be stale
        self.on_outbox()  # wake-ups may have been missed too
        self.sessions += 1
        self._tick()

    async def _until_lost(self) -> None:
        import asyncpg

        lost = asyncio.Event()
        self._conn.add_termination_listener(lambda _conn: lost.set())
        while not lost.is_set() and not self._conn.is_closed():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), timeout=self.ping)
                return
            try:
                await asyncio.wait_for(self._conn.execute("SELECT 1"), timeout=self.ping)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                return

    def _ours(self, payload: str) -> str | None:
        """What a notice says, if it concerns this schema and another process sent it."""
        schema, _, rest = payload.partition(" ")
        sender, _, rest = rest.partition(" ")
        return rest if schema == self._schema and sender != self.cache.sender else None

    def _heard_outbox(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        if self._ours(payload) is not None:
            self.on_outbox()
            self.heard += 1
            self._tick()

    def _heard_changes(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        rest = self._ours(payload)
        if rest is None:
            return
        try:
            table, ids = parse_changes(rest)
        except ValueError:
            log.warning("database listener: unreadable notice %r; forgetting all", payload)
            self.cache.clear()
        else:
            self.cache.forget_elsewhere(table, ids)
        self.heard += 1
        self._tick()
