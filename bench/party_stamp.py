"""The cost of stamping comments: the core alone (Router + RelayService + SqlStore with an
in-memory adapter, as ``bench.core``) with the relay's timed-comment hook wired as the runtime
wires it. Half the groups have a party playing (every message relayed there is stamped with its
song and position), half have none (the baseline); the same messages are ingested into each
half, in alternating rounds so drift falls on both, and the per-message wall time, CPU time and
SQL are compared. ``MomentStamper.moment_at`` is timed on its own too."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from adapters.config import GroupSeed
from adapters.seed import seed_groups
from bench.core import Core, MemoryAdapter, SqlCounter, StoreTimer, drain, make_events
from bench.party_songs import seed_songs
from bench.stats import percentile
from bench.world import database
from bridge.events import MessagePosted
from bridge.groups.commands import GroupCommands
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.party.model import PartyDraft, PartyState, QueuedTrack
from bridge.party.moments import MomentStamper
from bridge.pipeline.compose import Composer, NamePolicy
from bridge.pipeline.echo import EchoGuard
from bridge.pipeline.outbox import OutboxWorker
from bridge.pipeline.router import Router, merge_handlers
from bridge.ports import ChatAdapter, SystemClock
from bridge.records import SongMoment
from bridge.relay.service import RelayService
from storage.repos import SqlStore

SONG_S = 3600.0  # the parties' song: long enough to play through the whole run


@dataclass
class Tally:
    messages: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    statements: int = 0
    commits: int = 0
    writes: int = 0
    stamps: int = 0
    stamp_seconds: list[float] = field(default_factory=list)

    def per_message(self, value: float) -> float:
        return value / max(self.messages, 1)


class TimedStamper(MomentStamper):
    """Times each ``moment_at`` (the read of the group's playing party; the moment itself is
    inserted in the message's own transaction)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seconds: list[float] = []

    async def moment_at(self, group_id: int, platform: str, at: float) -> SongMoment | None:
        started = time.perf_counter()
        try:
            return await super().moment_at(group_id, platform, at)
        finally:
            self.seconds.append(time.perf_counter() - started)


async def build_stamped_core(url: str, schema: str | None, pairs: int) -> tuple[Core, TimedStamper]:
    """``bench.core``'s core with the relay's stamp hook, over 2 x ``pairs`` groups; the second
    half (``party-*``) each get a party playing."""
    store = await SqlStore.open(url, schema=schema)
    await seed_groups(store, [_group(f"base-{i:02d}", i) for i in range(pairs)])
    await seed_groups(store, [_group(f"party-{i:02d}", pairs + i) for i in range(pairs)])
    clock = SystemClock()
    for i in range(pairs):
        await _start_party(store, f"party-{i:02d}", pairs + i, clock.now())
    timer = StoreTimer(store)
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
    stamper = TimedStamper(store, clock)
    relay.moments = stamper  # as adapters.runtime wires it
    commands = GroupCommands(store)
    handlers = merge_handlers(relay.handlers(), relay.moderation.handlers(), commands.handlers())
    router = Router(store=store, handlers=handlers, echo=echo, clock=clock)
    return Core(store, router, worker, SqlCounter(store.engine), timer), stamper


def _group(slug: str, index: int) -> GroupSeed:
    return GroupSeed.model_validate(
        {
            "slug": slug,
            "name": slug,
            "channels": [
                {"platform": "discord", "workspace": "G1", "channel": f"d{index}"},
                {"platform": "slack", "workspace": "T1", "channel": f"s{index}"},
            ],
        }
    )


async def _start_party(store: SqlStore, slug: str, index: int, now: float) -> None:
    group = await store.get_group(slug)
    assert group is not None
    host = UserRef(Platform.SLACK, "T1", "uhost")
    origin = ChannelRef(Platform.SLACK, "T1", f"s{index}")
    [song] = await seed_songs(store, group.id, host, origin, [SONG_S])
    queue = (QueuedTrack(song.item_id, song.length_ms, "Bench Host"),)
    draft = PartyDraft(group.id, host, "Bench Host", queue, now, origin)
    await store.create_party(draft, state=PartyState.PLAYING, at=now, enqueue=())


def events_for(count: int, pairs: int, tag: str, offset: int) -> list[MessagePosted]:
    """``bench.core``'s events, moved onto the channels of groups ``offset``.. ``offset+pairs``."""
    out = []
    for e in make_events(count, pairs, tag):
        number = int(e.channel.channel[1:]) + offset
        channel = ChannelRef(
            e.channel.platform, e.channel.workspace, f"{e.channel.channel[0]}{number}"
        )
        out.append(replace(e, channel=channel))
    return out


async def ingest(core: Core, events: Sequence[MessagePosted], width: int) -> None:
    """``width`` 1: one at a time, each awaited; more: that many at once (a burst)."""
    for start in range(0, len(events), width):
        await asyncio.gather(*(core.router.handle(e) for e in events[start : start + width]))


async def measured(
    core: Core, stamper: TimedStamper, tally: Tally, batch: Sequence[MessagePosted], width: int
) -> None:
    before, stamps, timed = core.sql.snapshot(), stamper.stamped, len(stamper.seconds)
    wall, cpu = time.perf_counter(), time.process_time()
    await ingest(core, batch, width)
    tally.wall += time.perf_counter() - wall
    tally.cpu += time.process_time() - cpu  # every thread: aiosqlite's too
    after = core.sql.snapshot()
    tally.statements += after[0] - before[0]
    tally.commits += after[1] - before[1]
    tally.writes += after[2] - before[2]
    tally.messages += len(batch)
    tally.stamps += stamper.stamped - stamps
    tally.stamp_seconds += stamper.seconds[timed:]


async def run_stamping(
    messages: int, pairs: int, rounds: int, width: int, db: str
) -> dict[tuple[str, bool], Tally]:
    """(mode, party) -> tally, mode "one at a time" or f"{width} at once"."""
    with tempfile.TemporaryDirectory() as tmp:
        async with database(db, Path(tmp)) as (url, schema):
            core, stamper = await build_stamped_core(url, schema, pairs)
            try:
                return await _rounds(core, stamper, messages, pairs, rounds, width)
            finally:
                await core.store.close()


async def _rounds(
    core: Core, stamper: TimedStamper, messages: int, pairs: int, rounds: int, width: int
) -> dict[tuple[str, bool], Tally]:
    modes = {"one at a time": 1, f"{width} at once": width}
    tallies = {(mode, party): Tally() for mode in modes for party in (False, True)}
    per_round = max(2, messages // rounds)
    warm = events_for(2 * pairs, pairs, "wb", 0) + events_for(2 * pairs, pairs, "wp", pairs)
    await ingest(core, warm, 1)  # the stores' caches filled for both halves
    await drain(core.worker)
    for n in range(rounds):
        for mode, w in modes.items():
            for party in (False, True) if n % 2 == 0 else (True, False):
                batch = events_for(per_round, pairs, f"r{n}{'pb'[party]}{w}", pairs * party)
                await measured(core, stamper, tallies[(mode, party)], batch, w)
                await drain(core.worker)  # delivery is not measured: the same with or without
    return tallies


def format_stamping(tallies: dict[tuple[str, bool], Tally], db: str) -> str:
    lines = [
        f"  ingest through Router + RelayService + SqlStore ({db}); delivery not counted",
        f"  {'':<29}{'messages':>9}{'wall us/msg':>13}{'CPU us/msg':>12}{'SQL/msg':>9}"
        f"{'writes/msg':>12}{'stamped':>9}{'moment_at p50/p95 us':>20}",
    ]
    for mode in sorted({mode for mode, _ in tallies}, key=lambda m: m != "one at a time"):
        base, party = tallies[(mode, False)], tallies[(mode, True)]
        lines += [_row(f"{mode}, no party", base), _row(f"{mode}, party playing", party)]
        wall = (party.per_message(party.wall) - base.per_message(base.wall)) * 1e6
        cpu = (party.per_message(party.cpu) - base.per_message(base.cpu)) * 1e6
        share = 100 * wall / max(base.per_message(base.wall) * 1e6, 1e-9)
        lines.append(
            f"  {'  difference':<29}{'':>9}{wall:>+13.0f}{cpu:>+12.0f}   ({share:+.0f} % wall)"
        )
    return "\n".join(lines)


def _row(label: str, t: Tally) -> str:
    spent = t.stamp_seconds
    stamp = (
        f"{percentile(spent, 50) * 1e6:.0f} / {percentile(spent, 95) * 1e6:.0f}" if spent else "-"
    )
    return (
        f"  {label:<29}{t.messages:>9}{t.per_message(t.wall) * 1e6:>13.0f}"
        f"{t.per_message(t.cpu) * 1e6:>12.0f}{t.per_message(t.statements):>9.1f}"
        f"{t.per_message(t.writes):>12.2f}{t.stamps:>9}{stamp:>20}"
    )
