"""Several workers on one PostgreSQL database: relay throughput with 1, 2 and 3 ``fanbridge run``
processes, and how long a dead worker's Discord shard takes to come back.

    python -m bench.workers [--workers 1 2 3] [--messages 1200] [--pairs 12] [--lease 3] [--logs D]

Each run has its own emulator process (rate limits off) and a fresh PostgreSQL schema of
``FANBRIDGE_BENCH_POSTGRES_URL``. The world: two Discord guilds, one on each of the 2 gateway
shards (``[discord] shard_count = 2``; a guild's shard is ``(id >> 22) % 2``), one Slack
workspace, and ``--pairs`` channel pairs (half in each guild), each pair its own group seeded
through ``[[groups]]``. The workers run as ``fanbridge run --config F``, each with its own web
port (``FANBRIDGE_WEB_PORT``); a run starts once every ``/readyz`` answers 200 and the shards
are spread fairly.

- Throughput: ``--messages`` split over the pairs and both directions, posted through the
  control API as fast as it answers; measured from the first post to the last copy shown (the
  emulator's live stream), then every channel read back for lost, duplicated, misrouted and
  out-of-order copies.
- Take-over: two workers; the one holding shard 0 is killed with ``kill -9``, and one Discord
  message is posted into a shard-0 guild every 100 ms. Printed: kill -> the first of those shown
  on Slack, and kill -> the survivor's ``/readyz`` lists ``discord:shard:0``, next to
  ``[workers] lease_seconds``; then whether every message posted after the kill was shown
  exactly once (the new shard session's history catch-up brings those posted while no worker
  held the shard).

Figures are printed, never asserted. On a 2-core machine the workers, the emulator and
PostgreSQL share two CPUs: the absolute rate means little, the ratio to one worker is the
figure to read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from adapters.discord.shards import lease_name, shard_of
from bench.burst import DISCORD, SLACK, Posted, observe, post_bursts, token_for
from bench.emulator import emulator_process
from bench.fleet import (
    FleetBroke,
    Worker,
    kill_hard,
    start_worker,
    started,
    status,
    stop_all,
    wait_balanced,
)
from bench.scale import cpu_seconds
from bench.shown import Shown, watching
from bench.stats import RunFigures, copies_found
from bench.world import FANS, BenchWorld, Control, Pair, database

SHARDS = 2
READY_TIMEOUT = 90.0  # start-up of every worker and the shards spread
COPY_TIMEOUT = 120.0  # every copy shown after the last post
SETTLE = 1.0  # after the last copy: time for a duplicate to show before reading back
TICK = 0.1  # take-over: one post every 100 ms
AFTER_TAKEOVER = 1.0  # take-over: posts go on this long after both figures are in


@dataclass(frozen=True)
class Options:
    workers: tuple[int, ...]
    messages: int
    pairs: int
    lease: float
    folder: Path


@dataclass(frozen=True)
class ShardedWorld:
    """The bench's world; ``guild_of[i]`` is pair i's Discord guild, on shard ``i % 2``."""

    world: BenchWorld
    guild_of: tuple[str, ...]

    def pairs_on(self, shard: int) -> tuple[Pair, ...]:
        return tuple(p for p in self.world.pairs if p.index % SHARDS == shard)


@dataclass(frozen=True)
class Throughput:
    workers: int
    posted: int
    seconds: float  # first post -> last copy shown
    figures: RunFigures  # read back from the channels
    all_shown: bool
    cpu: tuple[float, ...]  # CPU-seconds each worker spent from the first post to the last copy

    @property
    def rate(self) -> float:
        return self.figures.relayed / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class Takeover:
    lease: float
    to_first_copy: float | None  # kill -> the first message posted after it shown on Slack
    to_lease: float | None  # kill -> the survivor's /readyz lists discord:shard:0
    figures: RunFigures  # the messages posted after the kill, read back


async def build_world(control: Control, pairs: int) -> ShardedWorld:
    """One Slack workspace and Discord guilds created until each shard has one (a guild's
    shard follows from its id, a snowflake of its creation time)."""
    names = [f"bench-{i:02d}" for i in range(pairs)]
    users = [{"username": f} for f in FANS]
    team = await control.post(
        "/_emu/slack/workspaces",
        {"name": "Bench Team", "channels": names, "users": [{"name": f} for f in FANS]},
    )
    guilds: dict[int, dict[str, Any]] = {}
    for attempt in range(200):
        body = {"name": f"Bench Guild {attempt}", "channels": names, "users": users}
        guild = await control.post("/_emu/discord/guilds", body)
        guilds.setdefault(shard_of(int(guild["id"]), SHARDS), guild)
        if len(guilds) == SHARDS:
            break
    else:
        raise SystemExit("could not create a guild on every shard")
    world = await control.get("/_emu/world")
    s_channels = {c["name"]: c["id"] for c in team["channels"]}
    d_channels = {
        (shard, c["name"]): str(c["id"]) for shard, g in guilds.items() for c in g["channels"]
    }
    return ShardedWorld(
        BenchWorld(
            guild_id=str(guilds[0]["id"]),
            team_id=str(team["id"]),
            discord_users=tuple(u["id"] for u in guilds[0]["users"] if u["username"] in FANS),
            slack_users=tuple(u["id"] for u in team["users"] if u["name"] in FANS),
            pairs=tuple(
                Pair(i, d_channels[(i % SHARDS, n)], str(s_channels[n]))
                for i, n in enumerate(names)
            ),
            bot_token=str(world["discord"]["bot_token"]),
            slack_tokens={k: str(world["slack"][k]) for k in ("bot_token", "app_token")},
        ),
        tuple(str(guilds[i % SHARDS]["id"]) for i in range(pairs)),
    )


def config_text(
    sharded: ShardedWorld, emulator_url: str, db_url: str, schema: str | None, lease: float
) -> str:
    world, q = sharded.world, json.dumps
    lines = [
        "[database]",
        f"url = {q(db_url)}",
        *([f"schema_name = {q(schema)}"] if schema else []),
        "",
        "[discord]",
        f"token = {q(world.bot_token)}",
        f"shard_count = {SHARDS}",
        "",
        "[slack]",
        f"bot_token = {q(world.slack_tokens['bot_token'])}",
        f"app_token = {q(world.slack_tokens['app_token'])}",
        'mode = "socket"',
        "",
        "[web]",
        'host = "127.0.0.1"',
        "port = 0",
        "",
        "[workers]",
        f"lease_seconds = {lease:g}",
        "",
        "[network]",
        f"emulator = {q(emulator_url)}",
        "",
        "[logging]",
        'level = "INFO"',
    ]
    for pair in world.pairs:
        lines += [
            "",
            "[[groups]]",
            f'slug = "bench-{pair.index:02d}"',
            f'name = "Bench {pair.index}"',
            "[[groups.channels]]",
            'platform = "discord"',
            f"workspace = {q(sharded.guild_of[pair.index])}",
            f"channel = {q(pair.discord_channel)}",
            "[[groups.channels]]",
            'platform = "slack"',
            f"workspace = {q(world.team_id)}",
            f"channel = {q(pair.slack_channel)}",
        ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Stage:
    """One run's emulator, world, fresh schema and running workers."""

    control: Control
    session: aiohttp.ClientSession
    sharded: ShardedWorld
    workers: tuple[Worker, ...]
    shown: Shown


@asynccontextmanager
async def stage(opts: Options, count: int, label: str) -> AsyncIterator[Stage]:
    async with (
        emulator_process(rate_limits=False) as url,
        aiohttp.ClientSession() as session,
        database("postgres", opts.folder) as (db_url, schema),
    ):
        control = Control(url, session)
        sharded = await build_world(control, opts.pairs)
        config = opts.folder / f"{label}.toml"
        config.write_text(config_text(sharded, url, db_url, schema, opts.lease))
        workers: list[Worker] = []
        try:
            # The first alone (it migrates the schema and creates the scheduler's table), then
            # the others together: started at once on an empty schema, all but one fail.
            workers.append(await start_worker(config, f"{label}-worker1", opts.folder))
            await started(workers[0], READY_TIMEOUT)
            for i in range(1, count):
                workers.append(await start_worker(config, f"{label}-worker{i + 1}", opts.folder))
            steady = opts.lease + 0.5  # every lease renewed at least once where it is
            await wait_balanced(session, workers, SHARDS, steady=steady, within=READY_TIMEOUT)
            async with watching(session, url) as shown:
                yield Stage(control, session, sharded, tuple(workers), shown)
        finally:
            await stop_all(workers)
            report_errors(workers)


async def throughput(opts: Options, count: int) -> Throughput:
    async with stage(opts, count, f"n{count}") as st:
        await warm_up(st)
        per_pair = max(2, opts.messages // opts.pairs)
        cpu_before = [cpu_seconds(w.process.pid) for w in st.workers]
        tag = "w" + "abcdefghij"[count % 10]
        posted = await post_bursts(st.control, st.sharded.world, per_pair, tag)
        tokens = [p.token for p in posted]
        all_shown = await st.shown.wait_all(tokens, COPY_TIMEOUT)
        cpu = tuple(
            cpu_seconds(w.process.pid) - before if w.alive() else float("nan")
            for w, before in zip(st.workers, cpu_before, strict=True)
        )
        last = st.shown.last(tokens) or time.time()
        await asyncio.sleep(SETTLE)
        figures = copies_found(
            await observe(st.control, st.sharded.world), st.sharded.world, posted
        )
        _report_dead(st.workers)
        return Throughput(
            count, len(posted), last - min(p.posted_at for p in posted), figures, all_shown, cpu
        )


async def warm_up(st: Stage) -> None:
    """One message each way per shard, waited for: webhooks made and both platforms live."""
    world = st.sharded.world
    posted: list[Posted] = []
    for shard in range(SHARDS):
        pair = st.sharded.pairs_on(shard)[0]
        posted.append(await post_one(st.control, world, pair, DISCORD, "wu", shard))
        posted.append(await post_one(st.control, world, pair, SLACK, "wu", shard))
    if not await st.shown.wait_all([p.token for p in posted], 30.0):
        missing = [f"{p.side} -> shard {p.seq}" for p in posted if p.token not in st.shown.copies]
        raise FleetBroke(f"warm-up messages not relayed within 30 s: {', '.join(missing)}")


async def post_one(
    control: Control, world: BenchWorld, pair: Pair, side: str, tag: str, seq: int
) -> Posted:
    token = token_for(tag, pair.index, side, seq)
    text = f"{token} message {seq} from {side}"
    at = time.time()
    if side == DISCORD:
        body = {"channel_id": pair.discord_channel, "user_id": world.discord_users[0]}
        origin = str(
            (await control.post("/_emu/discord/messages", {**body, "content": text}))["id"]
        )
    else:
        body = {"channel": pair.slack_channel, "user": world.slack_users[0]}
        origin = str((await control.post("/_emu/slack/messages", {**body, "text": text}))["ts"])
    return Posted(token, side, pair.index, seq, origin, at)


async def takeover(opts: Options) -> Takeover:
    async with stage(opts, 2, "takeover") as st:
        await warm_up(st)
        statuses = await asyncio.gather(*(status(st.session, w) for w in st.workers))
        shard0 = lease_name(0)
        victim = next(i for i, s in enumerate(statuses) if shard0 in s.leases)
        survivor = st.workers[1 - victim]
        if not all(w.alive() for w in st.workers):
            raise FleetBroke("a worker exited before the kill")
        print(
            f"  {st.workers[victim].name} ({statuses[victim].worker_id}) holds"
            f" {', '.join(statuses[victim].leases)}; killing it with SIGKILL",
            flush=True,
        )
        kill_hard(st.workers[victim])
        killed = time.time()
        posted: list[Posted] = []
        tokens: list[str] = []  # grows as the poster posts
        done = asyncio.Event()
        poster = asyncio.create_task(_post_every_tick(st, posted, tokens, done))
        budget = opts.lease * 4 + 20
        first, leased = await asyncio.gather(
            st.shown.wait_any(tokens, budget), _lease_listed(st.session, survivor, shard0, budget)
        )
        await asyncio.sleep(AFTER_TAKEOVER)
        done.set()
        await poster
        await st.shown.wait_all(tokens, COPY_TIMEOUT)
        await asyncio.sleep(SETTLE)
        _report_dead([survivor])
        figures = copies_found(
            await observe(st.control, st.sharded.world), st.sharded.world, posted
        )
        return Takeover(
            opts.lease,
            None if first is None else first - killed,
            None if leased is None else leased - killed,
            figures,
        )


async def _post_every_tick(
    st: Stage, posted: list[Posted], tokens: list[str], done: asyncio.Event
) -> None:
    """One Discord message into a shard-0 guild every ``TICK``, rotating over its pairs."""
    pairs = st.sharded.pairs_on(0)
    start, seq = time.monotonic(), 0
    while not done.is_set():
        pair = pairs[seq % len(pairs)]
        one = await post_one(st.control, st.sharded.world, pair, DISCORD, "tk", seq)
        posted.append(one)
        tokens.append(one.token)
        seq += 1
        await asyncio.sleep(max(0.0, start + seq * TICK - time.monotonic()))


async def _lease_listed(
    session: aiohttp.ClientSession, worker: Worker, lease: str, within: float
) -> float | None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if lease in (await status(session, worker)).leases:
            return time.time()
        await asyncio.sleep(0.05)
    return None


def _report_dead(workers: Sequence[Worker]) -> None:
    for worker in workers:
        if not worker.alive():
            print(f"  {worker.exited()}")


def report_errors(workers: Sequence[Worker]) -> None:
    """The ERROR and WARNING lines the workers logged (the first few of each), so a product
    failure shows next to the figures it affects."""
    for worker in workers:
        for level in ("ERROR", "WARNING"):
            found = worker.log_lines(level)
            if found:
                print(f"  {worker.name}: {len(found)} {level} line(s), first:")
                print("\n".join(f"    {line[:300]}" for line in found[:3]))


def throughput_table(runs: Sequence[Throughput]) -> str:
    base = runs[0].rate if runs else 0.0
    lines = [
        f"  {'workers':>7} {'posted':>7} {'seconds':>8} {'msg/s':>7} {'ratio':>6} {'lost':>5}"
        f" {'dup':>4} {'misrouted':>9} {'reordered':>9}  CPU-s per worker",
    ]
    for run in runs:
        f = run.figures
        ratio = run.rate / base if base else 0.0
        cpu = " / ".join(f"{c:.1f}" for c in run.cpu)
        lines.append(
            f"  {run.workers:>7} {run.posted:>7} {run.seconds:>8.2f} {run.rate:>7.1f}"
            f" {ratio:>5.2f}x {f.lost:>5} {f.duplicated:>4} {f.misrouted:>9}"
            f" {f.reordered_channels:>9}  {cpu}" + ("" if run.all_shown else "  (timed out)")
        )
    return "\n".join(lines)


def takeover_lines(t: Takeover) -> str:
    def s(value: float | None) -> str:
        return "never (within the budget)" if value is None else f"{value:.2f} s"

    f = t.figures
    return "\n".join(
        [
            f"  lease_seconds                                   {t.lease:g} s",
            f"  kill -9 -> first post-kill message on Slack     {s(t.to_first_copy)}",
            f"  kill -9 -> survivor's /readyz lists shard 0     {s(t.to_lease)}",
            f"  posted after the kill (one per {TICK * 1000:.0f} ms)         {f.posted}",
            f"  shown on Slack / lost / duplicated             "
            f" {f.relayed} / {f.lost} / {f.duplicated}",
        ]
    )


async def amain(opts: Options) -> None:
    print(
        f"fanbridge workers benchmark: PostgreSQL, {opts.pairs} channel pairs (half in each of"
        f" {SHARDS} guilds on {SHARDS} shards), {opts.messages} messages per run (half from each"
        f" side), emulator rate limits off, Python {platform.python_version()},"
        f" {os.cpu_count()} CPUs",
        flush=True,
    )
    print(
        "On a machine with few cores the workers, the emulator and PostgreSQL share the CPUs:"
        " read the ratio to one worker, not the absolute rate.",
        flush=True,
    )
    runs: list[Throughput] = []
    for count in opts.workers:
        print(f"- {count} worker(s)...", flush=True)
        try:
            runs.append(await throughput(opts, count))
        except FleetBroke as broke:
            print(f"  run with {count} worker(s) failed: {broke}", flush=True)
    print()
    print("Throughput (first post -> last copy shown):")
    print(throughput_table(runs))
    print()
    print(f"Take-over after kill -9 (2 workers, lease_seconds {opts.lease:g}):", flush=True)
    try:
        print(takeover_lines(await takeover(opts)))
    except FleetBroke as broke:
        print(f"  take-over run failed: {broke}")


def parse(argv: Sequence[str] | None, folder: Path) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.workers", description=__doc__)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--messages", type=int, default=1200, help="per run, both sides")
    parser.add_argument("--pairs", type=int, default=12, help="channel pairs (one group each)")
    parser.add_argument("--lease", type=float, default=3.0, help="[workers] lease_seconds (>= 3)")
    parser.add_argument("--logs", type=Path, help="keep the workers' logs and configs here")
    args = parser.parse_args(argv)
    if args.logs is not None:
        args.logs.mkdir(parents=True, exist_ok=True)
        folder = args.logs
    return Options(
        workers=tuple(max(1, n) for n in args.workers),
        messages=max(2, args.messages),
        pairs=max(SHARDS, args.pairs),
        lease=max(3.0, args.lease),
        folder=folder,
    )


def main(argv: Sequence[str] | None = None) -> int:
    with tempfile.TemporaryDirectory(prefix="fanbridge-workers-") as tmp:
        opts = parse(argv, Path(tmp))
        asyncio.run(amain(opts))
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    raise SystemExit(main())
