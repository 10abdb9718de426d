"""Permission checks raising the real errors (50001 Missing Access, 50013 Missing Permissions)."""

from __future__ import annotations

from emulators.discord import perms
from emulators.discord.errors import ApiError
from emulators.discord.state import Channel, DiscordState, Guild


def channel_perms(state: DiscordState, channel: Channel, user_id: int) -> int:
    return perms.channel_permissions(state.guild(channel.guild_id), channel, user_id)


def require_channel(state: DiscordState, channel: Channel, user_id: int, *names: str) -> int:
    """The user must see the channel (else 50001) and hold every named permission (else 50013)."""
    guild = state.guild(channel.guild_id)
    if user_id not in guild.members:
        raise ApiError.missing_access()
    value = perms.channel_permissions(guild, channel, user_id)
    if not perms.has(value, "VIEW_CHANNEL"):
        raise ApiError.missing_access()
    if not all(perms.has(value, name) for name in names):
        raise ApiError.missing_permissions()
    return value


def require_any(state: DiscordState, channel: Channel, user_id: int, *names: str) -> int:
    value = require_channel(state, channel, user_id)
    if not any(perms.has(value, name) for name in names):
        raise ApiError.missing_permissions()
    return value


def require_guild(state: DiscordState, guild: Guild, user_id: int, *names: str) -> int:
    if user_id not in guild.members:
        raise ApiError.missing_access()
    value = perms.base_permissions(guild, user_id)
    if not all(perms.has(value, name) for name in names):
        raise ApiError.missing_permissions()
    return value


def require_above(state: DiscordState, guild: Guild, actor_id: int, target_id: int) -> None:
    """Role hierarchy: nobody acts on the owner; the actor's top role must be higher."""
    if target_id == guild.owner_id or target_id == actor_id:
        raise ApiError.missing_permissions()
    if target_id not in guild.members or actor_id == guild.owner_id:
        return
    if state.top_role_position(guild, actor_id) <= state.top_role_position(guild, target_id):
        raise ApiError.missing_permissions()
