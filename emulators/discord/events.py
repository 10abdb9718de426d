"""Gateway payloads for message events and the matching live-viewer notifications."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from emulators.discord import gateway, payloads, view
from emulators.discord.state import Message

if TYPE_CHECKING:
    from emulators.discord.service import DiscordService


def message_event(svc: DiscordService, message: Message) -> tuple[dict[str, Any], dict[str, Any]]:
    """MESSAGE_CREATE/UPDATE data: the message + guild_id, member, mentions with members.

    Returns (full, stripped): ``stripped`` is what a session without MESSAGE_CONTENT gets.
    """
    state = svc.state
    guild = state.guild(message.guild_id)
    data = payloads.message_json(state, message, base_url=svc.base_url)
    data["guild_id"] = str(guild.id)
    member = guild.members.get(message.author_id)
    if not message.by_webhook and member is not None:
        data["member"] = payloads.member_json(state, guild, member, with_user=False)
    for mention in data["mentions"]:
        other = guild.members.get(int(mention["id"]))
        if other is not None:
            mention["member"] = payloads.member_json(state, guild, other, with_user=False)
    if message.author_id == state.bot_user_id or state.bot_user_id in message.mentions:
        return data, data
    stripped = copy.copy(data)
    stripped.update({"content": "", "embeds": [], "attachments": [], "components": []})
    return data, stripped


def emit_message(svc: DiscordService, message: Message, *, created: bool) -> None:
    data, stripped = message_event(svc, message)
    event = "MESSAGE_CREATE" if created else "MESSAGE_UPDATE"
    svc.hub.dispatch(event, data, intent=gateway.GUILD_MESSAGES, stripped=stripped)
    action = "create" if created else "update"
    svc.publish(
        "message",
        {
            "action": action,
            "channel_id": str(message.channel_id),
            "message": view.row(svc.state, message),
        },
    )


def emit_delete(svc: DiscordService, message: Message) -> None:
    data = {
        "id": str(message.id),
        "channel_id": str(message.channel_id),
        "guild_id": str(message.guild_id),
    }
    svc.hub.dispatch("MESSAGE_DELETE", data, intent=gateway.GUILD_MESSAGES)
    svc.publish(
        "message",
        {"action": "delete", "channel_id": str(message.channel_id), "id": str(message.id)},
    )


def emit_bulk_delete(svc: DiscordService, channel_id: int, guild_id: int, ids: list[int]) -> None:
    data = {"ids": [str(i) for i in ids], "channel_id": str(channel_id), "guild_id": str(guild_id)}
    svc.hub.dispatch("MESSAGE_DELETE_BULK", data, intent=gateway.GUILD_MESSAGES)
    for message_id in ids:
        svc.publish(
            "message", {"action": "delete", "channel_id": str(channel_id), "id": str(message_id)}
        )


def emit_channel(svc: DiscordService, event: str, channel: Any) -> None:
    data = payloads.channel_json(channel)
    if event == "THREAD_CREATE":
        data["newly_created"] = True
    svc.hub.dispatch(event, data, intent=gateway.GUILDS)
    svc.publish("channel", {"action": event.lower(), "channel": data})
