"""The emulated Discord: REST at ``/discord/api/v10``, the gateway at ``/discord/gateway``,
attachments at ``/discord/attachments``, and the control API at ``/_emu/discord``.

Point discord.py at it with ``discord.http.Route.BASE = f"{url}/discord/api/v10"`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://{host}:{port}/discord/gateway")``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from emulators.core import Emulator, Platform
from emulators.discord import (
    coerce,
    control,
    rest_apps,
    rest_events,
    rest_guilds,
    rest_messages,
    rest_polls,
    rest_webhooks,
)
from emulators.discord.errors import render_error
from emulators.discord.routing import API_PREFIX
from emulators.discord.service import DiscordService

__all__ = ["DISCORD_KEY", "DiscordService", "install"]

DISCORD_KEY = web.AppKey("discord", DiscordService)


def install(app: web.Application, emu: Emulator, world: dict[str, Any] | None) -> DiscordService:
    raw = (world or {}).get("discord") if world is not None else None
    svc = DiscordService(emu, raw)
    app[DISCORD_KEY] = svc
    emu.register(
        Platform(
            name="discord",
            prefixes=(API_PREFIX, "/discord"),
            render_error=render_error,
            reset=svc.reset,
            world=svc.world,
            validate=_validator(emu),
        )
    )
    for router in (
        rest_messages.router,
        rest_guilds.router,
        rest_webhooks.router,
        rest_apps.router,
        rest_events.router,
        rest_polls.router,
    ):
        router.install(app, svc)
    app.router.add_get("/discord/gateway", svc.hub.handle)
    app.router.add_get(
        r"/discord/attachments/{channel_id:\d+}/{attachment_id:\d+}/{filename}", _attachment(svc)
    )
    control.install(app, svc)
    return svc


def _validator(emu: Emulator) -> Any:
    def validate(request: web.Request, body: Any) -> list[str]:
        if emu.contracts is None or not request.path.startswith(API_PREFIX + "/"):
            return []
        path = request.path[len(API_PREFIX) :]
        spelled = coerce.for_spec(path, body)  # what Discord coerces is not a violation
        violations: list[str] = emu.contracts.discord(
            request.method, path, dict(request.query), spelled
        )
        return violations

    return validate


def _attachment(svc: DiscordService) -> Any:
    async def serve(request: web.Request) -> web.Response:
        wanted = int(request.match_info["attachment_id"])
        for message in svc.state.channel_history(int(request.match_info["channel_id"])):
            for item in message.attachments:
                if item.id == wanted:
                    return web.Response(body=item.data, headers={"Content-Type": item.content_type})
        raise web.HTTPNotFound()

    return serve
