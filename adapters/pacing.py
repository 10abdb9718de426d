"""Staying under a platform's rate limits before it has to say 429.

discord.py waits on per-route buckets from the response headers, but Discord's *global* limit
(50 requests per second per bot token) has no header until it is hit. ``Pacer`` is a sliding
window; ``pacing_trace`` plugs it into an aiohttp session through its public trace hooks
(discord.py takes them as ``http_trace``), so every bot-authenticated request waits its turn.
Webhook executions carry no bot token and are not counted, as on Discord.

Several workers share one bot token, so on PostgreSQL ``SharedPacer`` also takes a slot in a
window every worker draws from (storage/rate_windows.py), and ``SharedRoutes`` tells every
worker about a route bucket one of them saw exhausted: N workers draw no more 429s than one.
``shared_discord_pacing(store)`` builds both (or the in-process pacer alone on SQLite). Slack's
per-workspace method tiers the bridge's own bursts reach (adapters/slack/tokens.py) draw from the
same shared windows, one per workspace and method."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import aiohttp
from yarl import URL

from storage.rate_windows import RateWindows

log = logging.getLogger(__name__)
_QUIET_SECONDS = 60.0  # one warning a minute about the shared windows, not one per request
_warned_at: dict[str, float] = {}


def _warn(what: str, error: BaseException) -> None:
    now = time.monotonic()
    if now - _warned_at.get(what, -_QUIET_SECONDS) >= _QUIET_SECONDS:
        _warned_at[what] = now
        log.warning("%s: %r", what, error)


@dataclass
class Slot:
    """One request: when it last was on the wire (its start, then its end), whether it is
    still in flight, and its slot in a shared window (``SharedPacer``) until that is closed."""

    at: float
    open: bool = True
    shared: float | None = None


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

    async def close(self) -> None:
        """Nothing to give back (``SharedPacer`` has a connection): either can be closed."""


async def _shared_turn(
    windows: RateWindows, key: str | None, limit: int, window: float, route: str | None
) -> tuple[float | None, int]:
    """Ask ``windows`` until they grant the slot (and ``route`` is not exhausted): the slot,
    and how many times it had to wait. A database that fails is logged and not waited for: the
    in-process pacer still holds this worker back, and discord.py still honours a 429."""
    waits = 0
    while True:
        try:
            turn = await windows.take(key, limit, window, route)
        except Exception as error:  # pacing must never fail a request
            _warn("shared rate window unavailable, pacing in-process only", error)
            return None, waits
        if turn.wait <= 0:
            return turn.slot, waits
        waits += 1
        await asyncio.sleep(turn.wait)


class SharedPacer:
    """``Pacer``'s ``take``/``finish`` with a second, shared window: first the in-process
    pacer (it keeps this worker's in-flight accounting), then a slot in the window ``key`` every
    worker draws from, on the database's clock, counted like the in-process one (from the
    request's start until ``window`` after its end). ``take(route)`` also waits out that
    route's bucket when a worker recorded it exhausted, in the same round trip. ``finish``
    closes the shared slot in the background: the answer is not held up for it."""

    def __init__(self, local: Pacer, windows: RateWindows, key: str) -> None:
        self.local = local
        self.windows = windows
        self.key = key
        self.limit = local.limit
        self.window = local.window
        self.waited = 0  # how many times the shared window (or a route) made a take wait
        self._finishing: set[asyncio.Task[None]] = set()

    async def take(self, route: str | None = None) -> Slot:
        slot = await self.local.take()
        try:
            shared, waits = await _shared_turn(
                self.windows, self.key, self.limit, self.window, route
            )
        except BaseException:
            self.finish(slot)
            raise
        self.waited += waits
        slot.shared = shared
        return slot

    def finish(self, slot: Slot) -> None:
        Pacer.finish(slot)
        shared, slot.shared = slot.shared, None
        if shared is None:
            return
        task = asyncio.get_running_loop().create_task(self._finish(shared))
        self._finishing.add(task)
        task.add_done_callback(self._finishing.discard)

    async def _finish(self, shared: float) -> None:
        try:
            await self.windows.finish(self.key, shared)
        except Exception as error:  # the slot then counts until the database drops it
            _warn("could not close a shared rate window slot", error)

    async def close(self) -> None:
        """Close the slots still being closed, then give the database connection back (before
        the store closes)."""
        if self._finishing:
            await asyncio.gather(*self._finishing, return_exceptions=True)
        await self.windows.close()


class SharedRoutes:
    """Discord's per-route buckets, shared: a bucket one worker saw at Remaining 0 is waited
    out by all of them until it resets (discord.py only knows its own process's buckets)."""

    def __init__(self, windows: RateWindows) -> None:
        self.windows = windows

    async def wait(self, route: str) -> None:
        await _shared_turn(self.windows, None, 0, 0.0, route)

    async def exhausted(self, route: str, reset_after: float) -> None:
        try:
            await self.windows.exhausted(route, reset_after)
        except Exception as error:  # pacing must never fail a request
            _warn("could not share an exhausted rate limit bucket", error)


def pacing_trace(
    pacer: Pacer | SharedPacer | None,
    counts: Callable[[Any], bool],
    on_429: Callable[[], None] | None = None,
    routes: SharedRoutes | None = None,
) -> aiohttp.TraceConfig:
    """A trace config whose request start waits on ``pacer`` when ``counts(params)`` is true,
    whose request end (or failure) stamps the slot, and which calls ``on_429`` for every 429
    answer (counted even when the SDK retries it itself). ``pacer`` None: only count.
    ``routes``: every request first waits for its route bucket (``route_key``) when a worker
    recorded it exhausted, and a response at ``X-RateLimit-Remaining: 0`` records it."""
    trace = aiohttp.TraceConfig()

    async def on_start(_session: aiohttp.ClientSession, ctx: SimpleNamespace, params: Any) -> None:
        route = route_key(params.method, params.url) if routes is not None else None
        ctx.pacer_route = route
        if pacer is not None and counts(params):
            if isinstance(pacer, SharedPacer):  # the slot and the route in one round trip
                ctx.pacer_slot = await pacer.take(route)
                return
            ctx.pacer_slot = await pacer.take()
        if routes is not None and route is not None:
            await routes.wait(route)

    async def on_end(_session: aiohttp.ClientSession, ctx: SimpleNamespace, params: Any) -> None:
        slot = getattr(ctx, "pacer_slot", None)
        if slot is not None and pacer is not None:
            pacer.finish(slot)
        response = getattr(params, "response", None)
        if on_429 is not None and getattr(response, "status", None) == 429:
            on_429()
        route = getattr(ctx, "pacer_route", None)
        if routes is not None and route is not None and response is not None:
            reset_after = _exhausted_for(response.headers)
            if reset_after is not None:
                await routes.exhausted(route, reset_after)

    trace.on_request_start.append(on_start)
    trace.on_request_end.append(on_end)
    trace.on_request_exception.append(on_end)
    return trace


def _exhausted_for(headers: Any) -> float | None:
    """Seconds until the bucket resets when the answer says it has no request left."""
    if headers.get("X-RateLimit-Remaining") != "0":
        return None
    try:
        return max(0.0, float(headers.get("X-RateLimit-Reset-After", "")))
    except ValueError:
        return None


_API_VERSION = re.compile(r"v\d+")
_MAJOR = frozenset({"channels", "guilds", "webhooks"})
_TOKEN_AFTER = frozenset({"webhooks", "interactions"})


def route_key(method: str, url: str | URL) -> str:
    """Discord's bucket for a request, as a name: method, path template and major parameter.
    The first channel, guild or webhook id stays (buckets are per resource); other snowflakes
    become ``{id}``, the reaction emoji ``{emoji}`` and a webhook or interaction token
    ``{token}`` (it is a secret, and not part of the bucket). The query string is dropped.

    ``route_key("PATCH", ".../api/v10/channels/1/messages/2")`` is
    ``"PATCH /channels/1/messages/{id}"``."""
    segments = [s for s in URL(str(url)).path.split("/") if s]
    for i in range(len(segments) - 1):
        if segments[i] == "api" and _API_VERSION.fullmatch(segments[i + 1]):
            segments = segments[i + 2 :]
            break
    out: list[str] = []
    major = False
    for i, segment in enumerate(segments):
        before = segments[i - 1] if i >= 1 else ""
        if before == "reactions":
            out.append("{emoji}")
        elif i >= 2 and segments[i - 2] in _TOKEN_AFTER and before.isdigit():
            out.append("{token}")
        elif segment.isdigit():
            keep = not major and before in _MAJOR
            major = major or keep
            out.append(segment if keep else "{id}")
        else:
            out.append(segment)
    return f"{method.upper()} /" + "/".join(out)


def bot_authenticated(params: Any) -> bool:
    """Discord: requests made with the bot token (``Authorization: Bot ...``)."""
    auth = str(params.headers.get("Authorization", ""))
    return auth.startswith("Bot ")


# Discord's global limit is 50/s per bot; keep a margin for clocks that disagree.
def discord_pacer() -> Pacer:
    return Pacer(limit=40, window=1.0)


# The key of the shared global window: one per bot token, and the workers share one.
DISCORD_GLOBAL_KEY = "discord:global"


def shared_windows(store: object) -> RateWindows | None:
    """The rate windows every worker shares, on PostgreSQL; None on SQLite (one process) and
    for the memory store of tests. Each holds a connection: close it before the store."""
    engine = getattr(store, "engine", None)
    if engine is None or engine.dialect.name != "postgresql":
        return None
    return RateWindows(engine)


def shared_discord_pacing(store: object) -> tuple[Pacer | SharedPacer, SharedRoutes | None]:
    """The pacing of one worker's Discord requests: on PostgreSQL a ``SharedPacer`` (the
    global window every worker shares) and the shared route buckets; else (SQLite runs one
    process, the memory store is for tests) ``discord_pacer()`` alone. One pair per worker,
    handed to every client's ``pacing_trace``; ``await pacer.close()`` before the store
    closes."""
    windows = shared_windows(store)
    if windows is None:
        return discord_pacer(), None
    return SharedPacer(discord_pacer(), windows, DISCORD_GLOBAL_KEY), SharedRoutes(windows)
