"""Interactions: INTERACTION_CREATE, the callback, @original and follow-ups, and waiting for the
bot's answer (the 3-second rule) on behalf of the control API."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from emulators.discord import access, ops_messages, payloads, view
from emulators.discord.errors import ApiError
from emulators.discord.ids import new_token
from emulators.discord.ops_messages import EPHEMERAL, LOADING, Author, Draft
from emulators.discord.state import Channel, Interaction, Message

if TYPE_CHECKING:
    from emulators.discord.routing import Upload
    from emulators.discord.service import DiscordService

PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
PONG, MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 1, 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL, LAUNCH_ACTIVITY = 8, 9, 12
CHAT_INPUT_COMMAND_MESSAGE = 20
ALLOWED = {
    PING: {PONG},
    APPLICATION_COMMAND: {MESSAGE, DEFERRED_MESSAGE, MODAL, LAUNCH_ACTIVITY},
    MESSAGE_COMPONENT: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, MODAL},
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE},
}
RESPONSE_TIMEOUT = 3.0


# -- creating ----------------------------------------------------------------------------------
def create(
    svc: DiscordService,
    *,
    kind: int,
    channel: Channel,
    user_id: int,
    data: dict[str, Any],
    message: Message | None = None,
) -> Interaction:
    """Record an interaction by ``user_id`` and dispatch INTERACTION_CREATE to the bot."""
    state = svc.state
    token = "aW50ZXJhY3Rpb246" + new_token()
    interaction = Interaction(
        svc.ids.next(), token, kind, channel.guild_id, channel.id, user_id, {}
    )
    interaction.payload = _payload(svc, interaction, channel, data)
    if message is not None:
        interaction.payload["message"] = payloads.message_json(
            state, message, base_url=svc.base_url
        )
        interaction.original_message_id = message.id
    state.interactions[interaction.id] = interaction
    state.interactions_by_token[interaction.token] = interaction.id
    svc.hub.dispatch("INTERACTION_CREATE", interaction.payload)
    return interaction


def _payload(
    svc: DiscordService, interaction: Interaction, channel: Channel, data: dict[str, Any]
) -> dict[str, Any]:
    state = svc.state
    guild = state.guild(channel.guild_id)
    member = payloads.member_json(state, guild, state.member(guild, interaction.user_id))
    member["permissions"] = str(access.channel_perms(state, channel, interaction.user_id))
    return {
        "id": str(interaction.id),
        "application_id": str(state.application_id),
        "type": interaction.type,
        "data": data,
        "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
        "guild_id": str(guild.id),
        "channel": payloads.channel_json(channel),
        "channel_id": str(channel.id),
        "member": member,
        "token": interaction.token,
        "version": 1,
        "app_permissions": str(access.channel_perms(state, channel, state.bot_user_id)),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild.id)},
        "context": 0,
        "attachment_size_limit": ops_messages.MAX_UPLOAD,
    }


def by_token(svc: DiscordService, token: str) -> Interaction | None:
    interaction_id = svc.state.interactions_by_token.get(token)
    return svc.state.interactions.get(interaction_id or 0)


# -- the callback ------------------------------------------------------------------------------
def callback(
    svc: DiscordService, interaction: Interaction, body: dict[str, Any], files: list[Upload]
) -> dict[str, Any]:
    if interaction.response is not None:
        raise ApiError(400, 40060, "Interaction has already been acknowledged.")
    rtype = int(body.get("type") or 0)
    if rtype not in ALLOWED.get(interaction.type, set()):
        raise ApiError.invalid_form(
            "type", "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid interaction response type"
        )
    data = body.get("data") or {}
    message = _respond(svc, interaction, rtype, data, files)
    interaction.response = {"type": rtype, "data": data}
    _changed(interaction)
    resource: dict[str, Any] = {"type": rtype}
    if message is not None and rtype in (MESSAGE, UPDATE_MESSAGE):
        resource["message"] = payloads.message_json(svc.state, message, base_url=svc.base_url)
    info: dict[str, Any] = {"id": str(interaction.id), "type": interaction.type}
    if message is not None:
        info["response_message_id"] = str(message.id)
        info["response_message_loading"] = bool(message.flags & LOADING)
        info["response_message_ephemeral"] = bool(message.flags & EPHEMERAL)
    return {"interaction": info, "resource": resource}


def _respond(
    svc: DiscordService,
    interaction: Interaction,
    rtype: int,
    data: dict[str, Any],
    files: list[Upload],
) -> Message | None:
    channel = svc.state.channel(interaction.channel_id)
    author = Author(svc.state.bot_user_id, kind="interaction", interaction_id=interaction.id)
    if rtype == MESSAGE:
        draft = ops_messages.draft_from_body(svc, data, files)
        return _original(svc, interaction, channel, author, draft)
    if rtype == DEFERRED_MESSAGE:
        draft = Draft(flags=LOADING | (int(data.get("flags") or 0) & EPHEMERAL))
        return _original(svc, interaction, channel, author, draft, validate=False)
    if rtype == UPDATE_MESSAGE:
        message = svc.state.message(None, interaction.original_message_id)
        return ops_messages.edit_message(svc, message, author, data, files)
    if rtype == DEFERRED_UPDATE:
        return svc.state.messages.get(interaction.original_message_id or 0)
    return None


def _original(
    svc: DiscordService,
    interaction: Interaction,
    channel: Channel,
    author: Author,
    draft: Draft,
    *,
    validate: bool = True,
) -> Message:
    kind = CHAT_INPUT_COMMAND_MESSAGE if interaction.type == APPLICATION_COMMAND else 0
    message = ops_messages.create_message(
        svc, channel, author, draft, msg_type=kind, validate=validate
    )
    interaction.original_message_id = message.id
    return message


# -- @original and follow-ups ------------------------------------------------------------------
def original(svc: DiscordService, interaction: Interaction) -> Message:
    if interaction.response is None or interaction.original_message_id is None:
        raise ApiError.unknown("message")
    return svc.state.message(None, interaction.original_message_id)


def edit_original(
    svc: DiscordService, interaction: Interaction, body: dict[str, Any], files: list[Upload]
) -> Message:
    message = original(svc, interaction)
    author = Author(svc.state.bot_user_id, kind="interaction", interaction_id=interaction.id)
    edited = ops_messages.edit_message(svc, message, author, body, files)
    interaction.edits += 1
    _changed(interaction)
    return edited


def followup(
    svc: DiscordService, interaction: Interaction, body: dict[str, Any], files: list[Upload]
) -> Message:
    """A follow-up; the first one after a deferral replaces the "thinking" message."""
    if interaction.response is None:
        raise ApiError.unknown("webhook")
    loading = svc.state.messages.get(interaction.original_message_id or 0)
    if loading is not None and loading.flags & LOADING:
        message = edit_original(svc, interaction, body, files)
    else:
        channel = svc.state.channel(interaction.channel_id)
        author = Author(svc.state.bot_user_id, kind="interaction", interaction_id=interaction.id)
        draft = ops_messages.draft_from_body(svc, body, files)
        draft.flags &= EPHEMERAL | ops_messages.SUPPRESS_EMBEDS
        message = ops_messages.create_message(svc, channel, author, draft)
    interaction.followups.append({"message_id": str(message.id)})
    _changed(interaction)
    return message


def _changed(interaction: Interaction) -> None:
    interaction.changed.set()


# -- waiting for the bot (control API) ---------------------------------------------------------
async def wait_for_answer(
    svc: DiscordService, interaction: Interaction, limit: float = RESPONSE_TIMEOUT
) -> dict[str, Any] | None:
    """The bot's answer within the 3 s rule; after a deferral, also wait (as long again) for
    the @original edit or a follow-up."""
    if not await _wait(interaction, lambda: interaction.response is not None, limit):
        return None
    assert interaction.response is not None
    if interaction.response["type"] in (DEFERRED_MESSAGE, DEFERRED_UPDATE):
        await _wait(interaction, lambda: bool(interaction.edits or interaction.followups), limit)
    return result(svc, interaction)


async def _wait(interaction: Interaction, done: Any, limit: float) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not done():
        remaining = deadline - loop.time()
        if remaining <= 0:
            return False
        interaction.changed.clear()
        try:
            await asyncio.wait_for(interaction.changed.wait(), remaining)
        except TimeoutError:
            return bool(done())
    return True


def result(svc: DiscordService, interaction: Interaction) -> dict[str, Any]:
    state = svc.state
    response = interaction.response or {}
    out: dict[str, Any] = {
        "interaction_id": str(interaction.id),
        "type": response.get("type"),
        "data": response.get("data"),
        "message": None,
        "followups": [],
    }
    message = state.messages.get(interaction.original_message_id or 0)
    if message is not None and response.get("type") != MODAL:
        row = view.row(state, message, svc.base_url)
        out["message"] = row
        out["data"] = {k: row[k] for k in ("content", "embeds", "components", "flags")}
        out["ephemeral"] = bool(message.flags & EPHEMERAL)
    for entry in interaction.followups:
        follow = state.messages.get(int(entry["message_id"]))
        if follow is not None and follow.id != interaction.original_message_id:
            out["followups"].append(view.row(state, follow, svc.base_url))
    return out
