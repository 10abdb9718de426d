"""Socket Mode: ``apps.connections.open`` issues a websocket URL; envelopes go out over the
websocket and must be acked with ``{"envelope_id": ..., "payload"?: ...}``."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from emulators.slack.context import SlackContext
from emulators.slack.ids import envelope_id, random_id

log = logging.getLogger(__name__)


@dataclass
class Connection:
    id: str
    ws: web.WebSocketResponse
    opened: float


class SocketHub:
    """Open Socket Mode connections, pending acks and the tickets ``apps.connections.open``
    handed out."""

    def __init__(self, svc: SlackContext) -> None:
        self.svc = svc
        self.tickets: dict[str, float] = {}
        self.connections: dict[str, Connection] = {}
        self._acks: dict[str, asyncio.Future[Any]] = {}
        self._turn = itertools.count()

    def reset(self) -> None:
        """Connections are the client's: they survive a world reset."""

    @property
    def connected(self) -> bool:
        return any(not c.ws.closed for c in self.connections.values())

    def issue_url(self) -> str:
        ticket = random_id("", 24).lower()
        self.tickets[ticket] = time.time()
        base = self.svc.base_url.replace("http://", "ws://").replace("https://", "wss://")
        return f"{base}/slack/socket/{ticket}?app_id={self.svc.state.config.app_id}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ticket = request.match_info["ticket"]
        if ticket not in self.tickets:
            raise web.HTTPUnauthorized(text="invalid_socket_ticket")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        conn = Connection(random_id("", 12).lower(), ws, time.time())
        self.connections[conn.id] = conn
        self.svc.publish("slack.socket", {"action": "connected", "connections": self.count})
        try:
            await ws.send_str(json.dumps(self._hello(conn)))
            await self._receive(conn)
        finally:
            self.connections.pop(conn.id, None)
            self.svc.publish("slack.socket", {"action": "closed", "connections": self.count})
        return ws

    @property
    def count(self) -> int:
        return sum(1 for c in self.connections.values() if not c.ws.closed)

    def _hello(self, conn: Connection) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": self.count,
            "debug_info": {
                "host": f"applink-emulated-{conn.id[:6]}",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.svc.state.config.app_id},
        }

    async def _receive(self, conn: Connection) -> None:
        async for msg in conn.ws:
            if msg.type != WSMsgType.TEXT:
                continue
            try:
                data = json.loads(msg.data)
            except ValueError:
                continue
            future = self._acks.get(str(data.get("envelope_id", "")))
            if future is not None and not future.done():
                future.set_result(data.get("payload"))

    def _pick(self) -> Connection | None:
        open_conns = [c for c in self.connections.values() if not c.ws.closed]
        if not open_conns:
            return None
        return open_conns[next(self._turn) % len(open_conns)]

    async def send(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> tuple[bool, Any] | None:
        """Send one envelope and wait for its ack: (acked, ack payload); None = no connection."""
        conn = self._pick()
        if conn is None:
            return None
        env_id = envelope_id()
        envelope: dict[str, Any] = {
            "envelope_id": env_id,
            "payload": payload,
            "type": kind,
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api":
            envelope.update(retry_attempt=retry_attempt, retry_reason=retry_reason)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._acks[env_id] = future
        try:
            await conn.ws.send_str(json.dumps(envelope))
            return True, await asyncio.wait_for(future, timeout=self.svc.ack_timeout)
        except (TimeoutError, ConnectionError, RuntimeError):
            return False, None
        finally:
            self._acks.pop(env_id, None)

    async def disconnect_all(self, reason: str) -> int:
        """Ask every client to reconnect (``{"type": "disconnect"}``), as Slack does."""
        sent = 0
        for conn in list(self.connections.values()):
            message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "emu"}}
            with contextlib.suppress(ConnectionError, RuntimeError):
                await conn.ws.send_str(json.dumps(message))
                sent += 1
        return sent

    async def close(self) -> None:
        for conn in list(self.connections.values()):
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001, message=b"server shutdown")
