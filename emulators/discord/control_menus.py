"""Discord control API: use a message context-menu command (an application command of type 3,
"Apps → <name>" on a message) as a person would."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulators.discord import access, interactions, payloads
from emulators.discord.commands import CommandPathError, scoped
from emulators.discord.control import ControlHandler, _answer, user_id
from emulators.discord.state import Command, DiscordState

if TYPE_CHECKING:
    from emulators.discord.service import DiscordService

MESSAGE_COMMAND = 3


def find_message_command(state: DiscordState, guild_id: int, name: str) -> Command:
    for scope in (guild_id, None):
        for command in scoped(state, scope):
            if command.name == name and int(command.data["type"]) == MESSAGE_COMMAND:
                return command
    raise CommandPathError(f"no registered message command {name!r}")


async def run_message_command(svc: DiscordService, body: dict[str, Any], _: web.Request) -> Any:
    """``{"message_id", "user_id", "name"}``: INTERACTION_CREATE with ``target_id`` and the
    message under ``resolved.messages``; answers with the bot's response (a modal too)."""
    state = svc.state
    message = state.message(None, int(body["message_id"]))
    where = state.channel(message.channel_id)
    actor = user_id(state, body["user_id"])
    access.require_channel(state, where, actor, "USE_APPLICATION_COMMANDS")
    command = find_message_command(state, where.guild_id, str(body["name"]))
    resolved = payloads.message_json(state, message, base_url=svc.base_url)
    data: dict[str, Any] = {
        "id": str(command.id),
        "name": command.name,
        "type": MESSAGE_COMMAND,
        "target_id": str(message.id),
        "resolved": {"messages": {str(message.id): resolved}},
    }
    if command.guild_id is not None:
        data["guild_id"] = str(command.guild_id)
    interaction = interactions.create(
        svc, kind=interactions.APPLICATION_COMMAND, channel=where, user_id=actor, data=data
    )
    return await _answer(svc, interaction, body)


ROUTES: list[tuple[str, str, ControlHandler]] = [
    ("POST", "/commands/message", run_message_command),
]
