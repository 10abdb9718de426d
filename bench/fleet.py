"""Several ``fanbridge run`` workers on one config, each in its own process with its own web
port (``FANBRIDGE_WEB_PORT``), as an operator starts them; read through each one's ``/readyz``
(ready, its worker id and the leases it holds)."""

from __future__ import annotations

import asyncio
import math
import os
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from adapters.discord.shards import PREFIX as SHARD_PREFIX
from bench.emulator import _stop
from bench.scale import free_port

NOISE = ("voice will NOT be supported",)  # discord.py without its voice extras


class FleetBroke(Exception):
    """A worker exited, or the fleet did not reach the wanted state in time."""


@dataclass(frozen=True)
class Worker:
    """One ``fanbridge run`` process; its output goes to ``log``."""

    name: str
    process: asyncio.subprocess.Process
    port: int
    log: Path

    def alive(self) -> bool:
        return self.process.returncode is None

    def log_lines(self, level: str) -> list[str]:
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return []
        return [
            line
            for line in text
            if f" {level} " in line and not any(noise in line for noise in NOISE)
        ]

    def exited(self) -> str:
        return f"{self.name} exited ({self.process.returncode}):\n{self.tail()}"

    def tail(self, lines: int = 15) -> str:
        """The end of the worker's log, to show why it stopped or what it reported."""
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(f"    {line}" for line in text[-lines:])


@dataclass(frozen=True)
class Status:
    """A worker's ``/readyz`` at one moment (``ready`` False when it did not answer 200)."""

    ready: bool
    worker_id: str
    leases: tuple[str, ...]

    def shards(self) -> frozenset[int]:
        return frozenset(
            int(name.removeprefix(SHARD_PREFIX))
            for name in self.leases
            if name.startswith(SHARD_PREFIX)
        )


async def start_worker(config: Path, name: str, folder: Path) -> Worker:
    port = free_port()
    log = folder / f"{name}.log"
    with log.open("wb") as out:  # the child keeps its own descriptor
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "adapters.cli", "run", "--config", str(config)),
            stdout=out,
            stderr=out,
            env={**os.environ, "FANBRIDGE_WEB_PORT": str(port), "PYTHONUNBUFFERED": "1"},
        )
    return Worker(name, process, port, log)


async def started(worker: Worker, within: float) -> None:
    """Until the worker logs that its start-up finished (``fanbridge running``)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not worker.alive():
            raise FleetBroke(worker.exited())
        if "fanbridge running" in worker.log.read_text(errors="replace"):
            return
        await asyncio.sleep(0.1)
    raise FleetBroke(f"{worker.name} did not finish starting within {within:.0f} s")


async def status(session: aiohttp.ClientSession, worker: Worker) -> Status:
    try:
        url = f"http://127.0.0.1:{worker.port}/readyz"
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as response:
            body: dict[str, Any] = await response.json(content_type=None)
            about = body.get("worker") or {}
            return Status(
                response.status == 200,
                str(about.get("id", "")),
                tuple(str(x) for x in about.get("leases", [])),
            )
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return Status(False, "", ())


async def wait_balanced(
    session: aiohttp.ClientSession,
    workers: Sequence[Worker],
    shard_count: int,
    *,
    steady: float,
    within: float,
) -> list[Status]:
    """Until every worker answers ``/readyz`` 200 and the shards are spread fairly (every shard
    held once, each worker holding between floor and ceil of its share), unchanged for
    ``steady`` seconds: a worker that came first took every shard and hands some over as the
    others join, and a lease can still move while the workers start."""
    deadline = time.monotonic() + within
    high, low = math.ceil(shard_count / len(workers)), shard_count // len(workers)
    statuses: list[Status] = []
    since: float | None = None
    last: tuple[frozenset[int], ...] = ()
    while time.monotonic() < deadline:
        for worker in workers:
            if not worker.alive():
                raise FleetBroke(worker.exited())
        statuses = list(await asyncio.gather(*(status(session, w) for w in workers)))
        held = tuple(s.shards() for s in statuses)
        fair = (
            all(s.ready for s in statuses)
            and frozenset().union(*held) == frozenset(range(shard_count))
            and sum(len(h) for h in held) == shard_count
            and all(low <= len(h) <= high for h in held)
        )
        if not fair:
            since = None
        elif since is None or held != last:
            since, last = time.monotonic(), held
        elif time.monotonic() - since >= steady:
            return statuses
        await asyncio.sleep(0.1)
    seen = "; ".join(
        f"{w.name}: ready={s.ready} leases={list(s.leases)}"
        for w, s in zip(workers, statuses, strict=True)
    )
    raise FleetBroke(f"workers not ready with the shards spread within {within:.0f} s: {seen}")


def kill_hard(worker: Worker) -> None:
    """``kill -9``: no clean stop, so its leases stay until they expire."""
    worker.process.send_signal(signal.SIGKILL)


async def stop_all(workers: Sequence[Worker]) -> None:
    await asyncio.gather(*(_stop(w.process) for w in workers))
