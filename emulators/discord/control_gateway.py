"""Discord control API: disturb the gateway (drop a session, replay events, ask clients to
reconnect) and see its sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulators.discord.control_lookup import ControlHandler

if TYPE_CHECKING:
    from emulators.discord.service import DiscordService


async def drop(svc: DiscordService, body: dict[str, Any], _: web.Request) -> Any:
    resume = bool(body.get("resume", True))
    return {"dropped": svc.hub.drop(resume=resume), "resume": resume}


async def replay(svc: DiscordService, body: dict[str, Any], _: web.Request) -> Any:
    return {"replayed": svc.hub.replay(int(body.get("last") or 1))}


async def reconnect(svc: DiscordService, body: dict[str, Any], _: web.Request) -> Any:
    return {"sent": svc.hub.reconnect()}


async def sessions(svc: DiscordService, body: dict[str, Any], _: web.Request) -> Any:
    return svc.hub.status()


ROUTES: list[tuple[str, str, ControlHandler]] = [
    ("POST", "/gateway/drop", drop),
    ("POST", "/gateway/replay", replay),
    ("POST", "/gateway/reconnect", reconnect),
    ("GET", "/gateway/sessions", sessions),
]
