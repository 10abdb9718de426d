"""The Web API front door: ``/slack/api/<method>`` with form, JSON or query arguments, the token
from ``Authorization: Bearer`` or the ``token`` field, per-method rate-limit tiers, and Slack's
error shapes."""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulators.core import json_response
from emulators.slack.errors import RateLimited, SlackError
from emulators.slack.state import Channel, Message, SlackState, User, Workspace

if TYPE_CHECKING:
    from emulators.slack.service import SlackService

# Requests per minute of Slack's tiers ("1+", "20+", "50+", "100+").
TIER_1, TIER_2, TIER_3, TIER_4 = 1, 20, 50, 100
# chat.postMessage: ~1 per second per channel with short bursts, plus a workspace-wide cap.
POST_BURST = (8, 5.0)
POST_SUSTAINED = (60, 60.0)
POST_WORKSPACE = (300, 60.0)
# The scopes the emulated app was installed with, sent back in ``x-oauth-scopes`` on every Web API
# response to a bot token as Slack does (docs: "Scopes and permissions" > "Checking scopes").
BOT_SCOPES = (
    "chat:write,chat:write.customize,chat:write.public,pins:write,channels:history,"
    "groups:history,channels:read,groups:read,reactions:read,reactions:write,users:read,"
    "files:read,files:write,commands,channels:manage,groups:write,im:write"
)


@dataclass
class Call:
    """One Web API request, parsed."""

    svc: SlackService
    method: str
    args: dict[str, Any]
    token_kind: str  # bot | app | none
    team_id: str | None = None  # the workspace of an installed token (None: the app's own token)
    token: str | None = None
    authorization: str = ""  # the Authorization header (oauth.v2.access: HTTP Basic)

    @property
    def state(self) -> SlackState:
        return self.svc.state

    def get(self, name: str, default: Any = None) -> Any:
        value = self.args.get(name)
        return default if value is None or value == "" else value

    def require(self, name: str) -> Any:
        value = self.get(name)
        if value is None:
            raise SlackError(
                "invalid_arguments",
                response_metadata={"messages": [f"[ERROR] missing required field: {name}"]},
            )
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("1", "true", "yes")

    def json_arg(self, name: str) -> Any:
        """A structured argument sent as JSON text (form) or as a JSON value (JSON body)."""
        value = self.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise SlackError(f"invalid_{name}") from None
        return value

    def channel(self, name: str = "channel") -> Channel:
        chan = self.svc.state.find_channel(self.require(name), self.team_id)
        if chan is None or self.team_id not in (None, chan.team_id):
            raise SlackError("channel_not_found")  # another workspace's channel, as on Slack
        return chan

    def team(self) -> Workspace:
        """The workspace the token belongs to (the first one for the app's own token)."""
        return self.state.workspace(self.team_id or "")

    def user(self, name: str = "user") -> User:
        user = self.svc.state.find_user(self.require(name))
        if user is None:
            raise SlackError("user_not_found")
        return user

    def message(self, chan: Channel, name: str = "ts") -> Message:
        msg = chan.by_ts.get(str(self.require(name)))
        if msg is None or msg.tombstone:
            raise SlackError("message_not_found")
        return msg

    def rate(self, key: str, limit: int, window: float = 60.0) -> None:
        allowed, _, reset_after = self.svc.emu.limiter.take(
            f"slack:{key}", limit=limit, window=window
        )
        if not allowed:
            raise RateLimited(max(1, math.ceil(reset_after)))


MethodHandler = Callable[[Call], Awaitable[dict[str, Any]]]


@dataclass
class Method:
    handler: MethodHandler
    tier: int | None  # requests per minute; None = the handler limits itself
    token: str = "bot"  # bot | app | none (oauth.v2.access: the app's credentials instead)


def method_name(request: web.Request) -> str:
    return request.match_info.get("method", "")


async def request_args(request: web.Request) -> dict[str, Any]:
    """Query, form or JSON fields merged (slack_sdk sends some arguments in the query)."""
    args: dict[str, Any] = dict(request.query)
    if request.method != "POST":
        return args
    if request.content_type == "application/json":
        raw = await request.read()
        body = json.loads(raw) if raw.strip() else {}
        if not isinstance(body, dict):
            raise SlackError("json_not_object")
        args.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        args.update({k: v for k, v in form.items() if isinstance(v, str)})
    return args


def bearer(request: web.Request, args: dict[str, Any]) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    token = args.pop("token", None)
    return str(token) if token else None


def token_kind(svc: SlackService, token: str | None) -> tuple[str, str | None]:
    """The kind of a token and, for a token issued by an install, its workspace."""
    if not token:
        raise SlackError("not_authed")
    cfg = svc.state.config
    kinds = {cfg.bot_token: "bot", cfg.app_token: "app"}
    if token in kinds:
        return kinds[token], None
    install = svc.state.installs.get(token)
    if install is None:
        raise SlackError("invalid_auth")
    if install.revoked:
        raise SlackError("token_revoked")
    return "bot", install.team_id


def scopes_of(svc: SlackService, token: str) -> str | None:
    """The scopes a bot token was granted (sent back in ``x-oauth-scopes``)."""
    if token == svc.state.config.bot_token:
        return BOT_SCOPES
    install = svc.state.installs.get(token)
    return install.scopes if install is not None else None


def make_handler(svc: SlackService, methods: dict[str, Method]) -> Any:
    async def handle(request: web.Request) -> web.Response:
        response = await _respond(svc, methods, request)
        scopes = scopes_of(svc, request.headers.get("Authorization", "")[7:].strip())
        if scopes is not None:
            response.headers["x-oauth-scopes"] = scopes
        return response

    return handle


async def _respond(
    svc: SlackService, methods: dict[str, Method], request: web.Request
) -> web.Response:
    try:
        return json_response(await _run(svc, methods, request))
    except SlackError as err:
        return json_response(err.body())
    except RateLimited as limited:
        headers = {"Retry-After": str(limited.retry_after)}
        return json_response({"ok": False, "error": "ratelimited"}, status=429, headers=headers)
    except ValueError:
        return json_response({"ok": False, "error": "invalid_json"})


async def _run(svc: SlackService, methods: dict[str, Method], request: web.Request) -> Any:
    name = method_name(request)
    method = methods.get(name)
    if method is None:
        raise SlackError("unknown_method", req_method=name)
    args = await request_args(request)
    call = _call(svc, name, method, request, args)
    if method.tier is not None:
        call.rate(f"{name}:{call.team().id}", method.tier)
    result = await method.handler(call)
    return {"ok": True, **result}


def _call(
    svc: SlackService, name: str, method: Method, request: web.Request, args: dict[str, Any]
) -> Call:
    if method.token == "none":
        return Call(svc, name, args, "none", authorization=request.headers.get("Authorization", ""))
    token = bearer(request, args)
    kind, team_id = token_kind(svc, token)
    if kind != method.token:
        raise SlackError("not_allowed_token_type")
    svc.calls.append({"method": name, "token": token, "team": team_id})
    return Call(svc, name, args, kind, team_id, token)


def render_error(*, status: int, message: str, retry_after: float | None = None) -> web.Response:
    """Errors the framework produces for Slack (faults, contract violations)."""
    if status == 429:
        seconds = max(1, math.ceil(retry_after or 1))
        return json_response(
            {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(seconds)}
        )
    if status == 400:
        # Slack answers bad arguments with HTTP 200 and ok:false
        body = {"ok": False, "error": "invalid_arguments"}
        return json_response({**body, "response_metadata": {"messages": [message]}})
    error = "request_timeout" if status == 504 else "internal_error"
    return json_response({"ok": False, "error": error, "detail": message}, status=status)


def contract_args(request: web.Request, body: Any) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    if isinstance(body, dict) and not body.get("multipart"):
        args.update(body)
    args.pop("token", None)
    return args
