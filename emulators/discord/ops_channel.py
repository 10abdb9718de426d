"""Reactions, pins, threads and channel edits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulators.discord import access, audit, events, gateway, payloads
from emulators.discord.errors import ApiError
from emulators.discord.ids import now_iso
from emulators.discord.state import (
    ANNOUNCEMENT_THREAD,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    Channel,
    Message,
)

if TYPE_CHECKING:
    from emulators.discord.service import DiscordService

MAX_REACTIONS, MAX_PINS = 20, 250
CHANNEL_PINNED_MESSAGE = 6


# -- reactions ---------------------------------------------------------------------------------
def emoji_key(raw: str) -> str:
    """Unicode emoji as is; custom ones as ``name:id`` (none exist here: 10014 Unknown Emoji)."""
    key = raw.strip()
    if ":" in key or not key or not any(ord(ch) >= 0xA9 for ch in key) or len(key) > 32:
        raise ApiError.unknown("emoji")
    return key


def add_reaction(svc: DiscordService, message: Message, user_id: int, raw_emoji: str) -> None:
    state = svc.state
    key = emoji_key(raw_emoji)
    channel = state.channel(message.channel_id)
    users = message.reactions.get(key)
    needed = ["READ_MESSAGE_HISTORY"] + ([] if users else ["ADD_REACTIONS"])
    access.require_channel(state, channel, user_id, *needed)
    if users is not None and user_id in users:
        return
    if users is None and len(message.reactions) >= MAX_REACTIONS:
        raise ApiError(400, 30010, "Maximum number of reactions reached (20)")
    message.reactions.setdefault(key, []).append(user_id)
    guild = state.guild(message.guild_id)
    data = _reaction_event(message, user_id, key)
    member = guild.members.get(user_id)
    if member is not None:
        data["member"] = payloads.member_json(state, guild, member)
    data["message_author_id"] = str(message.author_id)
    svc.hub.dispatch("MESSAGE_REACTION_ADD", data, intent=gateway.GUILD_MESSAGE_REACTIONS)
    _publish_reactions(svc, message)


def remove_reaction(
    svc: DiscordService, message: Message, user_id: int, raw_emoji: str, *, actor_id: int
) -> None:
    state = svc.state
    key = emoji_key(raw_emoji)
    channel = state.channel(message.channel_id)
    if actor_id != user_id:
        access.require_channel(state, channel, actor_id, "MANAGE_MESSAGES")
    users = message.reactions.get(key) or []
    if user_id not in users:
        return
    users.remove(user_id)
    if not users:
        del message.reactions[key]
    data = _reaction_event(message, user_id, key)
    svc.hub.dispatch("MESSAGE_REACTION_REMOVE", data, intent=gateway.GUILD_MESSAGE_REACTIONS)
    _publish_reactions(svc, message)


def reaction_users(svc: DiscordService, message: Message, raw_emoji: str) -> list[int]:
    return list(message.reactions.get(emoji_key(raw_emoji), []))


def _reaction_event(message: Message, user_id: int, key: str) -> dict[str, Any]:
    return {
        "user_id": str(user_id),
        "channel_id": str(message.channel_id),
        "message_id": str(message.id),
        "guild_id": str(message.guild_id),
        "emoji": payloads.emoji_json(key),
        "burst": False,
        "burst_colors": [],
        "type": 0,
    }


def _publish_reactions(svc: DiscordService, message: Message) -> None:
    from emulators.discord import view

    row = view.row(svc.state, message, svc.base_url)
    svc.publish(
        "message", {"action": "update", "channel_id": str(message.channel_id), "message": row}
    )


# -- pins --------------------------------------------------------------------------------------
def set_pinned(
    svc: DiscordService, message: Message, actor_id: int, pinned: bool, reason: str | None
) -> None:
    state = svc.state
    channel = state.channel(message.channel_id)
    access.require_any(state, channel, actor_id, "PIN_MESSAGES", "MANAGE_MESSAGES")
    if message.pinned == pinned:
        return
    if pinned and sum(m.pinned for m in state.channel_history(channel.id)) >= MAX_PINS:
        raise ApiError(400, 30003, "Maximum number of pins reached (250)")
    message.pinned = pinned
    message.pinned_at = now_iso() if pinned else None
    audit.record(
        svc,
        state.guild(channel.guild_id),
        audit.MESSAGE_PIN if pinned else audit.MESSAGE_UNPIN,
        actor_id=actor_id,
        target_id=message.author_id,
        reason=reason,
        options={"channel_id": str(channel.id), "message_id": str(message.id)},
    )
    _emit_pins(svc, channel)
    events.emit_message(svc, message, created=False)
    if pinned:
        _pin_notice(svc, channel, actor_id, message)


def _emit_pins(svc: DiscordService, channel: Channel) -> None:
    history = svc.state.channel_history(channel.id)
    last = max((m.pinned_at or "" for m in history if m.pinned), default="")
    pins = {
        "guild_id": str(channel.guild_id),
        "channel_id": str(channel.id),
        "last_pin_timestamp": last or None,
    }
    svc.hub.dispatch("CHANNEL_PINS_UPDATE", pins, intent=gateway.GUILDS)


def _pin_notice(svc: DiscordService, channel: Channel, actor_id: int, pinned: Message) -> None:
    """The "X pinned a message to this channel." system message (type 6)."""
    notice = Message(
        id=svc.ids.next(),
        channel_id=channel.id,
        guild_id=channel.guild_id,
        author_id=actor_id,
        content="",
        timestamp=now_iso(),
        type=CHANNEL_PINNED_MESSAGE,
        reference={
            "type": 0,
            "message_id": str(pinned.id),
            "channel_id": str(channel.id),
            "guild_id": str(channel.guild_id),
        },
    )
    svc.state.add_message(notice)
    channel.last_message_id = notice.id
    events.emit_message(svc, notice, created=True)


# -- threads -----------------------------------------------------------------------------------
def create_thread(
    svc: DiscordService,
    channel: Channel,
    actor_id: int,
    body: dict[str, Any],
    message: Message | None = None,
) -> Channel:
    """A thread in ``channel``; from a message it is public and takes the message's id."""
    name, kind = _thread_spec(channel, body, message)
    needed = "CREATE_PRIVATE_THREADS" if kind == PRIVATE_THREAD else "CREATE_PUBLIC_THREADS"
    access.require_channel(svc.state, channel, actor_id, needed)
    if message is not None and message.thread_id is not None:
        raise ApiError(400, 160004, "A thread has already been created for this message")
    thread = Channel(
        id=message.id if message is not None else svc.ids.next(),
        guild_id=channel.guild_id,
        name=name,
        type=kind,
        parent_id=channel.id,
        owner_id=actor_id,
        auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        created_at=now_iso(),
    )
    svc.state.guild(channel.guild_id).channels[thread.id] = thread
    if message is not None:
        message.thread_id = thread.id
    events.emit_channel(svc, "THREAD_CREATE", thread)
    return thread


def _thread_spec(
    channel: Channel, body: dict[str, Any], message: Message | None
) -> tuple[str, int]:
    name = str(body.get("name") or "").strip()
    if not 1 <= len(name) <= 100:
        raise ApiError.invalid_form(
            "name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
        )
    if channel.is_thread:
        raise ApiError(400, 50024, "Cannot execute action on this channel type")
    kind = PUBLIC_THREAD if message is not None else int(body.get("type") or PRIVATE_THREAD)
    if kind not in (PUBLIC_THREAD, PRIVATE_THREAD, ANNOUNCEMENT_THREAD):
        raise ApiError.invalid_form(
            "type", "BASE_TYPE_CHOICES", "Value must be one of {10, 11, 12}."
        )
    return name, kind


# -- channel edits -----------------------------------------------------------------------------
EDITABLE = {"name": str, "topic": str, "nsfw": bool, "position": int}
THREAD_EDITABLE = {"name": str, "archived": bool, "locked": bool, "auto_archive_duration": int}


def edit_channel(
    svc: DiscordService, channel: Channel, actor_id: int, body: dict[str, Any], reason: str | None
) -> Channel:
    state = svc.state
    fields = THREAD_EDITABLE if channel.is_thread else EDITABLE
    if channel.is_thread and actor_id == channel.owner_id:
        access.require_channel(state, channel, actor_id)
    else:
        access.require_channel(
            state, channel, actor_id, "MANAGE_THREADS" if channel.is_thread else "MANAGE_CHANNELS"
        )
    changes = []
    for key, kind in fields.items():
        if key in body and body[key] is not None:
            old = getattr(channel, key)
            setattr(channel, key, kind(body[key]))
            changes.append({"key": key, "old_value": old, "new_value": getattr(channel, key)})
    guild = state.guild(channel.guild_id)
    if not channel.is_thread:
        audit.record(
            svc,
            guild,
            audit.CHANNEL_UPDATE,
            actor_id=actor_id,
            target_id=channel.id,
            reason=reason,
            changes=changes,
        )
    events.emit_channel(svc, "THREAD_UPDATE" if channel.is_thread else "CHANNEL_UPDATE", channel)
    return channel
