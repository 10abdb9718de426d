"""Start-up at scale: 10,000 fan groups and 20,000 channel links (10,000 Discord channels in 20
guilds of 500, 10,000 Slack channels in one workspace), the bridge as `fanbridge run` in its
own process against the emulator in another.

    python -m bench.scale [--groups 10000] [--time-scale 1] [--settle 30] [--db sqlite|postgres]
    python -m bench.scale --starts 7 [--profile FILE] [--db sqlite|postgres]

The emulator starts from a world file; the database (a fresh SQLite file, or a fresh schema of
``FANBRIDGE_BENCH_POSTGRES_URL``) is migrated, then seeded with one bulk insert (the links
carry no names, as config-seeded links do). Printed, never asserted:
  - start-up to ready: launch of `fanbridge run` until ``/readyz`` answers 200 (s);
  - RSS of the bridge process at ready and its peak (MB);
  - time until every Slack link is named, next to the tier's minimum: ``conversations.list``
    is Tier 2 (20 calls a minute), 200 channels a page, so N channels take N/200 calls; the
    first 20 go at once and each further 20 a minute later. ``--time-scale`` runs the
    emulator's rate-limit windows faster (the bridge's pace is then ahead of the emulator's
    and meets 429s, which it waits out: the figure says so);
  - a second start with every name known: its ``conversations.list`` calls (0 expected) and
    the CPU-seconds the process spends from ready to ``--settle`` seconds later.

``--starts N`` measures start-up alone: after the seeding, N starts of `fanbridge run` one after
the other, each stopped once ready (the links stay mostly unnamed, as in the first start), and
their ready time and RSS at ready with min / median / max. ``--profile FILE`` runs the last of
them under cProfile (its stats written to FILE when it stops; its ready time then includes
cProfile's own overhead).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, insert, select

from bench.emulator import LISTENING, _stop
from bench.world import database
from storage.db import normalise_url
from storage.repos import SqlStore
from storage.tables import ChannelLinkRow, FanGroupRow

GUILD_SIZE = 500  # Discord allows 500 channels a guild
PAGE = 200  # channels a conversations.list page, as the bridge asks
TIER_2 = 20  # conversations.list calls a minute
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Scale:
    groups: int
    time_scale: float
    settle: float
    database: str  # SQLAlchemy URL
    schema: str | None  # PostgreSQL: the bench's own schema
    starts: int = 0  # > 0: only that many starts to ready (no naming wait, no second start)
    profile: str | None = None  # the last start under cProfile, its stats written here


def world(groups: int) -> dict[str, Any]:
    guilds = [
        {
            "name": f"Fans {g}",
            "channels": [f"fans-{i}" for i in range(g, min(g + GUILD_SIZE, groups))],
            "users": [{"username": f"admin{g}", "permissions": ["ADMINISTRATOR"]}],
        }
        for g in range(0, groups, GUILD_SIZE)
    ]
    team = {
        "name": "Big Fans",
        "domain": "bigfans",
        "channels": [f"fans-{i}" for i in range(groups)],
        "users": [{"name": "erin", "real_name": "Erin Evans", "admin": True}],
    }
    return {"discord": {"guilds": guilds}, "slack": {"workspaces": [team]}}


@asynccontextmanager
async def emulator(world_in: Path, world_out: Path, time_scale: float) -> AsyncIterator[str]:
    """``fanbridge emulate`` with the bench's world in its own process; yields its URL."""
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "adapters.cli", "emulate", "--port", "0"),
        *("--world", str(world_in), "--world-out", str(world_out)),
        *("--time-scale", str(time_scale)),
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    try:
        while True:
            line = (await asyncio.wait_for(process.stdout.readline(), timeout=120)).decode()
            if not line:
                raise SystemExit("the emulator exited before listening")
            if found := LISTENING.search(line):
                break
        yield found.group(1)
    finally:
        await _stop(process)


async def seed(scale: Scale, resolved: dict[str, Any]) -> None:
    """Migrate, then one bulk insert of the groups and one of their links (no names)."""
    groups = scale.groups
    store = await SqlStore.open(scale.database, schema=scale.schema)
    d_channels = [c for g in resolved["discord"]["guilds"] for c in g["channels"]]
    d_guild = {c["id"]: g["id"] for g in resolved["discord"]["guilds"] for c in g["channels"]}
    team = resolved["slack"]["workspaces"][0]
    now = time.time()
    group_rows = [
        {"id": i + 1, "slug": f"fans-{i}", "name": f"Fans {i}", "created_at": now, "settings": {}}
        for i in range(groups)
    ]
    link_rows = []
    for i in range(groups):
        d_id, s_id = str(d_channels[i]["id"]), str(team["channels"][i]["id"])
        for platform, workspace, channel in (
            ("discord", str(d_guild[d_channels[i]["id"]]), d_id),
            ("slack", str(team["id"]), s_id),
        ):
            link_rows.append(
                {
                    "group_id": i + 1,
                    "platform": platform,
                    "workspace_id": workspace,
                    "channel_id": channel,
                    "direction": "inout",
                    "linked_at": now,
                }
            )
    try:
        async with store.engine.begin() as conn:
            await conn.execute(insert(FanGroupRow.__table__), group_rows)  # type: ignore[attr-defined]
            await conn.execute(insert(ChannelLinkRow.__table__), link_rows)  # type: ignore[attr-defined]
    finally:
        await store.close()


def config_text(resolved: dict[str, Any], emulator_url: str, scale: Scale, port: int) -> str:
    slack = resolved["slack"]
    q = json.dumps
    schema = f"schema_name = {q(scale.schema)}\n" if scale.schema else ""
    return f"""\
[database]
url = {q(scale.database)}
{schema}
[discord]
token = {q(resolved["discord"]["bot_token"])}

[slack]
bot_token = {q(slack["bot_token"])}
app_token = {q(slack["app_token"])}
signing_secret = {q(slack["signing_secret"])}
mode = "socket"

[web]
host = "127.0.0.1"
port = {port}

[network]
emulator = {q(emulator_url)}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def memory_mb(pid: int) -> tuple[float, float]:
    """RSS now and its peak (VmHWM), in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found["VmRSS"], found["VmHWM"]


@dataclass(frozen=True)
class Started:
    process: asyncio.subprocess.Process
    ready: float  # seconds from launch to /readyz 200
    launched: float  # monotonic launch time


@asynccontextmanager
async def bridge(config: Path, port: int, profile: str | None = None) -> AsyncIterator[Started]:
    profiler = ("-m", "cProfile", "-o", profile) if profile else ()
    launched = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, *profiler, "-m", "adapters.cli", "run", "--config", str(config)),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await ready(port, process)
        yield Started(process, time.monotonic() - launched, launched)
    finally:
        await _stop(process)


async def ready(port: int, process: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as session:
        while process.returncode is None:
            try:
                async with session.get(f"http://127.0.0.1:{port}/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise SystemExit("fanbridge run exited before it was ready")


async def unnamed(scale: Scale) -> int:
    store = await SqlStore.open(scale.database, migrate=False, schema=scale.schema)
    query = select(func.count()).where(
        (ChannelLinkRow.platform == "slack") & ChannelLinkRow.channel_name.is_(None)  # type: ignore[union-attr]
    )
    try:
        async with store.engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())
    finally:
        await store.close()


async def list_calls(emulator_url: str, since: int = 0) -> tuple[int, int, int]:
    """The bot's conversations.list calls from the ``since``-th Slack request on: answered,
    refused with 429, and how many Slack requests there are now."""
    async with aiohttp.ClientSession() as session:
        params = {"platform": "slack"}
        async with session.get(f"{emulator_url}/_emu/requests", params=params) as response:
            rows = await response.json()
    calls = [r for r in rows[since:] if r["path"].endswith("/conversations.list")]
    answered = sum(r["status"] == 200 for r in calls)
    return answered, sum(r["status"] == 429 for r in calls), len(rows)


def tier_minimum(channels: int, time_scale: float) -> float:
    """Seconds Tier 2 allows for naming ``channels`` at the least: the first 20 pages at once,
    every further 20 one (scaled) minute later."""
    pages = math.ceil(channels / PAGE)
    return max(0, math.ceil(pages / TIER_2) - 1) * 60.0 * time_scale


async def first_start(scale: Scale, config: Path, port: int, emulator_url: str) -> None:
    async with bridge(config, port) as started:
        pid = started.process.pid
        rss, _ = memory_mb(pid)
        print(f"  start-up to ready: {started.ready:.2f} s   RSS at ready: {rss:.0f} MB")
        channels = await unnamed(scale)
        while (left := await unnamed(scale)) > 0:
            await asyncio.sleep(0.5)
            if started.process.returncode is not None:
                raise SystemExit(f"fanbridge run exited with {left} Slack links unnamed")
        named_after = time.monotonic() - started.launched - started.ready
        _, peak = memory_mb(pid)
        answered, refused, _ = await list_calls(emulator_url)
        floor = tier_minimum(channels, scale.time_scale)
        print(
            f"  every Slack link named {named_after:.1f} s after ready ({channels} channels,"
            f" {answered} conversations.list pages, {refused} answered 429; the tier's"
            f" minimum at time scale {scale.time_scale:g}: {floor:.1f} s)"
        )
        print(f"  peak RSS during the pass: {peak:.0f} MB")


async def second_start(scale: Scale, config: Path, port: int, emulator_url: str) -> None:
    _, _, since = await list_calls(emulator_url)
    async with bridge(config, port) as started:
        pid = started.process.pid
        at_ready = cpu_seconds(pid)
        rss, _ = memory_mb(pid)
        await asyncio.sleep(scale.settle)
        spent = cpu_seconds(pid) - at_ready
        answered, refused, _ = await list_calls(emulator_url, since)
        print(
            f"  second start (every name known): ready in {started.ready:.2f} s, RSS {rss:.0f} MB"
        )
        print(
            f"  CPU-seconds from ready to {scale.settle:g} s later: {spent:.2f}"
            f"   conversations.list calls: {answered + refused}"
        )


async def starts(scale: Scale, config: Path, port: int) -> None:
    """``--starts N``: N starts to ready, one after the other, each stopped once ready."""
    readies: list[float] = []
    cpu: list[float] = []  # the process's CPU-seconds at ready: what a busy machine inflates less
    rss: list[float] = []
    for n in range(scale.starts):
        profile = scale.profile if n == scale.starts - 1 else None
        async with bridge(config, port, profile) as started:
            readies.append(started.ready)
            cpu.append(cpu_seconds(started.process.pid))
            rss.append(memory_mb(started.process.pid)[0])
        note = f"  (under cProfile: {profile})" if profile else ""
        print(
            f"  start {n + 1}: ready in {started.ready:.2f} s, {cpu[-1]:.2f} CPU-s,"
            f" RSS {rss[-1]:.0f} MB{note}"
        )
    if scale.profile:  # its ready time carries cProfile's overhead: left out of the summary
        readies, cpu, rss = readies[:-1], cpu[:-1], rss[:-1]
    if readies:
        print(f"  ready (s), {len(readies)} starts: {spread(readies)}")
        print(f"  CPU-seconds at ready: {spread(cpu)}")
        print(f"  RSS at ready (MB): {spread(rss, '.0f')}")


def spread(values: list[float], form: str = ".2f") -> str:
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"min {low:{form}}  median {mid:{form}}  max {high:{form}}"


async def run(scale: Scale) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "world.json").write_text(json.dumps(world(scale.groups)))
        async with emulator(folder / "world.json", folder / "out.json", scale.time_scale) as url:
            resolved = json.loads((folder / "out.json").read_text())
            await seed(scale, resolved)
            port = free_port()
            config = folder / "fanbridge.toml"
            config.write_text(config_text(resolved, url, scale, port))
            print(
                f"{scale.groups} groups, {2 * scale.groups} links; emulator rate limits at"
                f" time scale {scale.time_scale:g}; database {scale.database.split(':')[0]}"
            )
            if scale.starts:
                await starts(scale, config, port)
                return
            await first_start(scale, config, port, url)
            await second_start(scale, config, port, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--settle", type=float, default=30.0)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--starts", type=int, default=0, help="only N starts to ready")
    parser.add_argument("--profile", metavar="FILE", help="with --starts: cProfile the last")
    args = parser.parse_args()
    asyncio.run(main_async(args))


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with database(args.db, Path(tmp)) as (url, schema):
            scale = Scale(args.groups, args.time_scale, args.settle, normalise_url(url), schema)
            await run(replace(scale, starts=args.starts, profile=args.profile))


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    main()
