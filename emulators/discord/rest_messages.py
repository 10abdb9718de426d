"""REST: channels, messages, reactions, pins and threads (``/channels/...``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from emulators.discord import access, ops_channel, ops_messages, payloads
from emulators.discord.errors import ApiError
from emulators.discord.ops_messages import Author
from emulators.discord.routing import Ctx, Router
from emulators.discord.state import Channel, Message

router = Router()


def _channel(ctx: Ctx, *needed: str) -> Channel:
    channel = ctx.state.channel(ctx.snowflake("channel_id"))
    access.require_channel(ctx.state, channel, ctx.bot_id, *needed)
    return channel


def _message(ctx: Ctx, *needed: str) -> tuple[Channel, Message]:
    channel = _channel(ctx, "READ_MESSAGE_HISTORY", *needed)
    return channel, ctx.state.message(channel.id, ctx.snowflake("message_id"))


def _json(ctx: Ctx, message: Message) -> dict[str, Any]:
    return payloads.message_json(ctx.state, message, base_url=ctx.svc.base_url)


# -- channels ----------------------------------------------------------------------------------
@router.route("GET", "/channels/{channel_id}")
async def get_channel(ctx: Ctx) -> Any:
    return payloads.channel_json(_channel(ctx))


@router.route("PATCH", "/channels/{channel_id}")
async def edit_channel(ctx: Ctx) -> Any:
    channel = ctx.state.channel(ctx.snowflake("channel_id"))
    return payloads.channel_json(
        ops_channel.edit_channel(ctx.svc, channel, ctx.bot_id, ctx.json(), ctx.reason)
    )


@router.route("POST", "/channels/{channel_id}/typing")
async def typing(ctx: Ctx) -> Any:
    _channel(ctx, "SEND_MESSAGES")
    return None


# -- messages ----------------------------------------------------------------------------------
@router.route("GET", "/channels/{channel_id}/messages")
async def list_messages(ctx: Ctx) -> Any:
    channel = _channel(ctx, "READ_MESSAGE_HISTORY")
    limit = ctx.query_int("limit", 50, lo=1, hi=100)
    history = ctx.state.channel_history(channel.id)
    before, after = ctx.query("before"), ctx.query("after")
    around = ctx.query("around")
    if around is not None:
        pivot = int(around)
        older = [m for m in history if m.id <= pivot][-((limit + 1) // 2) :]
        newer = [m for m in history if m.id > pivot][: limit // 2]
        picked = older + newer
    elif after is not None:
        picked = [m for m in history if m.id > int(after)][:limit]
    else:
        picked = [m for m in history if before is None or m.id < int(before)][-limit:]
    return [_json(ctx, m) for m in reversed(picked)]


@router.route("POST", "/channels/{channel_id}/messages", bucket="messages.create")
async def create_message(ctx: Ctx) -> Any:
    channel = ctx.state.channel(ctx.snowflake("channel_id"))
    draft = ops_messages.draft_from_body(ctx.svc, ctx.json(), ctx.files)
    message = ops_messages.create_message(ctx.svc, channel, Author(ctx.bot_id), draft)
    return _json(ctx, message)


@router.route("GET", r"/channels/{channel_id}/messages/{message_id:\d+}")
async def get_message(ctx: Ctx) -> Any:
    return _json(ctx, _message(ctx)[1])


@router.route("PATCH", r"/channels/{channel_id}/messages/{message_id:\d+}", bucket="messages.edit")
async def edit_message(ctx: Ctx) -> Any:
    _, message = _message(ctx)
    edited = ops_messages.edit_message(ctx.svc, message, Author(ctx.bot_id), ctx.json(), ctx.files)
    return _json(ctx, edited)


@router.route(
    "DELETE", r"/channels/{channel_id}/messages/{message_id:\d+}", bucket="messages.delete"
)
async def delete_message(ctx: Ctx) -> Any:
    _, message = _message(ctx)
    ops_messages.delete_message(ctx.svc, message, Author(ctx.bot_id), reason=ctx.reason)
    return None


@router.route("POST", "/channels/{channel_id}/messages/bulk-delete", bucket="messages.bulk")
async def bulk_delete(ctx: Ctx) -> Any:
    channel = ctx.state.channel(ctx.snowflake("channel_id"))
    ids = [int(i) for i in ctx.json().get("messages") or []]
    ops_messages.bulk_delete(ctx.svc, channel, ids, ctx.bot_id, ctx.reason)
    return None


# -- reactions ---------------------------------------------------------------------------------
_REACTION = r"/channels/{channel_id}/messages/{message_id:\d+}/reactions/{emoji}"


@router.route("PUT", _REACTION + "/@me", bucket="reactions")
async def add_reaction(ctx: Ctx) -> Any:
    _, message = _message(ctx)
    ops_channel.add_reaction(ctx.svc, message, ctx.bot_id, ctx.param("emoji"))
    return None


@router.route("DELETE", _REACTION + "/@me", bucket="reactions")
async def remove_own_reaction(ctx: Ctx) -> Any:
    _, message = _message(ctx)
    ops_channel.remove_reaction(
        ctx.svc, message, ctx.bot_id, ctx.param("emoji"), actor_id=ctx.bot_id
    )
    return None


@router.route("DELETE", _REACTION + r"/{user_id:\d+}", bucket="reactions")
async def remove_user_reaction(ctx: Ctx) -> Any:
    _, message = _message(ctx)
    user_id = ctx.snowflake("user_id")
    ops_channel.remove_reaction(ctx.svc, message, user_id, ctx.param("emoji"), actor_id=ctx.bot_id)
    return None


@router.route("GET", _REACTION)
async def list_reactions(ctx: Ctx) -> Any:
    _, message = _message(ctx)
    users = ops_channel.reaction_users(ctx.svc, message, unquote(ctx.request.match_info["emoji"]))
    after = int(ctx.query("after") or 0)
    limit = ctx.query_int("limit", 25, lo=1, hi=100)
    picked = sorted(u for u in users if u > after)[:limit]
    return [payloads.user_json(ctx.state.users[u]) for u in picked]


# -- pins --------------------------------------------------------------------------------------
async def _pin(ctx: Ctx, pinned: bool) -> Any:
    _, message = _message(ctx)
    ops_channel.set_pinned(ctx.svc, message, ctx.bot_id, pinned, ctx.reason)
    return None


@router.route("PUT", r"/channels/{channel_id}/pins/{message_id:\d+}")
async def pin_old(ctx: Ctx) -> Any:
    return await _pin(ctx, True)


@router.route("DELETE", r"/channels/{channel_id}/pins/{message_id:\d+}")
async def unpin_old(ctx: Ctx) -> Any:
    return await _pin(ctx, False)


@router.route("PUT", r"/channels/{channel_id}/messages/pins/{message_id:\d+}")
async def pin(ctx: Ctx) -> Any:
    return await _pin(ctx, True)


@router.route("DELETE", r"/channels/{channel_id}/messages/pins/{message_id:\d+}")
async def unpin(ctx: Ctx) -> Any:
    return await _pin(ctx, False)


def _pinned(ctx: Ctx) -> list[Message]:
    channel = _channel(ctx, "READ_MESSAGE_HISTORY")
    pinned = [m for m in ctx.state.channel_history(channel.id) if m.pinned]
    return sorted(pinned, key=lambda m: m.pinned_at or "", reverse=True)


@router.route("GET", "/channels/{channel_id}/pins")
async def list_pins_old(ctx: Ctx) -> Any:
    return [_json(ctx, m) for m in _pinned(ctx)]


@router.route("GET", "/channels/{channel_id}/messages/pins")
async def list_pins(ctx: Ctx) -> Any:
    limit = ctx.query_int("limit", 50, lo=1, hi=50)
    pins = _pinned(ctx)
    before = ctx.query("before")
    if before:
        pins = [m for m in pins if (m.pinned_at or "") < before]
    items = [{"pinned_at": m.pinned_at, "message": _json(ctx, m)} for m in pins[:limit]]
    return {"items": items, "has_more": len(pins) > limit}


# -- threads -----------------------------------------------------------------------------------
@router.route("POST", r"/channels/{channel_id}/messages/{message_id:\d+}/threads")
async def thread_from_message(ctx: Ctx) -> Any:
    channel, message = _message(ctx)
    if message.flags & ops_messages.EPHEMERAL:
        raise ApiError.unknown("message")
    thread = ops_channel.create_thread(ctx.svc, channel, ctx.bot_id, ctx.json(), message)
    return (201, payloads.channel_json(thread))


@router.route("POST", "/channels/{channel_id}/threads")
async def thread_without_message(ctx: Ctx) -> Any:
    channel = ctx.state.channel(ctx.snowflake("channel_id"))
    thread = ops_channel.create_thread(ctx.svc, channel, ctx.bot_id, ctx.json())
    return (201, payloads.channel_json(thread))
