"""REST: message polls (``/channels/{channel_id}/polls/...``): an answer's voters, and the
author ending a poll early."""

from __future__ import annotations

from typing import Any

from emulators.discord import access, payloads, polls
from emulators.discord.routing import Ctx, Router
from emulators.discord.state import Message

router = Router()


def _message(ctx: Ctx) -> Message:
    channel = ctx.state.channel(ctx.snowflake("channel_id"))
    access.require_channel(ctx.state, channel, ctx.bot_id, "READ_MESSAGE_HISTORY")
    return ctx.state.message(channel.id, ctx.snowflake("message_id"))


@router.route("GET", r"/channels/{channel_id}/polls/{message_id}/answers/{answer_id:\d+}")
async def answer_voters(ctx: Ctx) -> Any:
    message = _message(ctx)
    after = ctx.query_int("after", 0)
    limit = ctx.query_int("limit", 25, lo=1, hi=100)
    found = polls.voters(ctx.svc, message, int(ctx.param("answer_id")), after=after, limit=limit)
    users = [payloads.user_json(ctx.state.users[u]) for u in found if u in ctx.state.users]
    return {"users": users}


@router.route("POST", "/channels/{channel_id}/polls/{message_id}/expire", bucket="messages.edit")
async def expire_poll(ctx: Ctx) -> Any:
    message = _message(ctx)
    polls.expire(ctx.svc, message, ctx.bot_id)
    return payloads.message_json(ctx.state, message, base_url=ctx.svc.base_url)
