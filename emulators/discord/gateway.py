"""The gateway websocket: HELLO, IDENTIFY/READY, heartbeats, RESUME with replay, op 7/9, chunks,
sharding.

Every dispatched event gets the session's next sequence number and is kept in a per-session
buffer, so a RESUME (op 6) replays exactly the events after the client's last ``seq``. A session
is one shard ``[id, count]`` and gets only the events of its guilds (see ``shards``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import zlib
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import WSMsgType, web

from emulators.discord import payloads, shards
from emulators.discord.shards import ShardLimits
from emulators.discord.state import DiscordState, Guild

log = logging.getLogger(__name__)

OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_RESUME = 0, 1, 2, 6
OP_RECONNECT, OP_REQUEST_MEMBERS, OP_INVALID_SESSION, OP_HELLO, OP_ACK = 7, 8, 9, 10, 11
HEARTBEAT_MS = 41250
BUFFER_SIZE = 2000
MAX_IDLE_SESSIONS = 5

GUILDS, GUILD_MEMBERS, GUILD_MODERATION = 1 << 0, 1 << 1, 1 << 2
GUILD_WEBHOOKS, GUILD_MESSAGES, GUILD_MESSAGE_REACTIONS = 1 << 5, 1 << 9, 1 << 10
MESSAGE_CONTENT = 1 << 15
GUILD_SCHEDULED_EVENTS = 1 << 16
GUILD_MESSAGE_POLLS = 1 << 24


@dataclass
class _Close:
    code: int
    reason: str = ""


class Connection:
    """One websocket; frames are queued and written in order by a single writer task."""

    def __init__(self, ws: web.WebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        self.queue: asyncio.Queue[str | bytes | _Close] = asyncio.Queue()
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self.closed = False

    def send(self, frame: dict[str, Any]) -> None:
        if self.closed:
            return
        text = json.dumps(frame, separators=(",", ":"))
        if self._zlib is None:
            self.queue.put_nowait(text)
            return
        data = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
        self.queue.put_nowait(data)

    def close(self, code: int, reason: str = "") -> None:
        if not self.closed:
            self.closed = True
            self.queue.put_nowait(_Close(code, reason))

    async def run_writer(self) -> None:
        while True:
            item = await self.queue.get()
            try:
                if isinstance(item, _Close):
                    await self.ws.close(code=item.code, message=item.reason.encode())
                    return
                if isinstance(item, bytes):
                    await self.ws.send_bytes(item)
                else:
                    await self.ws.send_str(item)
            except (ConnectionError, RuntimeError):
                return


@dataclass
class Session:
    id: str
    intents: int
    shard: tuple[int, int] = shards.WHOLE
    seq: int = 0
    buffer: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=BUFFER_SIZE))
    conn: Connection | None = None

    def dispatch(self, event: str, data: Any) -> None:
        self.seq += 1
        frame = {"op": OP_DISPATCH, "t": event, "s": self.seq, "d": data}
        self.buffer.append(frame)
        if self.conn is not None:
            self.conn.send(frame)


OpHandler = Callable[
    [Connection, "Session | None", dict[str, Any], web.Request], Awaitable["Session | None"]
]


class WorldHolder(Protocol):
    """What the gateway needs of the emulated Discord: its current state (replaced on reset)."""

    @property
    def state(self) -> DiscordState: ...


class GatewayHub:
    def __init__(self, svc: WorldHolder) -> None:
        self.svc = svc
        self.sessions: dict[str, Session] = {}
        self.limits = ShardLimits()
        self._ops: dict[int, OpHandler] = {
            OP_HEARTBEAT: self._heartbeat,
            OP_IDENTIFY: self._identify,
            OP_RESUME: self._resume,
            OP_REQUEST_MEMBERS: self._request_members,
        }

    # -- dispatching -------------------------------------------------------------------------
    def dispatch(
        self,
        event: str,
        data: Any,
        *,
        intent: int | None = None,
        stripped: Any = None,
        guild_id: int | None = None,
    ) -> None:
        """Send an event to every session that asked for it and holds its guild's shard;
        ``stripped`` goes to sessions without the MESSAGE_CONTENT intent. The guild is
        ``guild_id`` when given, else read from the event (no guild: shard 0 only)."""
        guild = guild_id if guild_id is not None else shards.event_guild(event, data)
        for session in list(self.sessions.values()):
            if intent is not None and not session.intents & intent:
                continue
            if not shards.holds(session.shard, guild):
                continue
            no_content = stripped is not None and not session.intents & MESSAGE_CONTENT
            session.dispatch(event, stripped if no_content else data)

    def drop(self, *, resume: bool) -> int:
        """Close the bot's connections: resumable (close 4000) or with the session invalidated."""
        dropped = 0
        for session in list(self.sessions.values()):
            conn, session.conn = session.conn, None
            if not resume:
                self.sessions.pop(session.id, None)
            if conn is None:
                continue
            dropped += 1
            if resume:
                conn.close(4000)
            else:
                conn.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
        return dropped

    def reconnect(self) -> int:
        """Ask connected clients to reconnect and resume (op 7)."""
        count = 0
        for session in self.sessions.values():
            if session.conn is not None:
                session.conn.send({"op": OP_RECONNECT, "d": None, "s": None, "t": None})
                count += 1
        return count

    def replay(self, last: int) -> int:
        """Re-send the last N dispatched events with new sequence numbers (duplicates)."""
        sent = 0
        for session in self.sessions.values():
            frames = [f for f in session.buffer if f["t"] not in ("READY", "RESUMED")]
            for frame in frames[-last:] if last > 0 else []:
                session.dispatch(frame["t"], frame["d"])
                sent += 1
        return sent

    def invalidate_all(self) -> None:
        self.drop(resume=False)
        self.sessions.clear()

    def reset(self) -> None:
        """The emulator's reset: sessions invalidated and the shard limits back to Discord's."""
        self.invalidate_all()
        self.limits = ShardLimits()

    def bot_guilds(self) -> list[Guild]:
        state = self.svc.state
        return [g for g in state.guilds.values() if state.bot_user_id in g.members]

    def recommended_shards(self) -> int:
        """What ``GET /gateway/bot`` answers as ``shards``."""
        return self.limits.recommend(len(self.bot_guilds()))

    def shard_guilds(self, shard: tuple[int, int]) -> list[Guild]:
        return [g for g in self.bot_guilds() if shards.holds(shard, g.id)]

    def status(self) -> list[dict[str, Any]]:
        return [
            {
                "session_id": s.id,
                "seq": s.seq,
                "connected": s.conn is not None,
                "intents": s.intents,
                "shard": list(s.shard),
            }
            for s in self.sessions.values()
        ]

    # -- the websocket -----------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=4 * 1024 * 1024)
        await ws.prepare(request)
        conn = Connection(ws, request.query.get("compress"))
        writer = asyncio.create_task(conn.run_writer())
        conn.send({"op": OP_HELLO, "d": {"heartbeat_interval": HEARTBEAT_MS}, "s": None, "t": None})
        session: Session | None = None
        try:
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    continue
                session = await self._on_frame(conn, session, msg.data, request)
        finally:
            self._detach(conn, session, ws.close_code)
            conn.close(1000)
            await asyncio.wait([writer], timeout=1.0)
            writer.cancel()
        return ws

    async def _on_frame(
        self, conn: Connection, session: Session | None, raw: str | bytes, request: web.Request
    ) -> Session | None:
        try:
            frame = json.loads(raw)
            op = int(frame.get("op"))
        except (ValueError, TypeError, AttributeError):
            conn.close(4002)  # decode error
            return session
        handler = self._ops.get(op)
        if handler is None:
            if op not in (3, 4):  # presence and voice updates are accepted and ignored
                conn.close(4001)
            return session
        if session is None and op not in (OP_HEARTBEAT, OP_IDENTIFY, OP_RESUME):
            conn.close(4003)  # not authenticated
            return session
        return await handler(conn, session, frame.get("d") or {}, request)

    def _detach(self, conn: Connection, session: Session | None, close_code: int | None) -> None:
        if session is None or session.conn is not conn:
            return
        session.conn = None
        if close_code in (1000, 1001):  # a clean close by the client ends the session
            self.sessions.pop(session.id, None)

    # -- opcodes -----------------------------------------------------------------------------
    async def _heartbeat(
        self, conn: Connection, session: Session | None, data: Any, request: web.Request
    ) -> Session | None:
        conn.send({"op": OP_ACK, "d": None, "s": None, "t": None})
        return session

    async def _identify(
        self, conn: Connection, session: Session | None, data: Any, request: web.Request
    ) -> Session | None:
        state = self.svc.state
        if session is not None:
            conn.close(4005)  # already authenticated
            return session
        if data.get("token") != state.bot_token:
            conn.close(4004)  # authentication failed
            return None
        if "intents" not in data:
            conn.close(4013)
            return None
        shard = shards.parse(data["shard"]) if "shard" in data else shards.WHOLE
        if shard is None:
            conn.close(4010, "Invalid shard")
            return None
        guilds = self.shard_guilds(shard)
        if len(guilds) > self.limits.max_guilds_per_shard:
            conn.close(4011, "Sharding required")
            return None
        self._prune_idle()
        new = Session(secrets.token_hex(16), int(data["intents"]), shard, conn=conn)
        self.sessions[new.id] = new
        new.dispatch("READY", self._ready(new, guilds, request))
        for guild in guilds:
            new.dispatch("GUILD_CREATE", payloads.guild_create_json(state, guild))
        return new

    def _ready(self, session: Session, guilds: list[Guild], request: web.Request) -> dict[str, Any]:
        state = self.svc.state
        user = payloads.user_json(state.users[state.bot_user_id])
        user.update({"verified": True, "mfa_enabled": False, "email": None, "bot": True})
        return {
            "v": 10,
            "user": user,
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": f"ws://{request.host}/discord/gateway",
            "application": {"id": str(state.application_id), "flags": 1 << 19},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["local"],
            "shard": list(session.shard),
            "user_settings": {},
            "_trace": ["fanbridge-emulator"],
        }

    def _prune_idle(self) -> None:
        idle = [s for s in self.sessions.values() if s.conn is None]
        for session in idle[: max(0, len(idle) - MAX_IDLE_SESSIONS + 1)]:
            self.sessions.pop(session.id, None)

    async def _resume(
        self, conn: Connection, session: Session | None, data: Any, request: web.Request
    ) -> Session | None:
        found = self.sessions.get(str(data.get("session_id")))
        seq = int(data.get("seq") or 0)
        missed = [f for f in found.buffer if f["s"] > seq] if found else []
        gap = bool(missed) and missed[0]["s"] != seq + 1
        if found is None or data.get("token") != self.svc.state.bot_token or gap:
            if found is not None:
                self.sessions.pop(found.id, None)
            conn.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return None
        if found.conn is not None and found.conn is not conn:
            found.conn.close(4000)
        found.conn = conn
        for frame in missed:
            conn.send(frame)
        found.dispatch("RESUMED", {"_trace": ["fanbridge-emulator"]})
        return found

    async def _request_members(
        self, conn: Connection, session: Session | None, data: Any, request: web.Request
    ) -> Session | None:
        if session is None:
            return None
        state = self.svc.state
        guild_ids = data.get("guild_id")
        for raw_id in guild_ids if isinstance(guild_ids, list) else [guild_ids]:
            guild = state.guilds.get(int(raw_id or 0))
            if guild is None:
                continue
            session.dispatch("GUILD_MEMBERS_CHUNK", self._chunk(guild, data))
        return session

    def _chunk(self, guild: Any, data: dict[str, Any]) -> dict[str, Any]:
        state = self.svc.state
        wanted = {int(u) for u in data.get("user_ids") or []}
        query = str(data.get("query") or "").lower()
        limit = int(data.get("limit") or 0)
        members = [
            m
            for m in guild.members.values()
            if (not wanted or m.user_id in wanted)
            and state.users[m.user_id].username.lower().startswith(query)
        ]
        if limit:
            members = members[:limit]
        found = {m.user_id for m in members}
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [payloads.member_json(state, guild, m) for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [str(u) for u in wanted - found],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        return chunk
