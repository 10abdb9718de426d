"""More of the Discord control API: guilds and members, components and modals, the gateway."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulators.discord import (
    audit,
    events,
    gateway,
    interactions,
    ops_moderation,
    payloads,
    perms,
)
from emulators.discord.control import ControlHandler, _answer, channel, guild, user_id
from emulators.discord.errors import ApiError
from emulators.discord.state import Message, Overwrite
from emulators.discord.world import add_guild, resolve_guild

if TYPE_CHECKING:
    from emulators.discord.service import DiscordService


# -- guilds and members ------------------------------------------------------------------------
async def create_guild(svc: DiscordService, body: dict[str, Any], _: web.Request) -> Any:
    state = svc.state
    known = {u.username: str(u.id) for u in state.users.values()}
    world = {
        "bot_user_id": str(state.bot_user_id),
        "bot_username": state.application_name,
        "bot_permissions": svc.initial["bot_permissions"],
    }
    raw = {
        "name": body["name"],
        "channels": body.get("channels") or ["general"],
        "users": body.get("users") or [],
    }
    for user in raw["users"]:
        user.setdefault("permissions", [])
    created = add_guild(state, resolve_guild(raw, svc.ids, known, world))
    svc.hub.dispatch(
        "GUILD_CREATE", payloads.guild_create_json(state, created, new=True), intent=gateway.GUILDS
    )
    svc.publish("guild", {"action": "create", "guild_id": str(created.id)})
    return guild_summary(svc, created)


def guild_summary(svc: DiscordService, where: Any) -> dict[str, Any]:
    state = svc.state
    return {
        "id": str(where.id),
        "name": where.name,
        "owner_id": str(where.owner_id),
        "channels": [
            {
                "id": str(c.id),
                "name": c.name,
                "type": c.type,
                "parent_id": payloads.s(c.parent_id),
                "permission_overwrites": payloads.channel_json(c).get("permission_overwrites", []),
            }
            for c in where.channels.values()
        ],
        "roles": [payloads.role_json(r, state.bot_user_id) for r in where.roles.values()],
        "users": [
            {
                **payloads.member_json(state, where, m)["user"],
                "roles": [str(r) for r in m.roles],
                "communication_disabled_until": m.communication_disabled_until,
                "nick": m.nick,
            }
            for m in where.members.values()
        ],
        "bans": [{"user_id": str(b.user_id), "reason": b.reason} for b in where.bans.values()],
        "audit_log": [audit.entry_json(e) for e in reversed(where.audit)],
    }


async def get_guild(svc: DiscordService, body: dict[str, Any], request: web.Request) -> Any:
    return guild_summary(svc, svc.state.guild(int(request.match_info["guild_id"])))


async def add_member(svc: DiscordService, body: dict[str, Any], _: web.Request) -> Any:
    state = svc.state
    where = guild(state, body)
    member = ops_moderation.add_member(
        svc, where, user_id(state, body["user_id"]), [int(r) for r in body.get("roles") or []]
    )
    return payloads.member_json(state, where, member)


# -- components and modals ---------------------------------------------------------------------
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
    return await _answer(svc, interaction, body)


async def get_interaction(svc: DiscordService, body: dict[str, Any], request: web.Request) -> Any:
    found = svc.state.interactions.get(int(request.match_info["interaction_id"]))
    if found is None:
        raise ApiError.unknown("interaction")
    return interactions.result(svc, found)


# -- gateway -----------------------------------------------------------------------------------
async def drop(svc: DiscordService, body: dict[str, Any], _: web.Request) -> Any:
    resume = bool(body.get("resume", True))
    return {"dropped": svc.hub.drop(resume=resume), "resume": resume}


async def replay(svc: DiscordService, body: dict[str, Any], _: web.Request) -> Any:
    return {"replayed": svc.hub.replay(int(body.get("last") or 1))}


async def reconnect(svc: DiscordService, body: dict[str, Any], _: web.Request) -> Any:
    return {"sent": svc.hub.reconnect()}


async def sessions(svc: DiscordService, body: dict[str, Any], _: web.Request) -> Any:
    return svc.hub.status()


async def rename_channel(svc: DiscordService, body: dict[str, Any], request: web.Request) -> Any:
    target = channel(svc.state, request.match_info["channel_id"])
    target.name = str(body.get("name") or target.name)
    target.topic = body.get("topic", target.topic)
    events.emit_channel(svc, "CHANNEL_UPDATE", target)
    return payloads.channel_json(target)


async def set_overwrite(svc: DiscordService, body: dict[str, Any], request: web.Request) -> Any:
    """A server admin edits a channel's permission overwrite for a role or a member (``id``: a
    role id, or a user id or name); ``allow``/``deny`` are permission names. No body lists: the
    overwrite is removed."""
    target = channel(svc.state, request.match_info["channel_id"])
    where = svc.state.guild(target.guild_id)
    raw = str(body["id"])
    is_role = raw.isdigit() and int(raw) in where.roles
    key = int(raw) if is_role else user_id(svc.state, raw)
    try:
        allow, deny = perms.bits(body.get("allow") or []), perms.bits(body.get("deny") or [])
    except ValueError as exc:
        raise ApiError(400, 0, str(exc)) from None
    if allow or deny:
        target.overwrites[key] = Overwrite(key, 0 if is_role else 1, allow, deny)
    else:
        target.overwrites.pop(key, None)
    events.emit_channel(svc, "CHANNEL_UPDATE", target)
    return payloads.channel_json(target)


ROUTES: list[tuple[str, str, ControlHandler]] = [
    ("POST", "/guilds", create_guild),
    ("GET", r"/guilds/{guild_id:\d+}", get_guild),
    ("POST", "/members", add_member),
    ("POST", "/components", click),
    ("GET", r"/interactions/{interaction_id:\d+}", get_interaction),
    ("POST", "/gateway/drop", drop),
    ("POST", "/gateway/replay", replay),
    ("POST", "/gateway/reconnect", reconnect),
    ("GET", "/gateway/sessions", sessions),
    ("POST", "/channels/{channel_id}/edit", rename_channel),
    ("POST", "/channels/{channel_id}/overwrites", set_overwrite),
]
