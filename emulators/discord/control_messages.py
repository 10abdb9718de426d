"""Discord control API: messages as people post, edit, delete and react to them, threads, and
a channel as a person sees it."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulators.discord import access, ops_channel, ops_messages, payloads, view
from emulators.discord.control_lookup import ControlHandler, channel, user_id
from emulators.discord.ops_messages import Author, Draft, poll_from
from emulators.discord.state import Attachment

if TYPE_CHECKING:
    from emulators.discord.service import DiscordService


def _row(svc: DiscordService, message: Any) -> dict[str, Any]:
    row = view.row(svc.state, message, svc.base_url)
    row.update({"channel_id": str(message.channel_id), "guild_id": str(message.guild_id)})
    return row


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
        poll=poll_from(body.get("poll")),
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


ROUTES: list[tuple[str, str, ControlHandler]] = [
    ("POST", "/messages", post_message),
    ("POST", r"/messages/{message_id:\d+}/edit", edit_message),
    ("POST", r"/messages/{message_id:\d+}/delete", delete_message),
    ("POST", r"/messages/{message_id:\d+}/reactions", react),
    ("POST", "/threads", create_thread),
    ("GET", "/channels/{channel_id}/messages", channel_messages),
]
