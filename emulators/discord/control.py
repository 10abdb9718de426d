"""The Discord part of the control API (``/_emu/discord/...``): act as people, read what they
see, and disturb the gateway. All JSON; ids are strings."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulators.core import json_response
from emulators.discord import (
    access,
    commands,
    interactions,
    ops_channel,
    ops_messages,
    ops_moderation,
    payloads,
    view,
)
from emulators.discord.errors import ApiError
from emulators.discord.ops_messages import Author, Draft
from emulators.discord.state import Attachment, Channel, DiscordState, Guild

if TYPE_CHECKING:
    from emulators.discord.service import DiscordService

PREFIX = "/_emu/discord"
ControlHandler = Callable[["DiscordService", dict[str, Any], web.Request], Awaitable[Any]]


def install(app: web.Application, svc: DiscordService) -> None:
    from emulators.discord import control_menus, control_more

    for method, path, handler in ROUTES + control_more.ROUTES + control_menus.ROUTES:
        app.router.add_route(method, PREFIX + path, _wrap(svc, handler))


def _wrap(
    svc: DiscordService, handler: ControlHandler
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        body: dict[str, Any] = {}
        if request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                return json_response({"error": "body must be JSON"}, status=400)
        try:
            result = await handler(svc, body if isinstance(body, dict) else {}, request)
        except ApiError as err:
            return json_response({"error": err.message, **err.body()}, status=err.status)
        except commands.CommandPathError as err:
            return json_response({"error": str(err)}, status=400)
        except (KeyError, ValueError, TypeError) as err:
            return json_response({"error": f"bad request: {err!r}"}, status=400)
        if isinstance(result, web.Response):
            return result
        return json_response(result)

    return handle


# -- lookups accepting ids or names ------------------------------------------------------------
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


def _row(svc: DiscordService, message: Any) -> dict[str, Any]:
    row = view.row(svc.state, message, svc.base_url)
    row.update({"channel_id": str(message.channel_id), "guild_id": str(message.guild_id)})
    return row


# -- messages ----------------------------------------------------------------------------------
def _attachments(svc: DiscordService, raw: list[dict[str, Any]] | None) -> list[Attachment]:
    out = []
    for item in raw or []:
        data = (
            base64.b64decode(item["data_base64"])
            if "data_base64" in item
            else str(item.get("content", "")).encode()
        )
        out.append(
            Attachment(
                svc.ids.next(),
                item["filename"],
                item.get("content_type", "application/octet-stream"),
                data,
            )
        )
    return out


async def post_message(svc: DiscordService, body: dict[str, Any], _: web.Request) -> Any:
    state = svc.state
    target = channel(state, body["channel_id"])
    reference = None
    if body.get("reply_to"):
        reference = {"message_id": str(body["reply_to"]), "channel_id": str(target.id)}
    draft = Draft(
        content=str(body.get("content") or ""),
        embeds=list(body.get("embeds") or []),
        attachments=_attachments(svc, body.get("attachments")),
        allowed_mentions=body.get("allowed_mentions"),
        reference=reference,
        nonce=body.get("nonce"),
    )
    message = ops_messages.create_message(
        svc, target, Author(user_id(state, body["user_id"])), draft
    )
    return _row(svc, message)


async def edit_message(svc: DiscordService, body: dict[str, Any], request: web.Request) -> Any:
    message = svc.state.message(None, int(request.match_info["message_id"]))
    actor = Author(user_id(svc.state, body.get("user_id", message.author_id)))
    edited = ops_messages.edit_message(
        svc, message, actor, {"content": body.get("content", "")}, []
    )
    return _row(svc, edited)


async def delete_message(svc: DiscordService, body: dict[str, Any], request: web.Request) -> Any:
    message = svc.state.message(None, int(request.match_info["message_id"]))
    actor = Author(user_id(svc.state, body.get("user_id", message.author_id)))
    ops_messages.delete_message(svc, message, actor, reason=body.get("reason"))
    return {"ok": True, "id": str(message.id)}


async def react(svc: DiscordService, body: dict[str, Any], request: web.Request) -> Any:
    message = svc.state.message(None, int(request.match_info["message_id"]))
    actor = user_id(svc.state, body["user_id"])
    if body.get("remove"):
        ops_channel.remove_reaction(svc, message, actor, str(body["emoji"]), actor_id=actor)
    else:
        ops_channel.add_reaction(svc, message, actor, str(body["emoji"]))
    return _row(svc, message)


async def create_thread(svc: DiscordService, body: dict[str, Any], _: web.Request) -> Any:
    state = svc.state
    parent = channel(state, body["channel_id"])
    message = state.message(parent.id, int(body["message_id"])) if body.get("message_id") else None
    spec = {"name": body.get("name"), "type": body.get("type", 11)}
    thread = ops_channel.create_thread(svc, parent, user_id(state, body["user_id"]), spec, message)
    return payloads.channel_json(thread)


async def channel_messages(svc: DiscordService, body: dict[str, Any], request: web.Request) -> Any:
    state = svc.state
    target = channel(state, request.match_info["channel_id"])
    viewer = request.query.get("user_id")
    if viewer is not None:
        access.require_channel(state, target, user_id(state, viewer), "READ_MESSAGE_HISTORY")
    return view.channel_view(state, target.id, base_url=svc.base_url)


# -- moderation --------------------------------------------------------------------------------
async def bans(svc: DiscordService, body: dict[str, Any], _: web.Request) -> Any:
    state = svc.state
    where = guild(state, body)
    target, actor = user_id(state, body["user_id"]), user_id(state, body["actor_id"])
    if body.get("remove"):
        ops_moderation.unban(svc, where, target, actor, body.get("reason"))
    else:
        seconds = int(body.get("delete_message_seconds") or 0)
        ops_moderation.ban(
            svc, where, target, actor, reason=body.get("reason"), delete_message_seconds=seconds
        )
    return {
        "ok": True,
        "guild_id": str(where.id),
        "user_id": str(target),
        "banned": target in where.bans,
    }


async def timeouts(svc: DiscordService, body: dict[str, Any], _: web.Request) -> Any:
    state = svc.state
    where = guild(state, body)
    target, actor = user_id(state, body["user_id"]), user_id(state, body["actor_id"])
    member = ops_moderation.timeout(svc, where, target, actor, float(body.get("seconds") or 0))
    return payloads.member_json(state, where, member)


# -- interactions ------------------------------------------------------------------------------
async def _answer(svc: DiscordService, interaction: Any, body: dict[str, Any]) -> Any:
    """The bot's answer; ``timeout`` (seconds, default Discord's 3, at most 15) shortens tests."""
    limit = min(float(body.get("timeout") or interactions.RESPONSE_TIMEOUT), 15.0)
    answer = await interactions.wait_for_answer(svc, interaction, limit)
    if answer is None:
        return json_response(
            {"error": "interaction failed", "interaction_id": str(interaction.id)}, status=504
        )
    return answer


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
    return await _answer(svc, interaction, body)


ROUTES: list[tuple[str, str, ControlHandler]] = [
    ("POST", "/messages", post_message),
    ("POST", r"/messages/{message_id:\d+}/edit", edit_message),
    ("POST", r"/messages/{message_id:\d+}/delete", delete_message),
    ("POST", r"/messages/{message_id:\d+}/reactions", react),
    ("POST", "/threads", create_thread),
    ("GET", "/channels/{channel_id}/messages", channel_messages),
    ("POST", "/bans", bans),
    ("POST", "/timeouts", timeouts),
    ("POST", "/commands", run_command),
]
