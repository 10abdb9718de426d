"""The Discord part of the control API (``/_emu/discord/...``): act as people, read what they
see, and disturb the gateway. All JSON; ids are strings. The routes come from one module per
concept (messages, guilds, interactions, gateway); this module adds them all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulators.core import json_response
from emulators.discord import (
    commands,
    control_events,
    control_gateway,
    control_guilds,
    control_interactions,
    control_messages,
    control_polls,
)
from emulators.discord.control_lookup import ControlHandler
from emulators.discord.errors import ApiError

if TYPE_CHECKING:
    from emulators.discord.service import DiscordService

PREFIX = "/_emu/discord"
ROUTES: list[tuple[str, str, ControlHandler]] = [
    *control_messages.ROUTES,
    *control_guilds.ROUTES,
    *control_interactions.ROUTES,
    *control_gateway.ROUTES,
    *control_events.ROUTES,
    *control_polls.ROUTES,
]


def install(app: web.Application, svc: DiscordService) -> None:
    for method, path, handler in ROUTES:
        app.router.add_route(method, PREFIX + path, _wrap(svc, handler))


def _wrap(
    svc: DiscordService, handler: ControlHandler
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        body: dict[str, Any] = {}
        if request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                return json_response({"error": "body must be JSON"}, status=400)
        try:
            result = await handler(svc, body if isinstance(body, dict) else {}, request)
        except ApiError as err:
            return json_response({"error": err.message, **err.body()}, status=err.status)
        except commands.CommandPathError as err:
            return json_response({"error": str(err)}, status=400)
        except (KeyError, ValueError, TypeError) as err:
            return json_response({"error": f"bad request: {err!r}"}, status=400)
        if isinstance(result, web.Response):
            return result
        return json_response(result)

    return handle
