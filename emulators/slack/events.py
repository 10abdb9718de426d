"""Events API delivery: ``event_callback`` envelopes sent as signed HTTP POSTs (with Slack's
retries and ``X-Slack-Retry-Num``) or, when Socket Mode clients are connected, as ``events_api``
envelopes that must be acked."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from emulators.slack.context import SlackContext
from emulators.slack.ids import event_id

log = logging.getLogger(__name__)

# Slack retries a failed delivery immediately, after 1 minute and after 5 minutes.
RETRY_DELAYS = (0.0, 60.0, 300.0)
ORDER_WINDOW = 0.5  # seconds a delivery may hold back the next one (keeps events in order)


@dataclass
class Attempt:
    event_id: str
    event_type: str
    retry_num: int
    transport: str  # http | socket | none
    ok: bool
    status: int | None = None
    reason: str | None = None
    at: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class EventHub:
    """Builds envelopes, keeps the log of emitted events and delivers them."""

    def __init__(self, svc: SlackContext) -> None:
        self.svc = svc
        self.log: list[dict[str, Any]] = []
        self.attempts: list[Attempt] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._queue: asyncio.Queue[dict[str, Any]] | None = None
        self._worker: asyncio.Task[None] | None = None

    def reset(self) -> None:
        self.log.clear()
        self.attempts.clear()
        while self._queue is not None and not self._queue.empty():
            self._queue.get_nowait()
        for task in list(self._tasks):
            task.cancel()

    # -- envelopes ---------------------------------------------------------------------------
    def envelope(self, team_id: str, event: dict[str, Any]) -> dict[str, Any]:
        cfg = self.svc.state.config
        event.setdefault("event_ts", f"{time.time():.6f}")
        return {
            "token": cfg.verification_token,
            "team_id": team_id,
            "context_team_id": team_id,
            "context_enterprise_id": None,
            "api_app_id": cfg.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id(),
            "event_time": int(float(event["event_ts"])),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": cfg.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{event['type']}-{team_id}-{event.get('channel', '')}",
        }

    def emit(self, team_id: str, event: dict[str, Any]) -> dict[str, Any]:
        """Record an event and queue its delivery (in order, retried on failure)."""
        env = self.envelope(team_id, event)
        self.log.append(env)
        self.svc.publish("slack.event", {"event_id": env["event_id"], "event": event})
        if self._queue is None:
            self._queue = asyncio.Queue()
        self._queue.put_nowait(env)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._run_queue())
        return env

    async def _run_queue(self) -> None:
        assert self._queue is not None
        while not self._queue.empty():
            env = self._queue.get_nowait()
            task = self.spawn(self._deliver(env))
            await asyncio.wait({task}, timeout=ORDER_WINDOW)

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- delivery ----------------------------------------------------------------------------
    async def _deliver(
        self, env: dict[str, Any], start: int = 0, reason: str | None = None
    ) -> None:
        for retry_num in range(start, len(RETRY_DELAYS) + 1):
            if retry_num > 0:
                await asyncio.sleep(RETRY_DELAYS[retry_num - 1] * self.svc.time_scale)
            result = await self.attempt(env, retry_num, reason)
            if result.ok or result.transport == "none":
                return
            reason = result.reason

    async def attempt(self, env: dict[str, Any], retry_num: int, reason: str | None) -> Attempt:
        """One delivery try over Socket Mode (when connected) or HTTP (when a URL is set)."""
        if self.svc.sockets.connected:
            result = await self._attempt_socket(env, retry_num, reason)
        elif self.svc.events_url:
            result = await self._attempt_http(self.svc.events_url, env, retry_num, reason)
        else:
            result = Attempt(env["event_id"], _etype(env), retry_num, "none", False, None, None)
        self.attempts.append(result)
        self.svc.publish("slack.delivery", result.to_json())
        return result

    async def _attempt_socket(
        self, env: dict[str, Any], retry_num: int, reason: str | None
    ) -> Attempt:
        sent = await self.svc.sockets.send(
            "events_api",
            env,
            accepts_response_payload=False,
            retry_attempt=retry_num,
            retry_reason=(reason or "timeout") if retry_num else "",
        )
        acked = sent is not None and sent[0]
        return Attempt(
            env["event_id"],
            _etype(env),
            retry_num,
            "socket",
            acked,
            None,
            None if acked else "timeout",
        )

    async def _attempt_http(
        self, url: str, env: dict[str, Any], retry_num: int, reason: str | None
    ) -> Attempt:
        headers = {}
        if retry_num:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": reason or ""}
        body = json.dumps(env).encode()
        status: int | None = None
        try:
            status, _ = await self.post_signed(url, body, "application/json", headers)
        except TimeoutError:
            failure: str | None = "http_timeout"
        except aiohttp.ClientError:
            failure = "connection_failed"
        else:
            failure = None if 200 <= status < 300 else "http_error"
        return Attempt(
            env["event_id"], _etype(env), retry_num, "http", failure is None, status, failure
        )

    async def post_signed(
        self, url: str, body: bytes, content_type: str, extra: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        """POST a body signed with the app's signing secret; raises on timeout (3 s)."""
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": sign(self.svc.state.config.signing_secret, timestamp, body),
            **(extra or {}),
        }
        timeout = aiohttp.ClientTimeout(total=self.svc.ack_timeout)
        async with self.svc.session().post(
            url, data=body, headers=headers, timeout=timeout
        ) as resp:
            return resp.status, await resp.read()

    async def verify_url(self, url: str) -> dict[str, Any]:
        """The ``url_verification`` handshake Slack does when a Request URL is saved."""
        challenge = event_id() + event_id()
        env = {
            "token": self.svc.state.config.verification_token,
            "challenge": challenge,
            "type": "url_verification",
        }
        try:
            status, raw = await self.post_signed(url, json.dumps(env).encode(), "application/json")
        except (TimeoutError, aiohttp.ClientError) as exc:
            return {"verified": False, "error": type(exc).__name__}
        return {"verified": status == 200 and _has_challenge(raw, challenge), "status": status}

    async def redeliver(
        self, last: int, retry_num: int, new_event_id: bool, reason: str
    ) -> list[dict[str, Any]]:
        """Re-send the last N events as retries, or as fresh deliveries with new event ids."""
        chosen = self.log[-last:] if last > 0 else []
        results = []
        for env in chosen:
            if new_event_id:
                fresh = copy.deepcopy(env)
                fresh["event_id"] = event_id()
                fresh["event_time"] = int(time.time())
                self.log.append(fresh)
                result = await self.attempt(fresh, 0, None)
                if not result.ok and result.transport != "none":
                    self.spawn(self._deliver(fresh, 1, result.reason))
            else:
                result = await self.attempt(env, retry_num, reason)
            results.append(result.to_json())
        return results

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._worker is not None:
            self._worker.cancel()
        for task in [*self._tasks, *([self._worker] if self._worker else [])]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def _etype(env: dict[str, Any]) -> str:
    event = env.get("event") or {}
    subtype = event.get("subtype")
    return f"{event.get('type')}.{subtype}" if subtype else str(event.get("type"))


def _has_challenge(raw: bytes, challenge: str) -> bool:
    text = raw.decode("utf-8", "replace").strip()
    if text == challenge:
        return True
    try:
        return bool(json.loads(text).get("challenge") == challenge)
    except (ValueError, AttributeError):
        return False
