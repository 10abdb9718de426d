"""Interactivity: delivering slash commands, shortcuts, block actions and view submissions to the
app (HTTP or Socket Mode), reading its ack, serving ``response_url`` and collecting what the
person sees in response (ack text, response_url posts, ephemeral messages, channel posts)."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from emulators.slack import ops
from emulators.slack.context import SlackContext
from emulators.slack.errors import SlackError
from emulators.slack.ids import random_id, trigger_id
from emulators.slack.state import Ephemeral

TRIGGER_TTL = 3.0  # trigger ids expire 3 s after the interaction (not time-scaled)
RESPONSE_URL_TTL = 30 * 60.0
RESPONSE_URL_USES = 5
OUTPUT_KINDS = ("responses", "ephemeral", "messages", "views")


@dataclass
class Interaction:
    id: str
    user: str
    channel: str | None
    outputs: dict[str, list[Any]] = field(default_factory=lambda: {k: [] for k in OUTPUT_KINDS})
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def add(self, kind: str, data: Any) -> None:
        self.outputs[kind].append(data)
        self.changed.set()

    def count(self) -> int:
        return sum(len(v) for v in self.outputs.values())


@dataclass
class ResponseTarget:
    id: str
    interaction: str
    user: str
    channel: str | None
    message_ts: str | None
    created: float = field(default_factory=time.monotonic)
    uses: int = 0


class InteractionHub:
    def __init__(self, svc: SlackContext) -> None:
        self.svc = svc
        self.pending: dict[str, Interaction] = {}
        self.targets: dict[str, ResponseTarget] = {}
        self.triggers: dict[str, tuple[float, str]] = {}

    def reset(self) -> None:
        self.targets.clear()
        self.triggers.clear()

    # -- bookkeeping -------------------------------------------------------------------------
    def begin(
        self, user: str, channel: str | None, message_ts: str | None
    ) -> tuple[Interaction, dict[str, str]]:
        inter = Interaction(random_id("I"), user, channel)
        target = ResponseTarget(random_id("R", 16), inter.id, user, channel, message_ts)
        self.targets[target.id] = target
        trig = trigger_id()
        self.triggers[trig] = (time.monotonic(), user)
        self.pending[inter.id] = inter
        url = f"{self.svc.base_url}/slack/response/{target.id}"
        return inter, {"response_url": url, "trigger_id": trig, "target": target.id}

    def observe(self, kind: str, channel: str | None, user: str | None, data: Any) -> None:
        """Something the app produced: attach it to the interactions waiting for it."""
        for inter in self.pending.values():
            same_place = channel is None or inter.channel in (None, channel)
            if same_place and user in (None, inter.user):
                inter.add(kind, data)

    def use_trigger(self, trig: str) -> str:
        """The user a trigger id belongs to; Slack's errors when it is unknown or too old."""
        issued = self.triggers.get(trig)
        if issued is None:
            raise SlackError("invalid_trigger_id")
        if time.monotonic() - issued[0] > TRIGGER_TTL:
            raise SlackError("expired_trigger_id")
        return issued[1]

    # -- running one interaction -------------------------------------------------------------
    async def run(
        self, inter: Interaction, kind: str, payload: dict[str, Any], wait: float, settle: float
    ) -> dict[str, Any]:
        try:
            delivered = await self._dispatch(kind, payload)
            if not delivered["ok"]:
                return delivered
            ack = delivered["ack"]
            self._apply_ack(kind, inter, ack)
            await _collect(inter, bool(ack), wait, settle)
            return {"ok": True, "ack": ack, **inter.outputs, "text": _first_text(ack, inter)}
        finally:
            self.pending.pop(inter.id, None)

    async def _dispatch(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        if self.svc.sockets.connected:
            socket_type = "slash_commands" if kind == "command" else "interactive"
            accepts = kind in ("command", "view_submission")
            sent = await self.svc.sockets.send(
                socket_type, payload, accepts_response_payload=accepts
            )
            if sent is not None:
                acked, ack = sent
                return {"ok": acked, "ack": ack, **({} if acked else _timeout())}
        if self.svc.events_url:
            return await self._dispatch_http(self.svc.events_url, kind, payload)
        return {"ok": False, "error": "dispatch_failed", "detail": "no app is connected"}

    async def _dispatch_http(self, url: str, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        fields = payload if kind == "command" else {"payload": json.dumps(payload)}
        body = urllib.parse.urlencode(fields).encode()
        try:
            status, raw = await self.svc.events.post_signed(
                url, body, "application/x-www-form-urlencoded"
            )
        except TimeoutError:
            return {"ok": False, **_timeout()}
        except aiohttp.ClientError as exc:
            return {"ok": False, "error": "dispatch_failed", "detail": str(exc)}
        if status != 200:
            return {"ok": False, "error": "dispatch_failed", "status": status}
        return {"ok": True, "ack": _parse_ack(raw)}

    def _apply_ack(self, kind: str, inter: Interaction, ack: Any) -> None:
        """A slash command's ack body is shown like a response_url post."""
        if kind == "command" and isinstance(ack, dict) and (ack.get("text") or ack.get("blocks")):
            target = self._target_for(inter)
            if target is not None:
                self.respond(target, ack, count_use=False)

    def _target_for(self, inter: Interaction) -> ResponseTarget | None:
        return next((t for t in self.targets.values() if t.interaction == inter.id), None)

    # -- response_url ------------------------------------------------------------------------
    def respond(self, target: ResponseTarget, body: dict[str, Any], count_use: bool = True) -> None:
        if count_use:
            if time.monotonic() - target.created > RESPONSE_URL_TTL:
                raise SlackError("expired_url")
            if target.uses >= RESPONSE_URL_USES:
                raise SlackError("used_url")
            target.uses += 1
            inter = self.pending.get(target.interaction)
            if inter is not None:
                inter.add("responses", body)
        self._show(target, body)

    def _show(self, target: ResponseTarget, body: dict[str, Any]) -> None:
        state = self.svc.state
        chan = state.channels.get(target.channel or "")
        original = chan.by_ts.get(target.message_ts or "") if chan else None
        if chan is None:
            return
        if body.get("delete_original") and original is not None:
            ops.delete_message(self.svc, original)
        elif body.get("replace_original") and original is not None:
            changes = {"text": str(body.get("text", "")), "blocks": body.get("blocks")}
            ops.edit_message(self.svc, original, state.config.bot_user_id, changes)
        elif body.get("response_type") == "in_channel":
            msg = ops.new_bot_message(
                self.svc,
                chan,
                text=str(body.get("text", "")),
                blocks=body.get("blocks"),
                thread_ts=body.get("thread_ts"),
            )
            ops.add_message(self.svc, msg)
        else:
            eph = Ephemeral(
                state.clock.next(),
                chan.id,
                target.user,
                str(body.get("text", "")),
                body.get("blocks"),
                body.get("thread_ts"),
                "response_url",
            )
            ops.add_ephemeral(self.svc, eph)


async def _collect(inter: Interaction, acked_content: bool, wait: float, settle: float) -> None:
    """Wait (on the interaction's change event) for the app's visible responses: until the
    deadline, or until nothing new arrived for ``settle`` seconds after the first one."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while (remaining := deadline - loop.time()) > 0:
        anything = acked_content or inter.count() > 0
        inter.changed.clear()
        try:
            await asyncio.wait_for(
                inter.changed.wait(), min(settle, remaining) if anything else remaining
            )
        except TimeoutError:
            if anything:
                return


def _parse_ack(raw: bytes) -> Any:
    text = raw.decode("utf-8", "replace").strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return {"text": text}


def _timeout() -> dict[str, Any]:
    return {"error": "operation_timeout"}


def _first_text(ack: Any, inter: Interaction) -> str | None:
    candidates = [ack, *inter.outputs["responses"], *inter.outputs["ephemeral"]]
    candidates += inter.outputs["messages"]
    for item in candidates:
        if isinstance(item, dict) and item.get("text"):
            return str(item["text"])
    return None
