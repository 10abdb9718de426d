"""Listening parties benchmark (issue #16): what 50 open rooms show against the party's clock, the
now-playing cards' posts and edits per channel against the platforms' limits, and the cost of
stamping comments with the playing song.

``python -m bench.party [--rooms 50] [--channels 25] [--songs 3] [--song-seconds 20]
[--settle 30] [--stamp-messages 400] [--stamp-rounds 4] [--stamp-width 20]
[--db sqlite|postgres] [--keep DIR] [--skip-party] [--verbose]``

1 and 2 share one run: the emulator in its own process with its rate limits at their real
windows (time scale 1), the real bridge (``adapters.runtime.Runtime``) with one group over
``--channels`` Discord and as many Slack channels and ``[web] public_url`` set, a party of short
songs started and steered from Slack (pause, resume, skip on the first song, the middle ones
played through, pause and resume on the last, which plays out), and ``--rooms`` rooms on the
room's event stream in a process of their own (``bench/party_rooms.py``). 3 is the core alone
(``bench/party_stamp.py``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from adapters.config import Config, config_from_dict
from adapters.runtime import Runtime
from bench.emulator import emulator_process
from bench.logs import bench_logging
from bench.party_cards import (
    Shown,
    card_calls,
    card_lag,
    format_cards,
    format_lag,
    platform_cards,
)
from bench.party_rooms import RoomEvent, parse_event
from bench.party_skew import Snapshot, Timeline, format_skew, skew
from bench.party_songs import Song, seed_songs
from bench.party_stamp import format_stamping, run_stamping
from bench.probe import _store_schema
from bench.world import BenchWorld, Control, build_world, database
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.party.model import Party, PartyState

SLUG = "party"
PUBLIC_URL = "http://fanbridge.invalid"  # rooms exist only with a public address; never fetched


@dataclass(frozen=True)
class Options:
    rooms: int
    channels: int
    songs: int
    song_seconds: float
    stamp_messages: int
    stamp_rounds: int
    stamp_width: int
    db: str
    skip_party: bool
    settle: float
    keep: Path | None
    verbose: bool


@dataclass
class PartyRun:
    """What one party run saw."""

    party_id: int = 0
    events: list[RoomEvent] = field(default_factory=list)
    ready_at: float = 0.0
    snapshots: list[Snapshot] = field(default_factory=list)
    pauses_sent: list[float] = field(default_factory=list)
    started_at: float = 0.0
    ended_at: float = 0.0
    settled: bool = False
    pending: int = 0  # outbox items left when the wait ended
    records: list[dict[str, Any]] = field(default_factory=list)


def party_config(world: BenchWorld, emulator_url: str, db_url: str) -> Config:
    """One public group over every channel of the world, rooms at ``PUBLIC_URL``."""
    channels = [
        {"platform": "discord", "workspace": world.guild_id, "channel": p.discord_channel}
        for p in world.pairs
    ] + [
        {"platform": "slack", "workspace": world.team_id, "channel": p.slack_channel}
        for p in world.pairs
    ]
    return config_from_dict(
        {
            "database": {"url": db_url},
            "discord": {"token": world.bot_token},
            "slack": {**world.slack_tokens, "mode": "socket"},
            "web": {"host": "127.0.0.1", "port": 0, "public_url": PUBLIC_URL},
            "network": {"emulator": emulator_url},
            "logging": {"level": "WARNING"},
            "groups": [{"slug": SLUG, "name": "Party Bench", "channels": channels}],
        }
    )


class Steering:
    """The host's commands, from Slack (the first Slack channel), through the emulator."""

    def __init__(self, control: Control, world: BenchWorld) -> None:
        self.control, self.world = control, world

    async def command(self, text: str) -> str:
        body = {
            "command": "/fangroup",
            "text": text,
            "user": self.world.slack_users[0],
            "channel": self.world.pairs[0].slack_channel,
        }
        answer = await self.control.post("/_emu/slack/commands", body)
        return str(answer["responses"][-1]["text"]) if answer.get("responses") else ""


async def run_party(opts: Options, workdir: Path) -> PartyRun:
    async with (
        emulator_process(rate_limits=True) as emulator_url,
        aiohttp.ClientSession() as session,
        database(opts.db, workdir) as (url, schema),
    ):
        control = Control(emulator_url, session)
        world = await build_world(control, opts.channels)
        runtime = Runtime(party_config(world, emulator_url, url), web_port=0)
        with _store_schema(schema):
            await runtime.start()
        try:
            return await _party(opts, control, world, runtime)
        finally:
            await runtime.stop()


async def _party(opts: Options, control: Control, world: BenchWorld, runtime: Runtime) -> PartyRun:
    assert runtime.store is not None and runtime.parties is not None and runtime.web is not None
    group = await runtime.store.get_group(SLUG)
    assert group is not None
    host = UserRef(Platform.SLACK, world.team_id, world.slack_users[0])
    origin = ChannelRef(Platform.SLACK, world.team_id, world.pairs[0].slack_channel)
    lengths = [opts.song_seconds] * opts.songs
    songs = await seed_songs(runtime.store, group.id, host, origin, lengths)
    steer, run = Steering(control, world), PartyRun()
    run.started_at = time.time()
    reply = await steer.command("party start " + " ".join(s.url for s in songs))
    found = re.search(r"#(\d+)", reply)
    if found is None:
        raise SystemExit(f"the party did not start: {reply!r}")
    run.party_id = int(found.group(1))
    tracker = asyncio.create_task(_track(runtime, run))
    url = f"{runtime.web.url}/g/{SLUG}/party/{run.party_id}/events"
    try:
        async with rooms(url, opts.rooms, run):
            await _steer(steer, runtime, run, songs)
            run.settled = await _settled(runtime, run, opts.settle)
        run.records = await control.get("/_emu/requests")
        if opts.keep is not None:
            opts.keep.mkdir(parents=True, exist_ok=True)
            (opts.keep / "requests.json").write_text(json.dumps(run.records))
    finally:
        tracker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await tracker
    return run


async def _track(runtime: Runtime, run: PartyRun) -> None:
    """Every stored state of the party, with when this worker heard of it."""
    assert runtime.parties is not None and runtime.store is not None
    hub = runtime.parties.hub
    while True:
        heard = time.time()
        seen = hub.changes
        party = await runtime.store.get_party(run.party_id)
        if party is not None:
            run.snapshots.append(Snapshot(heard, party))
        await hub.wait(seen, 5.0)


async def _steer(steer: Steering, runtime: Runtime, run: PartyRun, songs: Sequence[Song]) -> None:
    """The first song: pause at 30 %, resume at 45 %, skip at 65 %; the middle ones play
    through; the last: pause at 30 %, resume at 45 %, then it plays out."""
    store = runtime.store
    assert store is not None
    length = songs[0].length_ms / 1000

    async def at_position(fraction: float) -> None:
        """Until the current song is at ``fraction`` of its length on the party's clock."""
        party = await store.get_party(run.party_id)
        assert party is not None
        await asyncio.sleep(max(0.0, party.track_zero_at + fraction * length - time.time()))

    async def pause_resume() -> None:
        await at_position(0.30)
        run.pauses_sent.append(time.time())
        await steer.command("party pause")
        await asyncio.sleep(0.15 * length)
        await steer.command("party resume")

    await pause_resume()
    await at_position(0.65)
    await steer.command("party skip")
    await _until_track(runtime, run, len(songs) - 1)
    await pause_resume()


async def _until_track(runtime: Runtime, run: PartyRun, index: int) -> None:
    assert runtime.store is not None and runtime.parties is not None
    while True:
        seen = runtime.parties.hub.changes
        party = await runtime.store.get_party(run.party_id)
        if party is None or party.index >= index or party.state is PartyState.ENDED:
            return
        await runtime.parties.hub.wait(seen, 1.0)


async def _settled(runtime: Runtime, run: PartyRun, settle: float) -> bool:
    """Until the party ended and every card call left the outbox, at most ``settle`` s after
    its end (the outbox's depth is left in ``run.pending``)."""
    assert runtime.store is not None
    while True:
        party = await runtime.store.get_party(run.party_id)
        if party is not None and party.state is PartyState.ENDED:
            run.ended_at = run.ended_at or time.time()
            run.pending = await runtime.store.outbox_depth()
            if run.pending == 0:
                return True
            if time.time() > run.ended_at + settle:
                return False
        await asyncio.sleep(0.25)


@contextlib.asynccontextmanager
async def rooms(url: str, count: int, run: PartyRun) -> AsyncIterator[None]:
    """``count`` rooms open on ``url`` in their own process; their events go into ``run``."""
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bench.party_rooms", url, str(count)),
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    ready = asyncio.Event()
    reader = asyncio.create_task(_read_rooms(process, run, ready))
    try:
        await asyncio.wait_for(ready.wait(), timeout=60)
        yield
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(process.wait(), timeout=10)
        except TimeoutError:
            process.kill()
            await process.wait()
        await reader


async def _read_rooms(
    process: asyncio.subprocess.Process, run: PartyRun, ready: asyncio.Event
) -> None:
    assert process.stdout is not None
    async for raw in process.stdout:
        line = raw.decode().strip()
        if line == "ready":
            run.ready_at = time.time()
            ready.set()
        elif line.startswith("{"):
            run.events.append(parse_event(line))


def moves(snapshots: Sequence[Snapshot]) -> list[tuple[float, Shown]]:
    """When the party moved (started, paused, resumed, skipped, a track ended, it ended) and
    what its cards should show then."""
    out: list[tuple[float, Shown]] = []
    last = None
    for snap in sorted(snapshots, key=lambda s: s.at):
        p = snap.party
        key = (p.state, p.index, p.paused_at, p.track_zero_at)
        if key != last:
            at = snap.at if last is not None else min(snap.at, p.track_zero_at)
            out.append((at, _shows(p)))
        last = key
    return out


def _shows(party: Party) -> Shown:
    if party.state is PartyState.ENDED:
        return (-1, "end")
    return (party.index, "paused" if party.state is PartyState.PAUSED else "playing")


def report_party(opts: Options, run: PartyRun) -> str:
    after_ready = [e for e in run.events if e.received >= run.ready_at]
    figures = skew(after_ready, Timeline(run.snapshots), run.pauses_sent)
    calls = card_calls(run.records)
    last = max((c.at for c in calls), default=run.started_at)
    minutes = (last - run.started_at) / 60
    moved = moves(run.snapshots)
    platforms = {}
    for name in ("discord", "slack"):
        channels = sorted({c.channel for c in calls if c.platform == name})
        cards = platform_cards(calls, name, channels, minutes, run.records)
        platforms[name] = (cards, card_lag(run.records, name, channels, moved))
    return "\n".join(
        [
            f"1. Rooms: {opts.rooms} open on the room's event stream (their own process)",
            format_skew(figures, opts.rooms),
            "",
            f"2. Cards: {opts.channels} Discord + {opts.channels} Slack channels,"
            f" {opts.songs} songs of {opts.song_seconds:.0f} s, {len(moved)} moves,"
            " emulator limits at time scale 1",
            f"  party start -> last card call {last - run.started_at:.1f} s; party ended -> last"
            f" card call {max(0.0, last - run.ended_at):.1f} s; outbox empty at the end: "
            + ("yes" if run.settled else f"no, {run.pending} items left {opts.settle:.0f} s after"),
            format_cards(platforms["discord"][0], platforms["slack"][0], minutes),
            format_lag(platforms["discord"][1], platforms["slack"][1]),
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.party", description=__doc__)
    parser.add_argument("--rooms", type=int, default=50)
    parser.add_argument("--channels", type=int, default=25, help="per platform")
    parser.add_argument("--songs", type=int, default=3)
    parser.add_argument("--song-seconds", type=float, default=20.0)
    parser.add_argument("--stamp-messages", type=int, default=400)
    parser.add_argument("--stamp-rounds", type=int, default=4)
    parser.add_argument("--stamp-width", type=int, default=20)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--settle", type=float, default=30.0, help="s to wait after the party for its cards"
    )
    parser.add_argument("--keep", type=Path, help="write the emulator's request log here")
    parser.add_argument("--skip-party", action="store_true", help="only 3 (no emulator)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    opts = Options(
        rooms=max(1, args.rooms),
        channels=max(1, args.channels),
        songs=max(2, args.songs),
        song_seconds=max(5.0, args.song_seconds),
        stamp_messages=max(2, args.stamp_messages),
        stamp_rounds=max(1, args.stamp_rounds),
        stamp_width=max(2, args.stamp_width),
        db=args.db,
        skip_party=args.skip_party,
        settle=max(0.0, args.settle),
        keep=args.keep,
        verbose=args.verbose,
    )
    bench_logging(opts.verbose)
    print(
        f"fanbridge listening party benchmark: db {opts.db}, Python {platform.python_version()},"
        f" {os.cpu_count()} CPUs"
    )
    if not opts.skip_party:
        with tempfile.TemporaryDirectory() as tmp:
            run = asyncio.run(run_party(opts, Path(tmp)))
        print(report_party(opts, run))
        print()
    tallies = asyncio.run(
        run_stamping(opts.stamp_messages, 10, opts.stamp_rounds, opts.stamp_width, opts.db)
    )
    print("3. Stamping comments (the core alone, 10 groups with a party playing, 10 without)")
    print(format_stamping(tallies, opts.db))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
