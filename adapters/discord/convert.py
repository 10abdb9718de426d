"""discord.py objects → core events (pure: reads attributes, does no I/O)."""

from __future__ import annotations

import re

import discord

from adapters.discord.markdown import emoji_from_discord, parse_discord
from bridge.events import (
    Attachment,
    Author,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionChanged,
)
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.text import repair_text


def channel_ref(guild_id: int | None, channel: object) -> ChannelRef:
    """Messages in a thread belong to the thread's parent channel (the linked one)."""
    channel_id = getattr(channel, "parent_id", None) if _is_thread(channel) else None
    channel_id = channel_id or getattr(channel, "id", 0)
    return ChannelRef(Platform.DISCORD, str(guild_id or 0), str(channel_id))


def _is_thread(channel: object) -> bool:
    return isinstance(channel, discord.Thread)


ROLE_MENTION = re.compile(r"<@&(\d{1,21})>")


def names_of(message: discord.Message) -> dict[str, str]:
    names = {f"user:{u.id}": u.display_name for u in message.mentions}
    # Discord resolves only the roles a message pinged (none when the role is not mentionable
    # or the author may not mention it): every other `<@&id>` is named from the guild's roles
    guild = message.guild
    for role_id in ROLE_MENTION.findall(message.content or ""):
        role = guild.get_role(int(role_id)) if guild is not None else None
        if role is not None:
            names[f"role:{role.id}"] = role.name
    names |= {f"role:{r.id}": r.name for r in message.role_mentions}
    names |= {f"channel:{c.id}": getattr(c, "name", str(c.id)) for c in message.channel_mentions}
    return names


def author_of(message: discord.Message) -> Author:
    guild_id = message.guild.id if message.guild else 0
    user = message.author
    return Author(
        user=UserRef(Platform.DISCORD, str(guild_id), str(user.id)),
        display_name=repair_text(user.display_name),
        avatar_url=str(user.display_avatar.url) if user.display_avatar else None,
    )


def attachments_of(message: discord.Message) -> tuple[Attachment, ...]:
    return tuple(
        Attachment(a.url, repair_text(a.filename), a.size, repair_text(a.content_type or ""))
        for a in message.attachments
    )


def message_posted(message: discord.Message) -> MessagePosted:
    guild_id = message.guild.id if message.guild else None
    thread_root = str(message.channel.id) if _is_thread(message.channel) else None
    reply_to = None
    if message.reference is not None and message.reference.message_id is not None:
        reply_to = str(message.reference.message_id)
    return MessagePosted(
        key=str(message.id),
        channel=channel_ref(guild_id, message.channel),
        message_id=str(message.id),
        author=author_of(message),
        text=parse_discord(message.content, names_of(message)),
        attachments=attachments_of(message),
        reply_to=reply_to,
        thread_root=thread_root,
        echo_marker=str(message.nonce) if message.nonce else None,
        at=message.created_at.timestamp(),
    )


def message_edited(raw: discord.RawMessageUpdateEvent) -> MessageEdited | None:
    data = raw.data
    if "content" not in data or not data.get("edited_timestamp"):
        return None  # an embed unfurl or pin (never edited by its author), not an edit
    message = raw.message
    before = raw.cached_message
    if before is not None and before.content == message.content:
        return None  # embeds, unfurls or a save without a change: the text is the same
    edited = data.get("edited_timestamp") or ""
    return MessageEdited(
        key=f"{raw.message_id}:{edited}",
        channel=channel_ref(raw.guild_id, message.channel),
        message_id=str(raw.message_id),
        text=parse_discord(message.content, names_of(message)),
        editor=None,
    )


def message_deleted(raw: discord.RawMessageDeleteEvent, parent_id: int | None) -> MessageDeleted:
    channel_id = parent_id or raw.channel_id
    return MessageDeleted(
        key=f"{raw.message_id}:delete",
        channel=ChannelRef(Platform.DISCORD, str(raw.guild_id or 0), str(channel_id)),
        message_id=str(raw.message_id),
    )


def reaction_changed(
    raw: discord.RawReactionActionEvent, parent_id: int | None, added: bool
) -> ReactionChanged:
    guild = str(raw.guild_id or 0)
    emoji = raw.emoji
    custom_id = str(emoji.id) if emoji.id else None
    return ReactionChanged(
        key="",  # reactions are idempotent in the store; no event dedupe needed
        channel=ChannelRef(Platform.DISCORD, guild, str(parent_id or raw.channel_id)),
        message_id=str(raw.message_id),
        user=UserRef(Platform.DISCORD, guild, str(raw.user_id)),
        emoji=emoji_from_discord(emoji.name or "", custom_id),
        added=added,
    )


def message_edited_in_history(message: discord.Message) -> MessageEdited | None:
    """A message read from the history that Discord marks edited: its current text."""
    if message.edited_at is None:
        return None
    return MessageEdited(
        key=f"{message.id}:{message.edited_at.isoformat()}",
        channel=channel_ref(message.guild.id if message.guild else None, message.channel),
        message_id=str(message.id),
        text=parse_discord(message.content, names_of(message)),
        editor=None,
    )
