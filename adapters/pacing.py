"""Staying under a platform's rate limits before it has to say 429.

discord.py waits on per-route buckets from the response headers, but Discord's *global* limit
(50 requests per second per bot token) has no header until it is hit. ``Pacer`` is a sliding
window; ``pacing_trace`` plugs it into an aiohttp session through its public trace hooks
(discord.py takes them as ``http_trace``), so every bot-authenticated request waits its turn.
Webhook executions carry no bot token and are not counted, as on Discord."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import aiohttp


@dataclass
class Slot:
    """One request: when it last was on the wire (its start, then its end) and whether it is
    still in flight."""

    at: float
    open: bool = True


class Pacer:
    """At most ``limit`` requests in any ``window`` seconds, counting each from its start until
    ``window`` after its *end*, and every request still in flight: a request delayed on the way
    (a busy loop, a slow network) still counts, so the server never sees a bunch of them arrive
    at once. Beyond that, wait."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._slots: list[Slot] = []
        self._lock = asyncio.Lock()
        self.waited = 0  # how many takes had to wait (for logs and benchmarks)

    async def take(self) -> Slot:
        """Wait for room; returns the request's slot, for ``finish`` to close."""
        async with self._lock:
            loop = asyncio.get_running_loop()
            while True:
                now = loop.time()
                self._slots = [c for c in self._slots if c.open or now - c.at < self.window]
                if len(self._slots) < self.limit:
                    slot = Slot(now)
                    self._slots.append(slot)
                    return slot
                self.waited += 1
                closed = [c.at for c in self._slots if not c.open]
                wait = self.window - (now - min(closed)) if closed else self.window / 10
                await asyncio.sleep(max(0.001, wait))

    @staticmethod
    def finish(slot: Slot) -> None:
        slot.at = max(slot.at, asyncio.get_running_loop().time())
        slot.open = False


def pacing_trace(
    pacer: Pacer | None,
    counts: Callable[[Any], bool],
    on_429: Callable[[], None] | None = None,
) -> aiohttp.TraceConfig:
    """A trace config whose request start waits on ``pacer`` when ``counts(params)`` is true,
    whose request end (or failure) stamps the slot, and which calls ``on_429`` for every 429
    answer (counted even when the SDK retries it itself). ``pacer`` None: only count."""
    trace = aiohttp.TraceConfig()

    async def on_start(_session: aiohttp.ClientSession, ctx: SimpleNamespace, params: Any) -> None:
        if pacer is not None and counts(params):
            ctx.pacer_slot = await pacer.take()

    async def on_end(_session: aiohttp.ClientSession, ctx: SimpleNamespace, params: Any) -> None:
        slot = getattr(ctx, "pacer_slot", None)
        if slot is not None:
            Pacer.finish(slot)
        response = getattr(params, "response", None)
        if on_429 is not None and getattr(response, "status", None) == 429:
            on_429()

    trace.on_request_start.append(on_start)
    trace.on_request_end.append(on_end)
    trace.on_request_exception.append(on_end)
    return trace


def bot_authenticated(params: Any) -> bool:
    """Discord: requests made with the bot token (``Authorization: Bot ...``)."""
    auth = str(params.headers.get("Authorization", ""))
    return auth.startswith("Bot ")


# Discord's global limit is 50/s per bot; keep a margin for clocks that disagree.
def discord_pacer() -> Pacer:
    return Pacer(limit=40, window=1.0)
