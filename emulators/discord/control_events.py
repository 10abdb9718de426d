"""Control API for guild scheduled events: a user marks or unmarks "Interested" (the bot hears
GUILD_SCHEDULED_EVENT_USER_ADD / REMOVE with the GUILD_SCHEDULED_EVENTS intent), and what
members see of a guild's events (with their interested counts)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulators.discord import control_lookup, gateway
from emulators.discord.control_lookup import ControlHandler
from emulators.discord.errors import ApiError
from emulators.discord.scheduled import SCHEDULED, event_json

if TYPE_CHECKING:
    from emulators.discord.service import DiscordService


async def interest(svc: DiscordService, body: dict[str, Any], _: web.Request) -> Any:
    """``{"user", "event_id", "guild_id"?, "interested": true|false}``."""
    guild = control_lookup.guild(svc.state, body)
    user_id = control_lookup.user_id(svc.state, body["user"])
    if user_id not in guild.members:
        raise ApiError.unknown("member")
    event = guild.scheduled_events.get(int(body["event_id"]))
    if event is None:
        raise ApiError(404, 10070, "Unknown Guild Scheduled Event")
    wanted = bool(body.get("interested", True))
    if wanted and event.status != SCHEDULED:
        raise ApiError(400, 180000, "Cannot mark interest in an event that is not scheduled")
    if wanted == (user_id in event.users):
        return {"changed": False, "user_count": len(event.users)}
    if wanted:
        event.users.append(user_id)
    else:
        event.users.remove(user_id)
    name = "GUILD_SCHEDULED_EVENT_USER_ADD" if wanted else "GUILD_SCHEDULED_EVENT_USER_REMOVE"
    data = {
        "guild_scheduled_event_id": str(event.id),
        "user_id": str(user_id),
        "guild_id": str(guild.id),
    }
    svc.hub.dispatch(name, data, intent=gateway.GUILD_SCHEDULED_EVENTS)
    return {"changed": True, "user_count": len(event.users)}


async def events(svc: DiscordService, _: dict[str, Any], request: web.Request) -> Any:
    guild = svc.state.guild(int(request.match_info["guild_id"]))
    return [event_json(e, with_count=True) for e in guild.scheduled_events.values()]


ROUTES: list[tuple[str, str, ControlHandler]] = [
    ("POST", "/scheduled-events/interest", interest),
    ("GET", r"/guilds/{guild_id:\d+}/scheduled-events", events),
]
