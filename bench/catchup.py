"""Catch-up benchmark: the real bridge (Runtime with discord.py and slack-bolt over Socket Mode) is
stopped, N messages are posted in one linked Discord channel, the bridge is started again and
reads them back from the channel's history.

``python -m bench.catchup [--missed N [N ...]] [--time-scale S] [--db sqlite|postgres]
[--slack-share] [--live-interval S] [--live-window S] [--deliver-up-to N] [--verbose]``

Per N it reports: start -> every missed message recorded and queued (the bridge's ``message``
rows), start -> every copy shown on Slack (only for N up to ``--deliver-up-to``: at the real
``chat.postMessage`` limit of about one a second per channel, 2000 copies take over half an
hour), the history requests and 429s in the emulator's request log, and the latency of live
messages posted every ``--live-interval`` seconds in a second linked pair while it catches up.

Figures are printed, never asserted; the exit status is 0 unless the benchmark itself breaks.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func
from sqlmodel import col, select

from bench.burst import DISCORD, SLACK, Observed, token_for, tokens_in
from bench.logs import bench_logging
from bench.probe import BenchRuntime, ErrorTally
from bench.stats import copy_calls, percentile
from bench.world import BenchWorld, Control, Pair, bridge_config, build_world, database
from emulators.core import EmulatorOptions
from emulators.server import ThreadedEmulator
from storage.tables import MessageRow

DISCORD_HISTORY = re.compile(r"/channels/\d+/messages$")
SLACK_HISTORY = ("conversations.history", "conversations.replies")
POLL = 0.25  # seconds between looks at the store and the emulator
SLACK_PER_MINUTE = 60  # chat.postMessage per channel at time scale 1 (the emulator's window)


@dataclass(frozen=True)
class Options:
    missed: tuple[int, ...]
    time_scale: float
    db: str
    slack_share: bool
    live_interval: float
    live_window: float
    deliver_up_to: int
    timeout: float
    verbose: bool


@dataclass
class Live:
    token: str
    side: str
    posted_at: float


@dataclass
class CatchFigures:
    missed: int
    missed_slack: int = 0
    queued_s: float | None = None  # start -> every missed message recorded and queued
    delivered_s: float | None = None  # start -> every copy shown on the other side
    delivery_measured: bool = False
    copies_shown: int = 0
    history_requests: dict[str, int] = field(default_factory=dict)
    http_429: dict[str, int] = field(default_factory=dict)
    history_429: dict[str, int] = field(default_factory=dict)  # 429s on history reads
    live_ms: list[float] = field(default_factory=list)
    live_posted: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    dead_tasks: dict[str, str] = field(default_factory=dict)


async def run_once(opts: Options, missed: int, workdir: Path) -> CatchFigures:
    emulator_options = EmulatorOptions(rate_limits=True, time_scale=opts.time_scale)
    emulator = await asyncio.to_thread(ThreadedEmulator(options=emulator_options).start)
    figures = CatchFigures(missed=missed)
    try:
        async with aiohttp.ClientSession() as session, database(opts.db, workdir) as (url, schema):
            control = Control(emulator.url, session)
            world = await build_world(control, 2)
            config = bridge_config(world, emulator.url, url)
            with ErrorTally().installed() as tally:
                first = BenchRuntime(config, schema=schema)
                await first.start()  # seeds the groups and links the channels
                await _idle(first)
                await first.stop()
                await _post_missed(control, world, missed, opts.slack_share, figures)
                runtime = BenchRuntime(config, schema=schema)
                await _measure(opts, control, world, runtime, figures)
            figures.errors = dict(tally.counts)
    finally:
        await asyncio.to_thread(emulator.stop)
    return figures


async def _idle(runtime: BenchRuntime, within: float = 20.0) -> None:
    """Until the first start's catch-up has let every channel through."""
    assert runtime.gate is not None
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        catchup = runtime.catchup
        states = [p.state for p in catchup.progress.values()] if catchup is not None else []
        if len(states) == 4 and all(state in ("done", "failed") for state in states):
            return
        await asyncio.sleep(POLL)


async def _post_missed(
    control: Control, world: BenchWorld, missed: int, slack_share: bool, figures: CatchFigures
) -> None:
    """The missed messages, posted in order while the bridge is stopped."""
    pair = world.pairs[0]
    for seq in range(missed):
        user = world.discord_users[seq % len(world.discord_users)]
        text = f"{token_for('cu', 0, DISCORD, seq)} missed message {seq}"
        body = {"channel_id": pair.discord_channel, "user_id": user, "content": text}
        await control.post("/_emu/discord/messages", body)
    figures.missed_slack = missed // 10 if slack_share else 0
    for seq in range(figures.missed_slack):
        user = world.slack_users[seq % len(world.slack_users)]
        text = f"{token_for('cu', 0, SLACK, seq)} missed message {seq}"
        await control.post(
            "/_emu/slack/messages", {"channel": pair.slack_channel, "user": user, "text": text}
        )


async def _measure(
    opts: Options,
    control: Control,
    world: BenchWorld,
    runtime: BenchRuntime,
    figures: CatchFigures,
) -> None:
    pair = world.pairs[0]
    deliver = figures.missed <= opts.deliver_up_to
    figures.delivery_measured = deliver
    started = time.time()
    stop_live = asyncio.Event()
    live: list[Live] = []
    await runtime.start()
    poster = asyncio.create_task(_post_live(control, world, opts, stop_live, live))
    try:
        deadline = time.monotonic() + opts.timeout
        while time.monotonic() < deadline:
            if figures.queued_s is None and await _recorded(runtime, pair) >= (
                figures.missed + figures.missed_slack
            ):
                figures.queued_s = time.time() - started
            if deliver and figures.delivered_s is None:
                figures.copies_shown = await _shown(control, pair)
                if figures.copies_shown >= figures.missed + figures.missed_slack:
                    figures.delivered_s = time.time() - started
            caught_up = figures.delivered_s if deliver else figures.queued_s
            if caught_up is not None or time.monotonic() - deadline > -POLL:
                break
            if time.time() - started >= opts.live_window:
                stop_live.set()
            await asyncio.sleep(POLL)
        stop_live.set()
        await poster
        await _live_copies(control, opts, live)
        observed = await _requests(control)
    finally:
        stop_live.set()
        await runtime.stop()
    figures.live_posted = len(live)
    calls = copy_calls(observed)
    for post in live:
        ok = sorted(at for at, status in calls.get(post.token, []) if status < 300)
        if ok:
            figures.live_ms.append((ok[0] - post.posted_at) * 1000)
    for side, records in observed.requests.items():
        after = [r for r in records if float(r["at"]) >= started]
        figures.history_requests[side] = sum(1 for r in after if _is_history(side, r))
        refused = [r for r in after if r.get("status") == 429]
        figures.http_429[side] = len(refused)
        figures.history_429[side] = sum(1 for r in refused if _is_history(side, r))
    figures.dead_tasks = runtime.dead_tasks()


async def _post_live(
    control: Control, world: BenchWorld, opts: Options, stop: asyncio.Event, live: list[Live]
) -> None:
    """One message every ``live_interval`` seconds in the second pair, alternating sides."""
    pair = world.pairs[1]
    seq = 0
    while not stop.is_set():
        side = DISCORD if seq % 2 == 0 else SLACK
        token = token_for("lv", 1, side, seq)
        text = f"{token} live message {seq}"
        at = time.time()
        if side == DISCORD:
            user = world.discord_users[seq % len(world.discord_users)]
            body = {"channel_id": pair.discord_channel, "user_id": user, "content": text}
            await control.post("/_emu/discord/messages", body)
        else:
            user = world.slack_users[seq % len(world.slack_users)]
            body = {"channel": pair.slack_channel, "user": user, "text": text}
            await control.post("/_emu/slack/messages", body)
        live.append(Live(token, side, at))
        seq += 1
        with contextlib.suppress(TimeoutError):
            wait = max(0.0, at + opts.live_interval - time.time())
            await asyncio.wait_for(stop.wait(), timeout=wait)


async def _recorded(runtime: BenchRuntime, pair: Pair) -> int:
    """Messages the bridge recorded from the missed channel pair (each queued with its copy)."""
    assert runtime.store is not None
    query = (
        select(func.count())
        .select_from(MessageRow)
        .where(col(MessageRow.origin_channel).in_([pair.discord_channel, pair.slack_channel]))
    )
    async with runtime.store.session() as s:
        return int((await s.exec(query)).one())


async def _shown(control: Control, pair: Pair) -> int:
    """Copies of the missed messages shown on the other side of the pair."""
    shown = 0
    for platform_name, channel, key in (
        (SLACK, pair.slack_channel, "text"),
        (DISCORD, pair.discord_channel, "content"),
    ):
        rows = await control.get(f"/_emu/{platform_name}/channels/{channel}/messages")
        for row in rows:
            for token in tokens_in(str(row.get(key) or "")):
                if token.startswith("bmcu") and token[8] != platform_name[0]:
                    shown += 1
    return shown


async def _live_copies(control: Control, opts: Options, live: list[Live]) -> None:
    """Give the last live messages' copies a moment to land (bounded)."""
    wanted = {p.token for p in live}
    deadline = time.monotonic() + 15.0 * max(opts.time_scale, 0.2)
    while wanted and time.monotonic() < deadline:
        found = copy_calls(await _requests(control))
        if all(any(s < 300 for _, s in found.get(t, [])) for t in wanted):
            return
        await asyncio.sleep(0.5)


async def _requests(control: Control) -> Observed:
    requests = {p: await control.get("/_emu/requests", platform=p) for p in (DISCORD, SLACK)}
    return Observed(requests, {})


def _is_history(side: str, record: dict[str, Any]) -> bool:
    path = str(record.get("path") or "")
    if side == DISCORD:
        return record.get("method") == "GET" and bool(DISCORD_HISTORY.search(path))
    return path.endswith(SLACK_HISTORY)


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _ms(values: list[float]) -> str:
    if not values:
        return "n/a"
    return f"{percentile(values, 50):.0f} / {percentile(values, 90):.0f}"


def _pair(counts: dict[str, int]) -> str:
    return f"{counts.get(DISCORD, 0)} / {counts.get(SLACK, 0)}"


ROWS: list[tuple[str, Callable[[CatchFigures], str]]] = [
    ("missed messages (discord / slack)", lambda f: f"{f.missed} / {f.missed_slack}"),
    ("start -> all recorded and queued (s)", lambda f: _seconds(f.queued_s)),
    (
        "start -> every copy shown (s)",
        lambda f: _seconds(f.delivered_s) if f.delivery_measured else "not measured",
    ),
    (
        "  copies shown when it stopped",
        lambda f: str(f.copies_shown) if f.delivery_measured else "-",
    ),
    ("history requests (discord / slack)", lambda f: _pair(f.history_requests)),
    ("429s received (discord / slack)", lambda f: _pair(f.http_429)),
    ("  of which on history reads", lambda f: _pair(f.history_429)),
    ("live messages posted meanwhile", lambda f: str(f.live_posted)),
    ("live post -> copy shown p50/p90 (ms)", lambda f: _ms(f.live_ms)),
    ("  live copies seen", lambda f: str(len(f.live_ms))),
    ("errors logged by the bridge", lambda f: str(sum(f.errors.values()))),
    ("bridge tasks that died", lambda f: ", ".join(f.dead_tasks) or "none"),
]


def table(runs: Sequence[CatchFigures]) -> str:
    width = max(len(name) for name, _ in ROWS) + 2
    cells = [[fn(r) for _, fn in ROWS] for r in runs]
    labels = [f"N={r.missed}" for r in runs]
    columns = [
        max(14, len(lb) + 2, *(len(c) + 2 for c in col_))
        for lb, col_ in zip(labels, cells, strict=True)
    ]
    header = "".ljust(width) + "".join(lb.rjust(c) for lb, c in zip(labels, columns, strict=True))
    lines = [header, "-" * len(header)]
    for i, (name, _) in enumerate(ROWS):
        lines.append(
            name.ljust(width)
            + "".join(col_[i].rjust(c) for col_, c in zip(cells, columns, strict=True))
        )
    return "\n".join(lines)


def parse(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.catchup", description=__doc__)
    parser.add_argument("--missed", type=int, nargs="+", default=[100, 500, 2000])
    parser.add_argument("--time-scale", type=float, default=1.0, help="1 = real platform limits")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--slack-share", action="store_true", help="also N/10 missed on Slack")
    parser.add_argument("--live-interval", type=float, default=0.5)
    parser.add_argument("--live-window", type=float, default=30.0, help="longest live posting")
    parser.add_argument(
        "--deliver-up-to",
        type=int,
        default=None,
        help="wait for every copy to be shown only up to this N (default: what Slack's "
        "chat.postMessage limit delivers in about 100 s at the time scale)",
    )
    parser.add_argument("--timeout", type=float, default=240.0, help="per N, seconds")
    parser.add_argument("--verbose", action="store_true", help="show the bridge's log")
    args = parser.parse_args(argv)
    scale = max(args.time_scale, 0.01)
    deliver = args.deliver_up_to
    if deliver is None:
        deliver = int(100 / scale * SLACK_PER_MINUTE / 60)
    return Options(
        missed=tuple(min(max(n, 1), 9999) for n in args.missed),
        time_scale=scale,
        db=args.db,
        slack_share=args.slack_share,
        live_interval=max(args.live_interval, 0.05),
        live_window=max(args.live_window, 1.0),
        deliver_up_to=deliver,
        timeout=max(args.timeout, 10.0),
        verbose=args.verbose,
    )


def banner(opts: Options) -> str:
    return (
        f"fanbridge catch-up benchmark: N missed messages in one linked Discord channel"
        f"{' (+N/10 on Slack)' if opts.slack_share else ''}, bridge restarted, time scale "
        f"{opts.time_scale:g}, db {opts.db}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs\n"
        "caught up = every missed message recorded by the bridge and its copy queued (message "
        "rows in its store).\n"
        f"every copy shown is waited for only up to N={opts.deliver_up_to}: Slack's "
        "chat.postMessage allows about one a second per channel, so 2000 copies take over "
        "30 min at time scale 1.\n"
        f"live: one message every {opts.live_interval:g} s (alternating sides) in a second "
        f"linked pair from the start until caught up (at most {opts.live_window:g} s); "
        "latency = post -> the copy's successful API call"
    )


async def amain(opts: Options) -> None:
    print(banner(opts), flush=True)
    runs: list[CatchFigures] = []
    with tempfile.TemporaryDirectory(prefix="fanbridge-bench-") as tmp:
        for missed in opts.missed:
            started = time.monotonic()
            figures = await run_once(opts, missed, Path(tmp))
            runs.append(figures)
            print(f"  N={missed}: {time.monotonic() - started:.0f} s of wall time", flush=True)
    print()
    print(table(runs))
    for run in runs:
        for error, count in sorted(run.errors.items(), key=lambda kv: -kv[1]):
            print(f"  N={run.missed}: {count} x logged error: {error}")
        for name, error in run.dead_tasks.items():
            print(f"  N={run.missed}: the bridge's '{name}' task died: {error}")


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse(argv)
    bench_logging(opts.verbose)
    asyncio.run(amain(opts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
