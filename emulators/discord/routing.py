"""The REST route wrapper: token check, rate limits, body parsing, error rendering."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aiohttp import web

from emulators.core import json_response
from emulators.discord import ratelimit
from emulators.discord.errors import ApiError

if TYPE_CHECKING:
    from emulators.discord.service import DiscordService
    from emulators.discord.state import DiscordState

API_PREFIX = "/discord/api/v10"
MAJOR_PARAMS = ("channel_id", "guild_id", "webhook_id")


@dataclass
class Upload:
    index: int
    filename: str
    content_type: str
    data: bytes


@dataclass
class Ctx:
    """One REST call as a handler sees it."""

    svc: DiscordService
    request: web.Request
    body: Any = None
    files: list[Upload] = field(default_factory=list)

    @property
    def state(self) -> DiscordState:
        return self.svc.state

    @property
    def bot_id(self) -> int:
        return self.svc.state.bot_user_id

    def snowflake(self, name: str) -> int:
        raw = self.request.match_info[name]
        if not raw.isdigit() or len(raw) > 20:
            raise ApiError.invalid_form(
                name, "NUMBER_TYPE_COERCE", f'Value "{raw}" is not snowflake.'
            )
        return int(raw)

    def param(self, name: str) -> str:
        return unquote(self.request.match_info[name])

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.request.query.get(name, default)

    def query_int(self, name: str, default: int, *, lo: int = 0, hi: int = 1 << 62) -> int:
        raw = self.request.query.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError as exc:
            raise ApiError.invalid_form(
                name, "NUMBER_TYPE_COERCE", f'Value "{raw}" is not int.'
            ) from exc
        if not lo <= value <= hi:
            raise ApiError.invalid_form(name, "NUMBER_TYPE_MAX", f"int value should be <= {hi}.")
        return value

    def flag(self, name: str) -> bool:
        return (self.request.query.get(name) or "").lower() in ("true", "1")

    @property
    def reason(self) -> str | None:
        raw = self.request.headers.get("X-Audit-Log-Reason")
        return unquote(raw) if raw else None

    def json(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) else {}


Reply = Any  # data (200), (status, data), or None (204)
Handler = Callable[[Ctx], Awaitable[Reply]]


@dataclass
class RouteSpec:
    method: str
    path: str
    handler: Handler
    auth: str  # "bot" | "none"
    bucket: str


class Router:
    """Collects a module's routes; ``install`` binds them to the app under the API prefix."""

    def __init__(self) -> None:
        self.routes: list[RouteSpec] = []

    def route(
        self, method: str, path: str, *, auth: str = "bot", bucket: str = "default"
    ) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            self.routes.append(RouteSpec(method, path, handler, auth, bucket))
            return handler

        return decorate

    def install(self, app: web.Application, svc: DiscordService) -> None:
        for spec in self.routes:
            app.router.add_route(spec.method, API_PREFIX + spec.path, _wrap(svc, spec))


def _wrap(svc: DiscordService, spec: RouteSpec) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        if spec.auth == "bot":
            auth = request.headers.get("Authorization", "")
            if auth != f"Bot {svc.state.bot_token}":
                return _error(ApiError.unauthorized(), {})
        verdict = ratelimit.check(
            svc.emu,
            bucket=spec.bucket,
            major=_major(request),
            identity=svc.state.bot_token if spec.auth == "bot" else None,
            sub_key=svc.webhook_channel_key(request) if spec.bucket == "webhooks.execute" else None,
        )
        if verdict.refusal is not None:
            return verdict.refusal
        try:
            ctx = Ctx(svc, request)
            await _parse_body(ctx)
            return _render(await spec.handler(ctx), verdict.headers)
        except ApiError as err:
            return _error(err, verdict.headers)

    return handle


def _major(request: web.Request) -> str:
    info = request.match_info
    for name in MAJOR_PARAMS:
        if name in info:
            token = info.get("webhook_token", "")
            return f"{name}={info[name]}{':' + token[:8] if token else ''}"
    return "-"


def _render(reply: Reply, headers: dict[str, str]) -> web.Response:
    if reply is None:
        return web.Response(status=204, headers=headers)
    status, data = reply if isinstance(reply, tuple) else (200, reply)
    response: web.Response = json_response(data, status=status, headers=headers)
    return response


def _error(err: ApiError, headers: dict[str, str]) -> web.Response:
    response: web.Response = json_response(err.body(), status=err.status, headers=headers)
    return response


async def _parse_body(ctx: Ctx) -> None:
    request = ctx.request
    if request.method in ("GET", "HEAD", "DELETE") and not request.can_read_body:
        return
    ctype = request.content_type
    if ctype.startswith("multipart/"):
        await _parse_multipart(ctx)
        return
    raw = await request.read()
    if not raw:
        return
    if ctype != "application/json":
        raise ApiError(
            400,
            50035,
            "Invalid Form Body",
            {
                "_errors": [
                    {
                        "code": "CONTENT_TYPE_INVALID",
                        "message": 'Expected "Content-Type" to be one of {"application/json"}.',
                    }
                ]
            },
        )
    try:
        ctx.body = json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, 50109, "The request body contains invalid JSON.") from exc


async def _parse_multipart(ctx: Ctx) -> None:
    reader = await ctx.request.multipart()
    while True:
        part = await reader.next()
        if part is None:
            return
        name = getattr(part, "name", None) or ""
        data = await part.read()  # type: ignore[union-attr]
        if name == "payload_json":
            ctx.body = json.loads(data)
        elif name.startswith("files[") or name.startswith("file"):
            index = int(name[6:-1]) if name.startswith("files[") else len(ctx.files)
            filename = getattr(part, "filename", None) or f"file{index}"
            ctype = part.headers.get("Content-Type", "application/octet-stream")
            ctx.files.append(Upload(index, filename, ctype, bytes(data)))
