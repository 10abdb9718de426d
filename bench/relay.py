"""Relay benchmark: the real bridge (Runtime with discord.py and slack-bolt over Socket Mode)
against the emulators, bursts over many channel pairs, with the emulators' rate limits on (real
windows, time_scale 1) and off.

``python -m bench.relay [--pairs N] [--messages M] [--rate-limits on|off|both]
[--db sqlite|postgres] [--timeout S] [--core-events N] [--profile]``

Figures are printed, never asserted; the exit status is 0 unless the benchmark itself breaks.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench.burst import observe, post_bursts
from bench.core import SqlCounter, format_phases, format_store_calls, run_core
from bench.emulator import emulator
from bench.logs import bench_logging
from bench.probe import BenchRuntime, ErrorTally
from bench.profiling import Profiler
from bench.report import table
from bench.stats import RunFigures, copies_found, latencies
from bench.world import BenchWorld, Control, bridge_config, build_world, database

MAX_PAIRS, MAX_MESSAGES, MAX_TIMEOUT = 50, 200, 900.0
RUN_OVERHEAD = 10.0  # start-up, read-back and shutdown of one run, seconds (generous)


@dataclass(frozen=True)
class Options:
    pairs: int
    messages: int
    modes: tuple[bool, ...]  # rate limits on/off, in run order
    db: str
    timeout: float
    core_events: int
    profile: bool
    verbose: bool
    emulator_thread: bool


async def run_once(
    opts: Options, rate_limits: bool, budget: float, workdir: Path, profiler: Profiler | None
) -> RunFigures:
    label = f"limits {'on' if rate_limits else 'off'}"
    async with (
        emulator(rate_limits=rate_limits, in_process=opts.emulator_thread) as emulator_url,
        aiohttp.ClientSession() as session,
        database(opts.db, workdir) as (url, schema),
    ):
        control = Control(emulator_url, session)
        world = await build_world(control, opts.pairs)
        runtime = BenchRuntime(bridge_config(world, emulator_url, url), schema=schema)
        with ErrorTally().installed() as tally:
            await runtime.start()
            try:
                with Profiler.maybe(profiler):
                    figures = await _measure(control, world, runtime, opts, label, budget)
            finally:
                await runtime.stop()
        figures.errors = dict(tally.counts)
        return figures


async def _measure(
    control: Control,
    world: BenchWorld,
    runtime: BenchRuntime,
    opts: Options,
    label: str,
    budget: float,
) -> RunFigures:
    assert runtime.store is not None and runtime.worker is not None
    assert runtime.router is not None
    sql = SqlCounter(runtime.store.engine)
    events_before = runtime.router.events_in
    tag = label.split()[-1]
    posted = await post_bursts(control, world, opts.messages, tag)
    keys = [(p.side, p.origin_id) for p in posted]
    done = await runtime.wait_settled(keys, within=budget)
    finished = max(runtime.delivered_at, default=time.time())
    observed = await observe(control, world)
    figures = copies_found(observed, world, posted)
    figures.label = label
    figures.completed = done
    figures.seconds = finished - min(p.posted_at for p in posted)
    latencies(figures, posted, runtime.received, observed)
    figures.outbox_retries = runtime.worker.rate_limited
    figures.events_in = runtime.router.events_in - events_before
    figures.sql_statements, figures.sql_commits, figures.sql_writes = sql.snapshot()
    figures.dead_tasks = runtime.dead_tasks()
    return figures


async def run_all(opts: Options) -> list[RunFigures]:
    deadline = time.monotonic() + opts.timeout
    reserve = 2.0 + opts.core_events * 0.06  # what the core measure needs afterwards
    runs: list[RunFigures] = []
    with tempfile.TemporaryDirectory(prefix="fanbridge-bench-") as tmp:
        for index, rate_limits in enumerate(opts.modes):
            left = len(opts.modes) - index
            budget = (deadline - time.monotonic() - reserve) / left - RUN_OVERHEAD
            profiler = Profiler() if opts.profile else None
            try:
                figures = await asyncio.wait_for(
                    run_once(opts, rate_limits, max(budget, 5.0), Path(tmp), profiler),
                    timeout=max(budget, 5.0) + 3 * RUN_OVERHEAD,
                )
            except TimeoutError:
                print(f"run with rate limits {'on' if rate_limits else 'off'} hung; skipped")
                continue
            runs.append(figures)
            if profiler is not None:
                print(profiler.report(f"bridge thread, {figures.label}"), flush=True)
    return runs


def parse(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.relay", description=__doc__)
    parser.add_argument("--pairs", type=int, default=10, help="channel pairs (one group each)")
    parser.add_argument("--messages", type=int, default=20, help="messages per pair, both sides")
    parser.add_argument("--rate-limits", choices=("on", "off", "both"), default="both")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--timeout", type=float, default=110.0, help="global bound, seconds")
    parser.add_argument("--core-events", type=int, default=200, help="0 skips the core measure")
    parser.add_argument("--profile", action="store_true", help="cProfile the bridge's thread")
    parser.add_argument("--verbose", action="store_true", help="show the bridge's log")
    parser.add_argument(
        "--emulator-thread",
        action="store_true",
        help="run the emulator on a thread of this process (default: its own process)",
    )
    args = parser.parse_args(argv)
    modes = {"on": (True,), "off": (False,), "both": (False, True)}[args.rate_limits]
    return Options(
        pairs=min(max(args.pairs, 1), MAX_PAIRS),
        messages=min(max(args.messages, 1), MAX_MESSAGES),
        modes=modes,
        db=args.db,
        timeout=min(max(args.timeout, 30.0), MAX_TIMEOUT),
        core_events=min(max(args.core_events, 0), 2000),
        profile=args.profile,
        verbose=args.verbose,
        emulator_thread=args.emulator_thread,
    )


def banner(opts: Options) -> str:
    return (
        f"fanbridge relay benchmark: {opts.pairs} channel pairs x {opts.messages} messages "
        f"(half from each side) = {opts.pairs * opts.messages} per run, db {opts.db}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs\n"
        "added latency = bridge dispatch() got the event -> emulator saw the copy's "
        "successful API call (webhook execute / chat.postMessage)"
    )


async def amain(opts: Options) -> None:
    print(banner(opts), flush=True)
    runs = await run_all(opts)
    print()
    print(table(runs))
    for run in runs:
        for error, count in sorted(run.errors.items(), key=lambda kv: -kv[1]):
            print(f"  {run.label}: {count} x logged error: {error}")
        for name, error in run.dead_tasks.items():
            print(f"  {run.label}: the bridge's '{name}' task died: {error}")
    if opts.core_events:
        profiler = Profiler() if opts.profile else None
        phases = await run_core(opts.core_events, opts.pairs, opts.db, profiler)
        print()
        print(format_phases(phases, opts.db))
        for phase in phases[:2]:
            print(format_store_calls(phase))
        if profiler is not None:
            print(profiler.report("core"))


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse(argv)
    bench_logging(opts.verbose)
    asyncio.run(amain(opts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
