"""REST: webhooks (create, list, execute, message edits) and interaction responses, which share
the ``/webhooks/{application_id}/{interaction_token}`` routes."""

from __future__ import annotations

from typing import Any

from emulators.discord import access, gateway, interactions, ops_messages, payloads
from emulators.discord.errors import ApiError
from emulators.discord.ids import new_token
from emulators.discord.ops_messages import Author
from emulators.discord.routing import Ctx, Router
from emulators.discord.state import Channel, Interaction, Message, Webhook

router = Router()
_HOOK = r"/webhooks/{webhook_id:\d+}/{webhook_token}"
_HOOK_MESSAGE = _HOOK + r"/messages/{message_id:(?:\d+|@original)}"
MAX_WEBHOOKS_PER_CHANNEL = 15


def validate_name(name: Any, field: str = "name") -> str:
    text = str(name or "")
    if not 1 <= len(text) <= 80:
        raise ApiError.invalid_form(
            field, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 80 in length."
        )
    for banned in ("discord", "clyde"):
        if banned in text.lower():
            raise ApiError.invalid_form(
                field, "USERNAME_INVALID_CONTAINS", f'Username cannot contain "{banned}"'
            )
    return text


def _hook_json(ctx: Ctx, hook: Webhook, *, with_token: bool = True) -> dict[str, Any]:
    return payloads.webhook_json(ctx.state, hook, with_token=with_token)


def _webhooks_update(ctx: Ctx, hook: Webhook) -> None:
    data = {"guild_id": str(hook.guild_id), "channel_id": str(hook.channel_id)}
    ctx.svc.hub.dispatch("WEBHOOKS_UPDATE", data, intent=gateway.GUILD_WEBHOOKS)


# -- managing webhooks (bot token) -------------------------------------------------------------
@router.route("POST", "/channels/{channel_id}/webhooks")
async def create_webhook(ctx: Ctx) -> Any:
    channel = ctx.state.channel(ctx.snowflake("channel_id"))
    access.require_channel(ctx.state, channel, ctx.bot_id, "MANAGE_WEBHOOKS")
    if channel.is_thread:
        raise ApiError(400, 50024, "Cannot execute action on this channel type")
    name = validate_name(ctx.json().get("name"))
    if (
        sum(h.channel_id == channel.id for h in ctx.state.webhooks.values())
        >= MAX_WEBHOOKS_PER_CHANNEL
    ):
        raise ApiError(400, 30007, "Maximum number of webhooks reached (15)")
    hook = Webhook(ctx.svc.ids.next(), new_token(), channel.id, channel.guild_id, name, ctx.bot_id)
    ctx.state.webhooks[hook.id] = hook
    _webhooks_update(ctx, hook)
    return _hook_json(ctx, hook)


@router.route("GET", "/channels/{channel_id}/webhooks")
async def channel_webhooks(ctx: Ctx) -> Any:
    channel = ctx.state.channel(ctx.snowflake("channel_id"))
    access.require_channel(ctx.state, channel, ctx.bot_id, "MANAGE_WEBHOOKS")
    return [_hook_json(ctx, h) for h in ctx.state.webhooks.values() if h.channel_id == channel.id]


@router.route("GET", "/guilds/{guild_id}/webhooks")
async def guild_webhooks(ctx: Ctx) -> Any:
    guild = ctx.state.guild(ctx.snowflake("guild_id"))
    access.require_guild(ctx.state, guild, ctx.bot_id, "MANAGE_WEBHOOKS")
    return [_hook_json(ctx, h) for h in ctx.state.webhooks.values() if h.guild_id == guild.id]


def _managed(ctx: Ctx, token: str | None = None) -> Webhook:
    hook = ctx.state.webhook(ctx.snowflake("webhook_id"), token)
    if token is None:
        channel = ctx.state.channel(hook.channel_id)
        access.require_channel(ctx.state, channel, ctx.bot_id, "MANAGE_WEBHOOKS")
    return hook


def _edit(ctx: Ctx, hook: Webhook) -> Any:
    body = ctx.json()
    if "name" in body:
        hook.name = validate_name(body["name"])
    if "avatar" in body:
        hook.avatar = body["avatar"]
    if "channel_id" in body and ctx.request.match_info.get("webhook_token") is None:
        target: Channel = ctx.state.channel(int(body["channel_id"]))
        if target.guild_id != hook.guild_id:
            raise ApiError.unknown("channel")
        hook.channel_id = target.id
    _webhooks_update(ctx, hook)
    return _hook_json(ctx, hook)


@router.route("GET", r"/webhooks/{webhook_id:\d+}")
async def get_webhook(ctx: Ctx) -> Any:
    return _hook_json(ctx, _managed(ctx))


@router.route("PATCH", r"/webhooks/{webhook_id:\d+}")
async def edit_webhook(ctx: Ctx) -> Any:
    return _edit(ctx, _managed(ctx))


@router.route("DELETE", r"/webhooks/{webhook_id:\d+}")
async def delete_webhook(ctx: Ctx) -> Any:
    hook = _managed(ctx)
    del ctx.state.webhooks[hook.id]
    _webhooks_update(ctx, hook)
    return None


@router.route("GET", _HOOK, auth="none")
async def get_webhook_token(ctx: Ctx) -> Any:
    return _hook_json(ctx, _managed(ctx, ctx.param("webhook_token")), with_token=True)


@router.route("PATCH", _HOOK, auth="none")
async def edit_webhook_token(ctx: Ctx) -> Any:
    return _edit(ctx, _managed(ctx, ctx.param("webhook_token")))


@router.route("DELETE", _HOOK, auth="none")
async def delete_webhook_token(ctx: Ctx) -> Any:
    hook = _managed(ctx, ctx.param("webhook_token"))
    del ctx.state.webhooks[hook.id]
    _webhooks_update(ctx, hook)
    return None


# -- executing and message edits (webhook token or interaction token) -------------------------
def _interaction(ctx: Ctx) -> Interaction | None:
    if ctx.snowflake("webhook_id") != ctx.state.application_id:
        return None
    found = interactions.by_token(ctx.svc, ctx.param("webhook_token"))
    if found is None:
        raise ApiError.unknown("webhook")
    return found


def _msg_json(ctx: Ctx, message: Message) -> dict[str, Any]:
    return payloads.message_json(ctx.state, message, base_url=ctx.svc.base_url)


@router.route("POST", _HOOK, auth="none", bucket="webhooks.execute")
async def execute(ctx: Ctx) -> Any:
    found = _interaction(ctx)
    if found is not None:
        return _msg_json(ctx, interactions.followup(ctx.svc, found, ctx.json(), ctx.files))
    hook = ctx.state.webhook(ctx.snowflake("webhook_id"), ctx.param("webhook_token"))
    body = ctx.json()
    author = Author(
        hook.creator_id, kind="webhook", webhook=hook, avatar_url=body.get("avatar_url")
    )
    if body.get("username"):
        author.username = validate_name(body["username"], "username")
    draft = ops_messages.draft_from_body(ctx.svc, body, ctx.files)
    message = ops_messages.create_message(ctx.svc, _target(ctx, hook), author, draft)
    return _msg_json(ctx, message) if ctx.flag("wait") else None


def _target(ctx: Ctx, hook: Webhook) -> Channel:
    thread_id = ctx.query("thread_id")
    channel = ctx.state.channel(hook.channel_id)
    if not thread_id:
        return channel
    thread = ctx.state.find_channel(int(thread_id)) if thread_id.isdigit() else None
    if thread is None or thread.parent_id != channel.id:
        raise ApiError.unknown("channel")
    return thread


def _hook_message(ctx: Ctx) -> tuple[Author, Message, Interaction | None]:
    found = _interaction(ctx)
    raw_id = ctx.request.match_info["message_id"]
    if found is not None:
        author = Author(ctx.bot_id, kind="interaction", interaction_id=found.id)
        if raw_id == "@original":
            return author, interactions.original(ctx.svc, found), found
        return author, ctx.state.message(None, int(raw_id)), found
    hook = ctx.state.webhook(ctx.snowflake("webhook_id"), ctx.param("webhook_token"))
    if raw_id == "@original":
        raise ApiError.unknown("message")
    message = ctx.state.message(None, int(raw_id))
    if message.webhook_id != hook.id:
        raise ApiError.unknown("message")
    return Author(hook.creator_id, kind="webhook", webhook=hook), message, None


@router.route("GET", _HOOK_MESSAGE, auth="none")
async def get_hook_message(ctx: Ctx) -> Any:
    return _msg_json(ctx, _hook_message(ctx)[1])


@router.route("PATCH", _HOOK_MESSAGE, auth="none", bucket="messages.edit")
async def edit_hook_message(ctx: Ctx) -> Any:
    author, message, found = _hook_message(ctx)
    if found is not None and ctx.request.match_info["message_id"] == "@original":
        return _msg_json(ctx, interactions.edit_original(ctx.svc, found, ctx.json(), ctx.files))
    if not ops_messages.is_author(ctx.svc, message, author):
        raise ApiError.unknown("message")
    return _msg_json(
        ctx, ops_messages.edit_message(ctx.svc, message, author, ctx.json(), ctx.files)
    )


@router.route("DELETE", _HOOK_MESSAGE, auth="none", bucket="messages.delete")
async def delete_hook_message(ctx: Ctx) -> Any:
    author, message, _ = _hook_message(ctx)
    ops_messages.delete_message(ctx.svc, message, author)
    return None


# -- the interaction callback ------------------------------------------------------------------
@router.route(
    "POST", r"/interactions/{interaction_id:\d+}/{interaction_token}/callback", auth="none"
)
async def interaction_callback(ctx: Ctx) -> Any:
    found = ctx.state.interactions.get(ctx.snowflake("interaction_id"))
    if found is None or found.token != ctx.param("interaction_token"):
        raise ApiError.unknown("interaction")
    response = interactions.callback(ctx.svc, found, ctx.json(), ctx.files)
    return response if ctx.flag("with_response") else None
