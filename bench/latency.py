"""Latency, one message at a time: fanbridge next to the plainest relay (bench/plain_relay.py).

``python -m bench.latency [--messages N] [--pairs P] [--gap S] [--db sqlite|postgres]``

The emulator runs in its own process (``fanbridge emulate``, rate limits on at their real
windows). One guild and one workspace get 2P channels each: P pairs linked by fanbridge (each
its own Fan Group), P pairs relayed by the plain relay. Messages are posted one at a time, each
after the previous one's copy was sent, then a pause (``--gap``), rotating over the pairs, so
every channel stays far below every platform limit.

Phase 1 interleaves fanbridge Discord→Slack, plain Discord→Slack and fanbridge Slack→Discord,
so both relays see the same machine load. Phase 2 stops fanbridge and measures the plain relay
Slack→Discord (Slack hands each event to one of an app's Socket Mode connections, so the two
cannot listen at once). Latency = the post through the control API → the emulator logged the
successful API call that carried the copy (webhook execute / channel message / chat.postMessage).
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import aiohttp

from bench.burst import DISCORD, SLACK, Observed, token_for, tokens_in
from bench.emulator import emulator_process
from bench.logs import bench_logging
from bench.plain_relay import PlainRelay
from bench.probe import BenchRuntime
from bench.stats import copy_calls, percentile
from bench.world import BenchWorld, Control, Pair, bridge_config, build_world, database
from bridge.records import OutboxItem

FANBRIDGE, PLAIN = "fanbridge", "plain"
TAGS = {FANBRIDGE: "lf", PLAIN: "lp"}
WAIT = 10.0  # seconds one copy may take before the run gives up on it


@dataclass(frozen=True)
class Sample:
    system: str
    side: str  # the origin platform
    token: str
    posted_at: float


class Arrivals:
    """Futures for the copy in flight: the plain relay reports the text it relayed, fanbridge
    each delivery (one message is in flight at a time)."""

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Future[None]] = {}
        self._fanbridge: asyncio.Future[None] | None = None

    def expect(self, system: str, token: str) -> asyncio.Future[None]:
        future = asyncio.get_running_loop().create_future()
        if system == FANBRIDGE:
            self._fanbridge = future
        else:
            self._waiting[token] = future
        return future

    def plain(self, text: str) -> None:
        for token in tokens_in(text):
            future = self._waiting.pop(token, None)
            if future is not None and not future.done():
                future.set_result(None)

    def fanbridge(self, _item: OutboxItem) -> None:
        if self._fanbridge is not None and not self._fanbridge.done():
            self._fanbridge.set_result(None)


async def post(control: Control, pair: Pair, side: str, world: BenchWorld, text: str) -> None:
    if side == DISCORD:
        body = {"channel_id": pair.discord_channel, "user_id": world.discord_users[0]}
        await control.post("/_emu/discord/messages", {**body, "content": text})
    else:
        body = {"channel": pair.slack_channel, "user": world.slack_users[0]}
        await control.post("/_emu/slack/messages", {**body, "text": text})


@dataclass
class Run:
    control: Control
    world: BenchWorld
    ours: tuple[Pair, ...]
    theirs: tuple[Pair, ...]
    arrivals: Arrivals
    gap: float
    samples: list[Sample]

    async def one(self, system: str, side: str, index: int, *, record: bool = True) -> None:
        pairs = self.ours if system == FANBRIDGE else self.theirs
        pair = pairs[index % len(pairs)]
        tag = TAGS[system] if record else "lw"
        token = token_for(tag, pair.index, side, index)
        arrived = self.arrivals.expect(system, token)
        at = time.time()
        await post(self.control, pair, side, self.world, f"{token} latency probe {index}")
        await asyncio.wait_for(arrived, timeout=WAIT)
        if record:
            self.samples.append(Sample(system, side, token, at))
        await asyncio.sleep(self.gap)  # pacing: stay below every platform limit


async def measure(opts: argparse.Namespace, workdir: Path) -> tuple[list[Sample], Observed]:
    async with (
        emulator_process() as url,
        aiohttp.ClientSession() as session,
        database(opts.db, workdir) as (db_url, schema),
    ):
        control = Control(url, session)
        world = await build_world(control, 2 * opts.pairs)
        ours, theirs = world.pairs[: opts.pairs], world.pairs[opts.pairs :]
        arrivals = Arrivals()
        runtime = BenchRuntime(
            bridge_config(replace(world, pairs=ours), url, db_url), schema=schema
        )
        plain = PlainRelay(
            emulator=url,
            discord_token=world.bot_token,
            slack_bot_token=world.slack_tokens["bot_token"],
            slack_app_token=world.slack_tokens["app_token"],
            routes={p.discord_channel: p.slack_channel for p in theirs},
            relayed=arrivals.plain,
        )
        run = Run(control, world, ours, theirs, arrivals, opts.gap, [])
        await runtime.start()
        assert runtime.worker is not None
        runtime.worker.on_delivered = arrivals.fanbridge
        await plain.start_discord()
        try:
            await _phase_one(run, opts.messages)
        finally:
            await runtime.stop()
        try:
            await plain.start_slack()
            await _phase_two(run, opts.messages)
        finally:
            await plain.stop()
        requests = {p: await control.get("/_emu/requests", platform=p) for p in (DISCORD, SLACK)}
        return run.samples, Observed(requests, {})


async def _phase_one(run: Run, messages: int) -> None:
    plan = ((FANBRIDGE, DISCORD), (PLAIN, DISCORD), (FANBRIDGE, SLACK))
    for index in range(len(run.ours)):  # warm-up: accounts, webhooks, caches
        for system, side in plan:
            await run.one(system, side, index, record=False)
    for index in range(messages):
        for system, side in plan:
            await run.one(system, side, index)


async def _phase_two(run: Run, messages: int) -> None:
    for index in range(len(run.theirs)):
        await run.one(PLAIN, SLACK, index, record=False)
    for index in range(messages):
        await run.one(PLAIN, SLACK, index)


Found = dict[tuple[str, str], list[float]]  # (relay, origin side) -> latencies in ms


def latencies_ms(samples: Sequence[Sample], observed: Observed) -> Found:
    calls = copy_calls(observed)
    out: Found = {}
    for s in samples:
        ok = sorted(at for at, status in calls.get(s.token, []) if status < 300)
        if ok:
            out.setdefault((s.system, s.side), []).append((ok[0] - s.posted_at) * 1000)
    return out


def report(found: Found, opts: argparse.Namespace) -> str:
    lines = [
        f"fanbridge latency benchmark: one message at a time, {opts.messages} per direction and "
        f"relay, {opts.pairs} channel pairs each, gap {opts.gap:.2f} s, db {opts.db}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs",
        "latency = control-API post -> the emulator logged the copy's successful API call",
        "",
        f"  {'direction':<16}{'relay':<11}{'n':>5}{'p50 ms':>9}{'p90 ms':>9}",
    ]
    for side, name in ((DISCORD, "Discord->Slack"), (SLACK, "Slack->Discord")):
        rows = {system: found.get((system, side), []) for system in (FANBRIDGE, PLAIN)}
        for system, values in rows.items():
            p50, p90 = percentile(values, 50), percentile(values, 90)
            lines.append(f"  {name:<16}{system:<11}{len(values):>5}{p50:>9.1f}{p90:>9.1f}")
        ours, theirs = rows[FANBRIDGE], rows[PLAIN]
        r50 = percentile(ours, 50) / percentile(theirs, 50)
        r90 = percentile(ours, 90) / percentile(theirs, 90)
        lines.append(f"  {name:<16}{'ratio':<11}{'':>5}{r50:>8.2f}x{r90:>8.2f}x")
    lines.append("  targets: fanbridge p50 <= 1.5x the plain relay's, p90 <= 2x (issue #14)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__)
    parser.add_argument("--messages", type=int, default=60, help="per direction and relay")
    parser.add_argument("--pairs", type=int, default=8, help="channel pairs per relay")
    parser.add_argument("--gap", type=float, default=0.15, help="pause after each copy (s)")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--verbose", action="store_true", help="show the bridge's warnings")
    opts = parser.parse_args(argv)
    opts.messages, opts.pairs = max(1, min(opts.messages, 500)), max(1, min(opts.pairs, 20))
    bench_logging(opts.verbose)
    with tempfile.TemporaryDirectory(prefix="fanbridge-latency-") as tmp:
        samples, observed = asyncio.run(measure(opts, Path(tmp)))
    print(report(latencies_ms(samples, observed), opts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
