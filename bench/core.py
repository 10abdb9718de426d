"""The core alone, no network: Router + RelayService + OutboxWorker + SqlStore with an in-memory
ChatAdapter. Shows what one relayed message costs in SQL statements and commits, and how fast the
core ingests and delivers when no platform is in the way.

``python -m bench.core [--events N] [--pairs P] [--db sqlite|postgres] [--profile]``
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import itertools
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.config import GroupSeed
from adapters.seed import seed_groups
from bench.profiling import Profiler
from bench.world import database
from bridge.actions import OutgoingMessage, SendResult
from bridge.events import Author, MessagePosted
from bridge.groups.commands import GroupCommands
from bridge.ids import ChannelRef, MessageCopy, Platform, UserRef
from bridge.parts import Delegate
from bridge.pipeline.compose import Composer, NamePolicy
from bridge.pipeline.echo import EchoGuard
from bridge.pipeline.outbox import OutboxWorker
from bridge.pipeline.router import Router, merge_handlers
from bridge.ports import Capabilities, ChatAdapter, SystemClock
from bridge.relay.service import RelayService
from bridge.text import Emoji, doc
from storage.repos import SqlStore

CAPS = Capabilities(4000, True, True, True, False, False)


class MemoryAdapter:
    """A ChatAdapter that only counts: every post "succeeds" at once."""

    capabilities = CAPS

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.posts = 0
        self._ids = itertools.count(1)

    async def post(self, target: ChannelRef, message: OutgoingMessage) -> SendResult:
        self.posts += 1
        return SendResult((f"{self.platform.value}-copy-{next(self._ids)}",))

    async def edit(
        self, target: ChannelRef, copies: Sequence[MessageCopy], message: OutgoingMessage
    ) -> SendResult:
        return SendResult(tuple(c.platform_message_id for c in copies))

    async def delete(self, target: ChannelRef, copies: Sequence[MessageCopy]) -> None:
        return None

    async def ban(self, target: ChannelRef, user: str, *, reason: str) -> None:
        return None

    async def unban(self, target: ChannelRef, user: str, *, reason: str) -> None:
        return None

    async def react(
        self, target: ChannelRef, copy: MessageCopy, emoji: Emoji, *, add: bool
    ) -> None:
        return None


WRITES = ("INSERT", "UPDATE", "DELETE")
WROTE = "bench.wrote"


class SqlCounter:
    """Counts statements, commits, and write transactions (commits of a transaction that ran an
    INSERT, UPDATE or DELETE) an engine runs (SQLAlchemy engine events)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.statements = 0
        self.commits = 0
        self.writes = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._statement)
        event.listen(engine.sync_engine, "commit", self._commit)
        event.listen(engine.sync_engine, "rollback", self._rollback)

    def _statement(self, conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        self.statements += 1
        if statement.lstrip()[:6].upper() in WRITES:
            conn.info[WROTE] = True

    def _commit(self, conn: Connection) -> None:
        self.commits += 1
        if conn.info.pop(WROTE, False):
            self.writes += 1

    def _rollback(self, conn: Connection) -> None:
        conn.info.pop(WROTE, None)

    def snapshot(self) -> tuple[int, int, int]:
        return self.statements, self.commits, self.writes


class StoreTimer:
    """Times every public coroutine method of one store instance (calls and seconds)."""

    def __init__(self, store: SqlStore) -> None:
        self.calls: Counter[str] = Counter()
        self.seconds: defaultdict[str, float] = defaultdict(float)
        for name in dir(type(store)):
            method = getattr(type(store), name)
            if isinstance(method, Delegate):  # the store hands it to one of its repositories
                method = method.method
            public = not name.startswith("_") and name not in ("open", "close")
            if public and inspect.iscoroutinefunction(method):
                setattr(store, name, self._timed(name, getattr(store, name)))

    def _timed(
        self, name: str, method: Callable[..., Awaitable[Any]]
    ) -> Callable[..., Awaitable[Any]]:
        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await method(*args, **kwargs)
            finally:
                self.calls[name] += 1
                self.seconds[name] += time.perf_counter() - started

        return timed

    def take(self) -> dict[str, tuple[int, float]]:
        """Per method (calls, seconds) since the last take."""
        out = {name: (self.calls[name], self.seconds[name]) for name in self.calls}
        self.calls.clear()
        self.seconds.clear()
        return out


@dataclass
class Phase:
    name: str
    count: int
    seconds: float
    statements: int
    commits: int
    writes: int
    store_calls: dict[str, tuple[int, float]] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Core:
    store: SqlStore
    router: Router
    worker: OutboxWorker
    sql: SqlCounter
    timer: StoreTimer


async def build_core(url: str, schema: str | None, pairs: int) -> Core:
    store = await SqlStore.open(url, schema=schema)
    await seed_groups(store, [_group(i) for i in range(pairs)])
    timer = StoreTimer(store)
    clock = SystemClock()
    echo = EchoGuard(clock)
    adapters: dict[Platform, ChatAdapter] = {p: MemoryAdapter(p) for p in Platform}
    worker = OutboxWorker(
        store=store,
        adapters=adapters,
        composer=Composer(store, NamePolicy(), 8 * 1024 * 1024),
        echo=echo,
        clock=clock,
    )
    relay = RelayService(store, clock, worker.wake)
    commands = GroupCommands(store)
    handlers = merge_handlers(relay.handlers(), relay.moderation.handlers(), commands.handlers())
    router = Router(store=store, handlers=handlers, echo=echo, clock=clock)
    return Core(store, router, worker, SqlCounter(store.engine), timer)


def _group(index: int) -> GroupSeed:
    return GroupSeed.model_validate(
        {
            "slug": f"core-{index:02d}",
            "name": f"Core {index}",
            "channels": [
                {"platform": "discord", "workspace": "G1", "channel": f"d{index}"},
                {"platform": "slack", "workspace": "T1", "channel": f"s{index}"},
            ],
        }
    )


def make_events(count: int, pairs: int, tag: str) -> list[MessagePosted]:
    out = []
    for n in range(count):
        platform = (Platform.DISCORD, Platform.SLACK)[n % 2]
        workspace, prefix = ("G1", "d") if platform is Platform.DISCORD else ("T1", "s")
        channel = ChannelRef(platform, workspace, f"{prefix}{(n // 2) % pairs}")
        user = UserRef(platform, workspace, f"u{n % 4}")
        out.append(
            MessagePosted(
                key=f"{tag}-{n}",
                channel=channel,
                message_id=f"{tag}-{n}",
                author=Author(user, f"Fan {n % 4}"),
                text=doc(f"core message {n} with a little text"),
                at=time.time(),
            )
        )
    return out


async def measure(core: Core, name: str, count: int, work: Callable[[], Awaitable[Any]]) -> Phase:
    before = core.sql.snapshot()
    core.timer.take()
    started = time.perf_counter()
    await work()
    seconds = time.perf_counter() - started
    after = core.sql.snapshot()
    calls = core.timer.take()
    statements, commits, writes = (a - b for a, b in zip(after, before, strict=True))
    return Phase(name, count, seconds, statements, commits, writes, calls)


async def drain(worker: OutboxWorker) -> None:
    while await worker.drain_once():
        pass


async def run_core(events: int, pairs: int, db: str, profiler: Profiler | None) -> list[Phase]:
    with tempfile.TemporaryDirectory() as tmp:
        async with database(db, Path(tmp)) as (url, schema):
            core = await build_core(url, schema, pairs)
            try:
                return await _phases(core, events, pairs, profiler)
            finally:
                await core.store.close()


async def _phases(core: Core, events: int, pairs: int, profiler: Profiler | None) -> list[Phase]:
    sequential = make_events(events, pairs, "seq")
    burst = make_events(events, pairs, "par")

    async def one_by_one() -> None:
        for item in sequential:
            await core.router.handle(item)

    async def concurrently() -> None:
        width = 2 * pairs  # one event per channel at once, like a burst from every channel
        for start in range(0, len(burst), width):
            await asyncio.gather(*(core.router.handle(e) for e in burst[start : start + width]))

    async def deliver() -> None:
        await drain(core.worker)

    plan = [
        ("ingest, one at a time", one_by_one),
        ("deliver (drain outbox)", deliver),
        (f"ingest, {2 * pairs} at once", concurrently),
        ("deliver (drain outbox)", deliver),
    ]
    with Profiler.maybe(profiler):
        phases = [await measure(core, name, events, work) for name, work in plan]
    return phases


def format_phases(phases: Sequence[Phase], db: str) -> str:
    lines = [
        f"Core only (Router+Relay+Outbox+SqlStore on {db}, in-memory adapter, no network)",
        f"  {'phase':<28}{'items':>7}{'items/s':>10}{'ms/item':>9}{'SQL/item':>10}"
        f"{'txns/item':>11}{'writes/item':>13}",
    ]
    for p in phases:
        per = max(p.count, 1)
        lines.append(
            f"  {p.name:<28}{p.count:>7}{p.rate:>10.0f}{1000 * p.seconds / per:>9.2f}"
            f"{p.statements / per:>10.1f}{p.commits / per:>11.2f}{p.writes / per:>13.2f}"
        )
    return "\n".join(lines)


def format_store_calls(phase: Phase, top: int = 8) -> str:
    """Where a phase's time went, per store method. In a concurrent phase the calls overlap, so
    ms/call includes waiting for the database and the event loop."""
    per = max(phase.count, 1)
    total = sum(seconds for _, seconds in phase.store_calls.values()) or 1.0
    lines = [
        f"  store calls in '{phase.name}' ({1000 * phase.seconds / per:.2f} ms/item wall)",
        f"    {'method':<22}{'calls/item':>11}{'ms/call':>9}{'share':>8}",
    ]
    ranked = sorted(phase.store_calls.items(), key=lambda kv: kv[1][1], reverse=True)
    for name, (calls, seconds) in ranked[:top]:
        lines.append(
            f"    {name:<22}{calls / per:>11.2f}{1000 * seconds / max(calls, 1):>9.2f}"
            f"{100 * seconds / total:>7.0f}%"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.core", description=__doc__)
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--profile", action="store_true", help="print a cProfile summary")
    args = parser.parse_args(argv)
    profiler = Profiler() if args.profile else None
    phases = asyncio.run(run_core(min(args.events, 5000), max(1, args.pairs), args.db, profiler))
    print(format_phases(phases, args.db))
    for phase in phases[:2]:
        print(format_store_calls(phase))
    if profiler is not None:
        print(profiler.report())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
