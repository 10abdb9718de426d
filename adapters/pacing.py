"""Staying under a platform's rate limits before it has to say 429.

discord.py waits on per-route buckets from the response headers, but Discord's *global* limit
(50 requests per second per bot token) has no header until it is hit. ``Pacer`` is a sliding
window; ``pacing_trace`` plugs it into an aiohttp session through its public trace hooks
(discord.py takes them as ``http_trace``), so every bot-authenticated request waits its turn.
Webhook executions carry no bot token and are not counted, as on Discord."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import aiohttp


class Pacer:
    """At most ``limit`` takes in any ``window`` seconds; takes beyond that wait their turn."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._times: collections.deque[float] = collections.deque()
        self._lock = asyncio.Lock()
        self.waited = 0  # how many takes had to wait (for logs and benchmarks)

    async def take(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            while True:
                now = loop.time()
                while self._times and now - self._times[0] >= self.window:
                    self._times.popleft()
                if len(self._times) < self.limit:
                    self._times.append(now)
                    return
                self.waited += 1
                await asyncio.sleep(self.window - (now - self._times[0]))


def pacing_trace(pacer: Pacer, counts: Callable[[Any], bool]) -> aiohttp.TraceConfig:
    """A trace config whose request start waits on ``pacer`` when ``counts(params)`` is true."""
    trace = aiohttp.TraceConfig()

    async def on_start(_session: aiohttp.ClientSession, _ctx: SimpleNamespace, params: Any) -> None:
        if counts(params):
            await pacer.take()

    trace.on_request_start.append(on_start)
    return trace


def bot_authenticated(params: Any) -> bool:
    """Discord: requests made with the bot token (``Authorization: Bot ...``)."""
    auth = str(params.headers.get("Authorization", ""))
    return auth.startswith("Bot ")


# Discord's global limit is 50/s per bot; keep a margin for clocks that disagree.
def discord_pacer() -> Pacer:
    return Pacer(limit=40, window=1.0)
