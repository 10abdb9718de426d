"""Staying under a platform's rate limits before it has to say 429.

discord.py waits on per-route buckets from the response headers, but Discord's *global* limit
(50 requests per second per bot token) has no header until it is hit. ``Pacer`` is a sliding
window; ``pacing_trace`` plugs it into an aiohttp session through its public trace hooks
(discord.py takes them as ``http_trace``), so every bot-authenticated request waits its turn.
Webhook executions carry no bot token and are not counted, as on Discord."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import aiohttp


class Pacer:
    """At most ``limit`` requests in any ``window`` seconds, counting each from its start until
    ``window`` after its *end*: a request delayed in flight (a busy loop, a slow network) still
    counts, so the server never sees a bunch of them arrive at once. Beyond that, wait."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._slots: list[list[float]] = []  # one cell per recent request: its latest time
        self._lock = asyncio.Lock()
        self.waited = 0  # how many takes had to wait (for logs and benchmarks)

    async def take(self) -> list[float]:
        """Wait for a slot; returns it, for ``finish`` to stamp with the request's end."""
        async with self._lock:
            loop = asyncio.get_running_loop()
            while True:
                now = loop.time()
                self._slots = [c for c in self._slots if now - c[0] < self.window]
                if len(self._slots) < self.limit:
                    cell = [now]
                    self._slots.append(cell)
                    return cell
                self.waited += 1
                oldest = min(c[0] for c in self._slots)
                await asyncio.sleep(max(0.001, self.window - (now - oldest)))

    @staticmethod
    def finish(cell: list[float]) -> None:
        cell[0] = max(cell[0], asyncio.get_running_loop().time())


def pacing_trace(pacer: Pacer, counts: Callable[[Any], bool]) -> aiohttp.TraceConfig:
    """A trace config whose request start waits on ``pacer`` when ``counts(params)`` is true,
    and whose request end (or failure) stamps the slot."""
    trace = aiohttp.TraceConfig()

    async def on_start(_session: aiohttp.ClientSession, ctx: SimpleNamespace, params: Any) -> None:
        if counts(params):
            ctx.pacer_slot = await pacer.take()

    async def on_end(_session: aiohttp.ClientSession, ctx: SimpleNamespace, _params: Any) -> None:
        slot = getattr(ctx, "pacer_slot", None)
        if slot is not None:
            pacer.finish(slot)

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
