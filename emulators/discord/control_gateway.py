"""Discord control API: disturb the gateway (drop a session, replay events, ask clients to
reconnect), see its sessions, and set what sharding tests need (the recommended shard count, the
most guilds one session may hold)."""

from __future__ import annotations

import dataclasses
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


def _shards_json(svc: DiscordService) -> dict[str, Any]:
    limits = svc.hub.limits
    return {
        "recommended": svc.hub.recommended_shards(),
        "recommended_override": limits.recommended,
        "max_guilds_per_shard": limits.max_guilds_per_shard,
        "bot_guilds": len(svc.hub.bot_guilds()),
    }


async def get_shards(svc: DiscordService, body: dict[str, Any], _: web.Request) -> Any:
    return _shards_json(svc)


async def set_shards(svc: DiscordService, body: dict[str, Any], _: web.Request) -> Any:
    """``recommended`` (null: computed again from the bot's guilds) and ``max_guilds_per_shard``;
    a key left out keeps its value. Both go back to Discord's on the emulator's reset."""
    limits = svc.hub.limits
    if "recommended" in body:
        raw = body["recommended"]
        recommended = None if raw is None else int(raw)
        if recommended is not None and recommended < 1:
            raise ValueError("recommended must be at least 1")
        limits = dataclasses.replace(limits, recommended=recommended)
    if "max_guilds_per_shard" in body:
        most = int(body["max_guilds_per_shard"])
        if most < 0:
            raise ValueError("max_guilds_per_shard must not be negative")
        limits = dataclasses.replace(limits, max_guilds_per_shard=most)
    svc.hub.limits = limits
    return _shards_json(svc)


ROUTES: list[tuple[str, str, ControlHandler]] = [
    ("POST", "/gateway/drop", drop),
    ("POST", "/gateway/replay", replay),
    ("POST", "/gateway/reconnect", reconnect),
    ("GET", "/gateway/sessions", sessions),
    ("GET", "/gateway/shards", get_shards),
    ("POST", "/gateway/shards", set_shards),
]
