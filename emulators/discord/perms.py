"""Permission bits and Discord's permission computation (base, then channel overwrites)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from emulators.discord.state import Channel, Guild

_NAMES = [
    "CREATE_INSTANT_INVITE",
    "KICK_MEMBERS",
    "BAN_MEMBERS",
    "ADMINISTRATOR",
    "MANAGE_CHANNELS",
    "MANAGE_GUILD",
    "ADD_REACTIONS",
    "VIEW_AUDIT_LOG",
    "PRIORITY_SPEAKER",
    "STREAM",
    "VIEW_CHANNEL",
    "SEND_MESSAGES",
    "SEND_TTS_MESSAGES",
    "MANAGE_MESSAGES",
    "EMBED_LINKS",
    "ATTACH_FILES",
    "READ_MESSAGE_HISTORY",
    "MENTION_EVERYONE",
    "USE_EXTERNAL_EMOJIS",
    "VIEW_GUILD_INSIGHTS",
    "CONNECT",
    "SPEAK",
    "MUTE_MEMBERS",
    "DEAFEN_MEMBERS",
    "MOVE_MEMBERS",
    "USE_VAD",
    "CHANGE_NICKNAME",
    "MANAGE_NICKNAMES",
    "MANAGE_ROLES",
    "MANAGE_WEBHOOKS",
    "MANAGE_GUILD_EXPRESSIONS",
    "USE_APPLICATION_COMMANDS",
    "REQUEST_TO_SPEAK",
    "MANAGE_EVENTS",
    "MANAGE_THREADS",
    "CREATE_PUBLIC_THREADS",
    "CREATE_PRIVATE_THREADS",
    "USE_EXTERNAL_STICKERS",
    "SEND_MESSAGES_IN_THREADS",
    "USE_EMBEDDED_ACTIVITIES",
    "MODERATE_MEMBERS",
    "VIEW_CREATOR_MONETIZATION_ANALYTICS",
    "USE_SOUNDBOARD",
    "CREATE_GUILD_EXPRESSIONS",
    "CREATE_EVENTS",
    "USE_EXTERNAL_SOUNDS",
    "SEND_VOICE_MESSAGES",
    "_47",
    "SET_VOICE_CHANNEL_STATUS",
    "SEND_POLLS",
    "USE_EXTERNAL_APPS",
    "PIN_MESSAGES",
    "BYPASS_SLOWMODE",
]

FLAGS: dict[str, int] = {name: 1 << bit for bit, name in enumerate(_NAMES) if name != "_47"}
ALL = sum(FLAGS.values())

EVERYONE_DEFAULT = [
    "CREATE_INSTANT_INVITE",
    "ADD_REACTIONS",
    "VIEW_CHANNEL",
    "SEND_MESSAGES",
    "EMBED_LINKS",
    "ATTACH_FILES",
    "READ_MESSAGE_HISTORY",
    "USE_EXTERNAL_EMOJIS",
    "CONNECT",
    "SPEAK",
    "USE_VAD",
    "CHANGE_NICKNAME",
    "USE_APPLICATION_COMMANDS",
    "CREATE_PUBLIC_THREADS",
    "SEND_MESSAGES_IN_THREADS",
    "USE_EXTERNAL_STICKERS",
    "SEND_VOICE_MESSAGES",
    "SEND_POLLS",
    "USE_EXTERNAL_APPS",
]

# Permissions a timed-out member keeps (everything else is denied while the timeout lasts).
TIMEOUT_KEEPS = FLAGS["VIEW_CHANNEL"] | FLAGS["READ_MESSAGE_HISTORY"]


def bits(names: Iterable[str]) -> int:
    """Bitfield for permission names; unknown names raise ValueError."""
    value = 0
    for name in names:
        key = name.upper()
        if key not in FLAGS:
            raise ValueError(f"unknown Discord permission {name!r}")
        value |= FLAGS[key]
    return value


def names(value: int) -> list[str]:
    return [name for name, flag in FLAGS.items() if value & flag]


def has(value: int, name: str) -> bool:
    return bool(value & FLAGS["ADMINISTRATOR"]) or bool(value & FLAGS[name])


def base_permissions(guild: Guild, user_id: int) -> int:
    """Guild-level permissions of a member (owner and ADMINISTRATOR get everything)."""
    if user_id == guild.owner_id:
        return ALL
    member = guild.members.get(user_id)
    if member is None:
        return 0
    value = guild.roles[guild.id].permissions if guild.id in guild.roles else 0
    for role_id in member.roles:
        role = guild.roles.get(role_id)
        if role is not None:
            value |= role.permissions
    if value & FLAGS["ADMINISTRATOR"]:
        return ALL
    return value


def channel_permissions(guild: Guild, channel: Channel, user_id: int) -> int:
    """Permissions in a channel: base, then @everyone, role and member overwrites in order."""
    value = base_permissions(guild, user_id)
    if value & FLAGS["ADMINISTRATOR"]:
        return ALL
    target = guild.channels.get(channel.parent_id or 0) if channel.is_thread else channel
    overwrites = (target or channel).overwrites
    everyone = overwrites.get(guild.id)
    if everyone is not None:
        value = (value & ~everyone.deny) | everyone.allow
    member = guild.members.get(user_id)
    roles = member.roles if member else []
    allow = deny = 0
    for role_id in roles:
        overwrite = overwrites.get(role_id)
        if overwrite is not None and overwrite.type == 0:
            allow |= overwrite.allow
            deny |= overwrite.deny
    value = (value & ~deny) | allow
    own = overwrites.get(user_id)
    if own is not None and own.type == 1:
        value = (value & ~own.deny) | own.allow
    if member is not None and member.timed_out():
        value &= TIMEOUT_KEEPS
    return value
