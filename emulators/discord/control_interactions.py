"""Discord control API: interactions as a person starts them (a slash command, a message
context-menu command, a button or select, a modal submitted) and what the bot answered."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulators.discord import access, commands, interactions, payloads
from emulators.discord.commands import CommandPathError, scoped
from emulators.discord.control_lookup import ControlHandler, answer, channel, user_id
from emulators.discord.errors import ApiError
from emulators.discord.state import Command, DiscordState, Message

if TYPE_CHECKING:
    from emulators.discord.service import DiscordService

MESSAGE_COMMAND = 3


async def run_command(svc: DiscordService, body: dict[str, Any], _: web.Request) -> Any:
    state = svc.state
    where = channel(state, body["channel_id"])
    actor = user_id(state, body["user_id"])
    access.require_channel(state, where, actor, "USE_APPLICATION_COMMANDS")
    data = commands.build_data(
        state, state.guild(where.guild_id), where, str(body["name"]), body.get("options")
    )
    interaction = interactions.create(
        svc, kind=interactions.APPLICATION_COMMAND, channel=where, user_id=actor, data=data
    )
    return await answer(svc, interaction, body)


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
    return await answer(svc, interaction, body)


def _component_type(message: Message, custom_id: str) -> int:
    stack = list(message.components)
    while stack:
        item = stack.pop()
        if item.get("custom_id") == custom_id:
            return int(item["type"])
        stack.extend(item.get("components") or [])
        if isinstance(item.get("component"), dict):
            stack.append(item["component"])
    raise ApiError(404, 0, f"no component with custom_id {custom_id!r} on that message")


async def click(svc: DiscordService, body: dict[str, Any], _: web.Request) -> Any:
    state = svc.state
    actor = user_id(state, body["user_id"])
    message = state.message(None, int(body["message_id"])) if body.get("message_id") else None
    where = state.channel(message.channel_id) if message else channel(state, body["channel_id"])
    custom_id = str(body["custom_id"])
    if "fields" in body:
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": k, "value": str(v)}]}
            for k, v in dict(body["fields"]).items()
        ]
        data: dict[str, Any] = {"custom_id": custom_id, "components": rows}
        kind = interactions.MODAL_SUBMIT
    else:
        if message is None:
            raise ApiError(400, 0, "a component interaction needs message_id")
        data = {"custom_id": custom_id, "component_type": _component_type(message, custom_id)}
        if body.get("values") is not None:
            data["values"] = [str(v) for v in body["values"]]
        kind = interactions.MESSAGE_COMPONENT
    interaction = interactions.create(
        svc, kind=kind, channel=where, user_id=actor, data=data, message=message
    )
    return await answer(svc, interaction, body)


async def get_interaction(svc: DiscordService, body: dict[str, Any], request: web.Request) -> Any:
    found = svc.state.interactions.get(int(request.match_info["interaction_id"]))
    if found is None:
        raise ApiError.unknown("interaction")
    return interactions.result(svc, found)


ROUTES: list[tuple[str, str, ControlHandler]] = [
    ("POST", "/commands", run_command),
    ("POST", "/commands/message", run_message_command),
    ("POST", "/components", click),
    ("GET", r"/interactions/{interaction_id:\d+}", get_interaction),
]
