"""JSON shapes of Discord objects (REST responses and gateway payloads), ids as strings."""

from __future__ import annotations

from typing import Any

from emulators.discord import perms
from emulators.discord.ids import iso, snowflake_time
from emulators.discord.poll_state import poll_json
from emulators.discord.scheduled import event_json
from emulators.discord.state import (
    Attachment,
    Channel,
    DiscordState,
    Guild,
    Member,
    Message,
    Role,
    User,
    Webhook,
)


def s(value: int | None) -> str | None:
    return None if value is None else str(value)


def user_json(user: User) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(user.id),
        "username": user.username,
        "discriminator": "0",
        "global_name": user.global_name,
        "avatar": user.avatar,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "primary_guild": None,
    }
    if user.bot:
        data["bot"] = True
    return data


def member_json(
    state: DiscordState, guild: Guild, member: Member, *, with_user: bool = True
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "nick": member.nick,
        "avatar": None,
        "banner": None,
        "roles": [str(r) for r in member.roles],
        "joined_at": member.joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": member.communication_disabled_until,
    }
    if with_user:
        data["user"] = user_json(state.users[member.user_id])
    return data


def role_json(role: Role, bot_user_id: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(role.id),
        "name": role.name,
        "description": None,
        "color": role.color,
        "colors": {"primary_color": role.color, "secondary_color": None, "tertiary_color": None},
        "hoist": role.hoist,
        "icon": None,
        "unicode_emoji": None,
        "position": role.position,
        "permissions": str(role.permissions),
        "managed": role.managed,
        "mentionable": role.mentionable,
        "flags": 0,
    }
    if role.managed and bot_user_id is not None:
        data["tags"] = {"bot_id": str(bot_user_id)}
    return data


VOICE_TYPES = (2, 13)


def channel_json(channel: Channel) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(channel.id),
        "type": channel.type,
        "guild_id": str(channel.guild_id),
        "name": channel.name,
        "parent_id": s(channel.parent_id),
        "last_message_id": s(channel.last_message_id),
        "nsfw": channel.nsfw,
        "rate_limit_per_user": 0,
        "flags": 0,
    }
    if channel.is_thread:
        data.update(_thread_fields(channel))
        return data
    data["position"] = channel.position
    data["topic"] = channel.topic
    data["permission_overwrites"] = [
        {"id": str(o.id), "type": o.type, "allow": str(o.allow), "deny": str(o.deny)}
        for o in channel.overwrites.values()
    ]
    if channel.type in VOICE_TYPES:  # voice and stage channels
        data |= {"bitrate": 64000, "user_limit": 0, "rtc_region": None, "video_quality_mode": 1}
    return data


def _thread_fields(channel: Channel) -> dict[str, Any]:
    created = channel.created_at or iso(snowflake_time(channel.id))
    return {
        "owner_id": s(channel.owner_id),
        "message_count": channel.message_count,
        "total_message_sent": channel.message_count,
        "member_count": 1,
        "thread_metadata": {
            "archived": channel.archived,
            "auto_archive_duration": channel.auto_archive_duration,
            "archive_timestamp": created,
            "locked": channel.locked,
            "create_timestamp": created,
        },
    }


def emoji_json(key: str) -> dict[str, Any]:
    parts = key.split(":")
    if len(parts) >= 2 and parts[-1].isdigit():
        data: dict[str, Any] = {"id": parts[-1], "name": parts[-2]}
        if len(parts) == 3 and parts[0] == "a":
            data["animated"] = True
        return data
    return {"id": None, "name": key}


def attachment_json(state_url: str, channel_id: int, attachment: Attachment) -> dict[str, Any]:
    url = f"{state_url}/discord/attachments/{channel_id}/{attachment.id}/{attachment.filename}"
    return {
        "id": str(attachment.id),
        "filename": attachment.filename,
        "description": attachment.description,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": url,
        "proxy_url": url,
    }


def author_json(state: DiscordState, message: Message) -> dict[str, Any]:
    if message.by_webhook:
        return {
            "id": str(message.webhook_id),
            "username": message.webhook_name or "Captain Hook",
            "discriminator": "0000",
            "global_name": None,
            "avatar": message.webhook_avatar,
            "bot": True,
            "public_flags": 0,
            "flags": 0,
        }
    return user_json(state.users[message.author_id])


def message_json(
    state: DiscordState, message: Message, *, base_url: str = "", depth: int = 0
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(message.id),
        "type": message.type,
        "channel_id": str(message.channel_id),
        "author": author_json(state, message),
        "content": message.content,
        "timestamp": message.timestamp,
        "edited_timestamp": message.edited_timestamp,
        "tts": False,
        "mention_everyone": message.mention_everyone,
        "mentions": [user_json(state.users[u]) for u in message.mentions if u in state.users],
        "mention_roles": [str(r) for r in message.mention_roles],
        "attachments": [
            attachment_json(base_url, message.channel_id, a) for a in message.attachments
        ],
        "embeds": message.embeds,
        "components": message.components,
        "pinned": message.pinned,
        "flags": message.flags,
    }
    _optional_message_fields(state, message, data, base_url=base_url, depth=depth)
    return data


def _optional_message_fields(
    state: DiscordState, message: Message, data: dict[str, Any], *, base_url: str, depth: int
) -> None:
    if message.reactions:
        data["reactions"] = [
            reaction_json(key, users, state.bot_user_id) for key, users in message.reactions.items()
        ]
    if message.nonce is not None:
        data["nonce"] = message.nonce
    if message.poll is not None:
        data["poll"] = poll_json(message.poll, state.bot_user_id)
    if message.webhook_id is not None:
        data["webhook_id"] = str(message.webhook_id)
    if message.application_id is not None:
        data["application_id"] = str(message.application_id)
    if message.reference is not None:
        data["message_reference"] = message.reference
        ref = state.messages.get(int(message.reference.get("message_id") or 0))
        if depth == 0 and message.type == 19:
            data["referenced_message"] = (
                message_json(state, ref, base_url=base_url, depth=1) if ref else None
            )
    if message.thread_id is not None:
        thread = state.find_channel(message.thread_id)
        if thread is not None:
            data["thread"] = channel_json(thread)
    if message.interaction_id is not None:
        data["interaction_metadata"] = {
            "id": str(message.interaction_id),
            "type": 2,
            "user": user_json(state.users[message.author_id]),
            "authorizing_integration_owners": {},
        }


def reaction_json(key: str, users: list[int], me_id: int) -> dict[str, Any]:
    return {
        "count": len(users),
        "count_details": {"burst": 0, "normal": len(users)},
        "me": me_id in users,
        "me_burst": False,
        "burst_colors": [],
        "emoji": emoji_json(key),
    }


def webhook_json(
    state: DiscordState, webhook: Webhook, *, with_token: bool = True
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(webhook.id),
        "type": webhook.type,
        "guild_id": str(webhook.guild_id),
        "channel_id": str(webhook.channel_id),
        "name": webhook.name,
        "avatar": webhook.avatar,
        "application_id": s(webhook.application_id),
        "user": user_json(state.users[webhook.creator_id]),
    }
    if with_token:
        data["token"] = webhook.token
    return data


def guild_json(state: DiscordState, guild: Guild) -> dict[str, Any]:
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": guild.icon,
        "icon_hash": guild.icon,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(guild.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [role_json(r, state.bot_user_id) for r in guild.roles.values()],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "nsfw_level": 0,
        "nsfw": False,
        "premium_progress_bar_enabled": False,
        "max_members": 500000,
        "max_video_channel_users": 25,
    }


def guild_create_json(state: DiscordState, guild: Guild, *, new: bool = False) -> dict[str, Any]:
    """GUILD_CREATE: at start-up ``unavailable: false`` (lazy load); for a guild the bot has just
    joined the key is absent (discord.py then dispatches ``guild_join``)."""
    data = guild_json(state, guild)
    channels = [c for c in guild.channels.values() if not c.is_thread]
    threads = [c for c in guild.channels.values() if c.is_thread and not c.archived]
    data.update(
        {
            "joined_at": guild.members[state.bot_user_id].joined_at,
            "large": False,
            "member_count": len(guild.members),
            "voice_states": [],
            "members": [member_json(state, guild, m) for m in guild.members.values()],
            "channels": [channel_json(c) for c in channels],
            "threads": [channel_json(t) for t in threads],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [
                event_json(e, with_count=True) for e in guild.scheduled_events.values()
            ],
            "soundboard_sounds": [],
        }
    )
    if not new:
        data["unavailable"] = False
    return data


def permissions_str(value: int) -> str:
    return str(value & perms.ALL)
