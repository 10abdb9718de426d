"""Discord control API: a person votes in a message poll, or takes the vote back
(``POST /_emu/discord/polls/vote`` with ``channel_id``, ``message_id``, ``user_id``,
``answer_id`` and ``remove``); the bot's sessions with GUILD_MESSAGE_POLLS hear it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulators.discord import access, polls
from emulators.discord.control_lookup import ControlHandler, channel, user_id
from emulators.discord.poll_state import poll_json

if TYPE_CHECKING:
    from emulators.discord.service import DiscordService


async def vote(svc: DiscordService, body: dict[str, Any], _: web.Request) -> Any:
    state = svc.state
    target = channel(state, body["channel_id"])
    voter = user_id(state, body["user_id"])
    access.require_channel(state, target, voter, "VIEW_CHANNEL")
    message = state.message(target.id, int(body["message_id"]))
    changed = polls.vote(
        svc, message, voter, int(body["answer_id"]), remove=bool(body.get("remove"))
    )
    return {"changed": changed, "poll": poll_json(polls.poll_of(message), voter)}


ROUTES: list[tuple[str, str, ControlHandler]] = [("POST", "/polls/vote", vote)]
