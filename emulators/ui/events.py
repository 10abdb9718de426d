"""``GET /_emu/ui/events``: the emulator's live bus as Server-Sent Events.

One ``data: <json>`` line per bus event (``{"kind": "discord.message", ...}``), a comment line as a
heartbeat every ``heartbeat`` seconds so proxies and browsers keep the stream open, and the bus
subscription dropped as soon as the viewer goes away or the server shuts down.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import web

from emulators.core import Bus

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0
RETRY_MS = 2000  # how soon a browser reconnects after the stream drops
SSE_HEADERS = {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",
}
Event = dict[str, Any]


def encode(event: Event) -> bytes:
    """One SSE message; ``json.dumps`` escapes newlines, so the data is always one line."""
    return b"data: " + json.dumps(event, separators=(",", ":"), default=str).encode() + b"\n\n"


class EventStreams:
    """The open viewer streams, each with its own bus subscription."""

    def __init__(self, bus: Bus, *, heartbeat: float = HEARTBEAT_SECONDS) -> None:
        self.bus = bus
        self.heartbeat = heartbeat
        self._open: set[asyncio.Queue[Event]] = set()
        self._closing: Event = {"kind": "ui.closing"}

    async def handle(self, request: web.Request) -> web.StreamResponse:
        queue = self.bus.subscribe()  # before the first byte: the client may publish right after
        self._open.add(queue)
        response = web.StreamResponse(headers=SSE_HEADERS)
        try:
            await response.prepare(request)
            await response.write(f"retry: {RETRY_MS}\n: connected\n\n".encode())
            log.debug("=> viewer stream opened (%d open)", len(self._open))
            await self._pump(response, queue)
        except ConnectionResetError:
            log.debug("viewer stream closed by the client")
        finally:
            self._open.discard(queue)
            self.bus.unsubscribe(queue)
        return response

    async def _pump(self, response: web.StreamResponse, queue: asyncio.Queue[Event]) -> None:
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), self.heartbeat)
            except TimeoutError:
                await response.write(b": heartbeat\n\n")
                continue
            if event is self._closing:
                return
            await response.write(encode(event))

    async def close_all(self, _: web.Application) -> None:
        """End every stream so the server can shut down without waiting for the viewers."""
        for queue in list(self._open):
            queue.put_nowait(self._closing)
