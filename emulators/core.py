"""The emulator's shared machinery: platform registry, request log, faults, rate limits, live bus.

Every platform module (``emulators/discord``, ``emulators/slack``, ``emulators/music``) registers a
:class:`Platform` with the :class:`Emulator` and adds its own routes. The middleware built here
records every request made to a platform prefix, applies injected faults, and validates the request
against the official specs (``emulators.contracts``) before the platform's handler runs.

This package imports nothing of the product: it stands in for the outside world.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Protocol

from aiohttp import web

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ErrorRenderer(Protocol):
    """Builds the platform's own error response (shape, status and headers like the real API)."""

    def __call__(
        self, *, status: int, message: str, retry_after: float | None = None
    ) -> web.Response: ...


@dataclass
class Platform:
    """One emulated platform: its name (``discord`` | ``slack`` | ``music``), path prefixes,
    error shape, and reset/world hooks."""

    name: str
    prefixes: tuple[str, ...]
    render_error: ErrorRenderer
    reset: Callable[[], None]
    world: Callable[[], dict[str, Any]]
    # validate(request, body) -> violations; None = no validation for this platform
    validate: Callable[[web.Request, Any], list[str]] | None = None

    def owns(self, path: str) -> bool:
        return any(path == p or path.startswith(p + "/") for p in self.prefixes)


@dataclass
class RequestRecord:
    platform: str
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int = 0
    violations: list[str] = field(default_factory=list)
    at: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "body": self.body,
            "status": self.status,
            "violations": self.violations,
            "at": self.at,
        }


@dataclass
class Fault:
    platform: str
    method: str  # "*" for any
    path_glob: str
    status: int | None = None
    mode: str | None = None  # "timeout" | "drop" | "html" (a proxy's HTML error page)
    count: int | None = None  # remaining hits; None = unlimited within `until`
    until: float | None = None  # monotonic deadline; None = until count is used up
    retry_after: float | None = None

    def matches(self, platform: str, method: str, path: str, rel_path: str) -> bool:
        if self.platform not in ("*", platform):
            return False
        if self.method not in ("*", method.upper()):
            return False
        if self.until is not None and time.monotonic() > self.until:
            return False
        if self.count is not None and self.count <= 0:
            return False
        return fnmatch.fnmatchcase(path, self.path_glob) or fnmatch.fnmatchcase(
            rel_path, self.path_glob
        )


@dataclass
class Bucket:
    limit: int
    window: float
    hits: list[float] = field(default_factory=list)

    def take(self, now: float) -> tuple[bool, int, float]:
        """Try to use one request. Returns (allowed, remaining, reset_after seconds)."""
        self.hits = [t for t in self.hits if now - t < self.window]
        if len(self.hits) >= self.limit:
            reset_after = self.window - (now - self.hits[0])
            return False, 0, max(reset_after, 0.001)
        self.hits.append(now)
        reset_after = self.window - (now - self.hits[0])
        return True, self.limit - len(self.hits), max(reset_after, 0.001)


class RateLimiter:
    """Sliding-window buckets keyed by route; windows are multiplied by ``time_scale``."""

    def __init__(self, *, enabled: bool = True, time_scale: float = 1.0) -> None:
        self.enabled = enabled
        self.time_scale = time_scale
        self._buckets: dict[str, Bucket] = {}

    def take(self, key: str, *, limit: int, window: float) -> tuple[bool, int, float]:
        if not self.enabled:
            return True, limit, window * self.time_scale
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket(limit, window * self.time_scale)
        return bucket.take(time.monotonic())

    def reset(self) -> None:
        self._buckets.clear()


class Bus:
    """Fan-out of live changes to viewer pages (``/_emu/ui``)."""

    def __init__(self) -> None:
        self._subscribers: set[asyncio.Queue[dict[str, Any]]] = set()

    def publish(self, kind: str, payload: dict[str, Any]) -> None:
        event = {"kind": kind, **payload}
        for queue in list(self._subscribers):
            if queue.qsize() < 1000:
                queue.put_nowait(event)

    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._subscribers.discard(queue)


@dataclass
class EmulatorOptions:
    rate_limits: bool = True
    time_scale: float = 1.0
    slack_events_url: str | None = None
    contracts_dir: str | None = None


class Emulator:
    """Shared state of one emulator server."""

    def __init__(self, options: EmulatorOptions | None = None) -> None:
        self.options = options or EmulatorOptions()
        self.platforms: dict[str, Platform] = {}
        self.requests: list[RequestRecord] = []
        self.faults: list[Fault] = []
        self.limiter = RateLimiter(
            enabled=self.options.rate_limits, time_scale=self.options.time_scale
        )
        self.bus = Bus()
        self.contracts = _load_contracts(self.options.contracts_dir)
        self.base_url = ""  # set once the server is listening, e.g. http://127.0.0.1:8765
        self._hang = asyncio.Event()  # never set while serving: "timeout" faults wait on it

    # -- registry --------------------------------------------------------------------------
    def register(self, platform: Platform) -> None:
        self.platforms[platform.name] = platform

    def platform_for(self, path: str) -> Platform | None:
        for platform in self.platforms.values():
            if platform.owns(path):
                return platform
        return None

    def reset(self) -> None:
        self.requests.clear()
        self.faults.clear()
        self.limiter.reset()
        for platform in self.platforms.values():
            platform.reset()

    def world(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for platform in self.platforms.values():
            out.update(platform.world())
        return out

    # -- faults ----------------------------------------------------------------------------
    def take_fault(self, platform: str, method: str, path: str, rel_path: str) -> Fault | None:
        for fault in self.faults:
            if fault.matches(platform, method, path, rel_path):
                if fault.count is not None:
                    fault.count -= 1
                return fault
        return None

    async def hang(self, seconds: float) -> None:
        """Hold a request open (a "timeout" fault) without busy-waiting."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._hang.wait(), timeout=seconds)


def _load_contracts(directory: str | None) -> Any:
    """The official specs (``emulators.contracts.Contracts``), or None when they are absent."""
    try:
        from emulators.contracts import Contracts
    except ModuleNotFoundError:
        log.warning("emulators.contracts is not available: requests are not validated")
        return None
    return Contracts.load(directory)


async def read_body(request: web.Request) -> Any:
    """The request body as the platform saw it: JSON, form fields, multipart names, or text."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    ctype = request.content_type
    if ctype == "application/json":
        raw = await request.read()
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")
    if ctype == "application/x-www-form-urlencoded":
        form = await request.post()
        return {k: str(v) for k, v in form.items()}
    if ctype.startswith("multipart/"):
        return {"multipart": True}
    raw = await request.read()
    return raw.decode("utf-8", "replace") if raw else None


def strip_prefix(platform: Platform, path: str) -> str:
    for prefix in platform.prefixes:
        if path.startswith(prefix):
            return path[len(prefix) :] or "/"
    return path


def make_middleware(emu: Emulator) -> Any:
    """Record, fault-inject and contract-check every request to a platform prefix."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        platform = emu.platform_for(request.path)
        if platform is None or request.headers.get("Upgrade", "").lower() == "websocket":
            return await handler(request)
        body = await read_body(request)
        record = RequestRecord(
            platform.name, request.method, request.path, dict(request.query), body
        )
        emu.requests.append(record)
        response = await _dispatch(emu, platform, request, handler, record, body)
        record.status = response.status
        return response

    return middleware


async def _dispatch(
    emu: Emulator,
    platform: Platform,
    request: web.Request,
    handler: Handler,
    record: RequestRecord,
    body: Any,
) -> web.StreamResponse:
    rel = strip_prefix(platform, request.path)
    fault = emu.take_fault(platform.name, request.method, request.path, rel)
    if fault is not None:
        faulted = await _apply_fault(emu, platform, request, fault)
        if faulted is not None:
            return faulted
    if platform.validate is not None:
        violations = platform.validate(request, body)
        if violations:
            record.violations = violations
            log.warning("contract violation %s %s: %s", request.method, request.path, violations)
            return platform.render_error(status=400, message="; ".join(violations))
    return await handler(request)


async def _apply_fault(
    emu: Emulator, platform: Platform, request: web.Request, fault: Fault
) -> web.StreamResponse | None:
    if fault.mode == "timeout":
        await emu.hang(fault.retry_after or 30.0)
        return platform.render_error(status=504, message="emulated timeout")
    if fault.mode == "drop":
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=500)
    status = fault.status or 500
    if fault.mode == "html":  # what a gateway in front of the API answers, not the API's JSON
        known = status in HTTPStatus._value2member_map_
        reason = f"{status} {HTTPStatus(status).phrase}" if known else str(status)
        page = f"<html><head><title>{reason}</title></head><body><h1>{reason}</h1></body></html>"
        return web.Response(status=status, text=page, content_type="text/html")
    return platform.render_error(
        status=status, message=f"emulated fault {status}", retry_after=fault.retry_after
    )


def json_response(
    data: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """JSON with ``Content-Type: application/json`` exactly (discord.py rejects a charset)."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
