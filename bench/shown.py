"""When each copy is shown: the emulator's live stream (``GET /_emu/ui/events``, the viewer's
Server-Sent Events) read as it happens, so the bench learns of a copy the moment a channel
shows it without polling every channel's messages while the bridge works."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.burst import DISCORD, SLACK, TOKEN


@dataclass
class Shown:
    """token -> the times (this process's ``time.time()``) its copies appeared on the other
    platform; the origin message itself is not counted."""

    copies: dict[str, list[float]] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def add(self, platform: str, text: str, at: float) -> None:
        for match in TOKEN.finditer(text):
            origin = DISCORD if match.group(3) == "d" else SLACK
            if origin != platform:
                self.copies.setdefault(match.group(0), []).append(at)
                self.changed.set()

    def first(self, tokens: Collection[str]) -> float | None:
        times = [self.copies[t][0] for t in tokens if t in self.copies]
        return min(times) if times else None

    def last(self, tokens: Collection[str]) -> float | None:
        times = [self.copies[t][0] for t in tokens if t in self.copies]
        return max(times) if times else None

    def missing(self, tokens: Collection[str]) -> int:
        return sum(1 for t in tokens if t not in self.copies)

    async def wait_all(self, tokens: Collection[str], within: float) -> bool:
        """Woken by each copy; False when some are still missing after ``within``."""
        deadline = time.monotonic() + within
        while self.missing(tokens):
            self.changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)
        return True

    async def wait_any(self, tokens: Collection[str], within: float) -> float | None:
        """The first copy of any of ``tokens`` (which may grow while waiting)."""
        deadline = time.monotonic() + within
        while (found := self.first(tokens)) is None:
            self.changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), min(left, 0.05))
        return found


def _text(event: dict[str, Any]) -> tuple[str, str] | None:
    """(platform, text) of a new message event; None for anything else."""
    kind, message = event.get("kind"), event.get("message") or {}
    if kind == "discord.message" and event.get("action") == "create":
        return DISCORD, str(message.get("content") or "")
    if kind == "slack.message" and event.get("action") == "new":
        return SLACK, str(message.get("text") or "")
    return None


@contextlib.asynccontextmanager
async def watching(session: aiohttp.ClientSession, emulator_url: str) -> AsyncIterator[Shown]:
    """Subscribed before it yields (the stream's first bytes have arrived), so no copy of a
    message posted afterwards is missed."""
    shown = Shown()
    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    response = await session.get(f"{emulator_url}/_emu/ui/events", timeout=timeout)
    await response.content.readline()  # "retry: ...": the server has subscribed

    async def pump() -> None:
        async for raw in response.content:
            line = raw.decode(errors="replace").rstrip("\n")
            if not line.startswith("data: "):
                continue
            found = _text(json.loads(line[6:]))
            if found is not None:
                shown.add(*found, time.time())

    task = asyncio.create_task(pump(), name="emulator-stream")
    try:
        yield shown
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, aiohttp.ClientError):
            await task
        response.release()
