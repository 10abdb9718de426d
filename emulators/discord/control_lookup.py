"""What the handlers of the Discord control API share (a leaf: every control module uses it):
the handler type, lookups accepting ids or names, and waiting for the bot's answer to an
interaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulators.core import json_response
from emulators.discord import interactions
from emulators.discord.errors import ApiError
from emulators.discord.state import Channel, DiscordState, Guild

if TYPE_CHECKING:
    from emulators.discord.service import DiscordService

ControlHandler = Callable[["DiscordService", dict[str, Any], web.Request], Awaitable[Any]]


def user_id(state: DiscordState, raw: Any) -> int:
    text = str(raw)
    if text.isdigit() and int(text) in state.users:
        return int(text)
    for user in state.users.values():
        if user.username == text:
            return user.id
    raise ApiError.unknown("user")


def channel(state: DiscordState, raw: Any) -> Channel:
    text = str(raw).lstrip("#")
    if text.isdigit():
        return state.channel(int(text))
    for guild in state.guilds.values():
        for found in guild.channels.values():
            if found.name == text:
                return found
    raise ApiError.unknown("channel")


def guild(state: DiscordState, body: dict[str, Any]) -> Guild:
    if body.get("guild_id") is None and len(state.guilds) == 1:
        return next(iter(state.guilds.values()))
    return state.guild(int(body["guild_id"]))


async def answer(svc: DiscordService, interaction: Any, body: dict[str, Any]) -> Any:
    """The bot's answer; ``timeout`` (seconds, default Discord's 3) lets a test wait longer
    for a deferred answer (at most 120 s here; Discord keeps the token 15 minutes)."""
    limit = min(float(body.get("timeout") or interactions.RESPONSE_TIMEOUT), 120.0)
    found = await interactions.wait_for_answer(svc, interaction, limit)
    if found is None:
        return json_response(
            {"error": "interaction failed", "interaction_id": str(interaction.id)}, status=504
        )
    return found
