"""What a person sees in a channel (the control API's channel view and the live viewer rows)."""

from __future__ import annotations

from typing import Any

from emulators.discord import payloads
from emulators.discord.state import DiscordState, Message


def display_name(state: DiscordState, message: Message) -> str:
    if message.by_webhook:
        return message.webhook_name or "Captain Hook"
    user = state.users[message.author_id]
    guild = state.guilds.get(message.guild_id)
    member = guild.members.get(user.id) if guild else None
    return (member.nick if member and member.nick else None) or user.display_name


def row(state: DiscordState, message: Message, base_url: str = "") -> dict[str, Any]:
    thread = state.find_channel(message.thread_id) if message.thread_id else None
    return {
        "id": str(message.id),
        "type": message.type,
        "author": display_name(state, message),
        "author_id": str(message.author_id),
        "webhook_id": payloads.s(message.webhook_id),
        "bot": message.by_webhook or state.users[message.author_id].bot,
        "content": message.content,
        "embeds": message.embeds,
        "attachments": [
            payloads.attachment_json(base_url, message.channel_id, a) for a in message.attachments
        ],
        "components": message.components,
        "reactions": [
            {
                "emoji": key,
                "count": len(users),
                "me": state.bot_user_id in users,
                "users": [str(u) for u in users],
            }
            for key, users in message.reactions.items()
        ],
        "thread": {"id": str(thread.id), "name": thread.name} if thread else None,
        "message_reference": message.reference,
        "pinned": message.pinned,
        "edited": message.edited_timestamp is not None,
        "timestamp": message.timestamp,
        "flags": message.flags,
        "pinged": list(message.pinged),
    }


def channel_view(
    state: DiscordState, channel_id: int, *, base_url: str = ""
) -> list[dict[str, Any]]:
    """Messages oldest first, as shown in the channel (ephemeral ones are never listed)."""
    return [row(state, m, base_url) for m in state.channel_history(channel_id)]
