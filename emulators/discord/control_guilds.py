"""Discord control API: guilds as their admins shape them (new guilds, members, bans, timeouts,
channel names and permission overwrites)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulators.discord import audit, events, gateway, ops_moderation, payloads, perms
from emulators.discord.control_lookup import ControlHandler, channel, guild, user_id
from emulators.discord.errors import ApiError
from emulators.discord.state import Overwrite
from emulators.discord.world import add_guild, resolve_guild

if TYPE_CHECKING:
    from emulators.discord.service import DiscordService


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
    ("POST", "/bans", bans),
    ("POST", "/timeouts", timeouts),
    ("POST", "/channels/{channel_id}/edit", rename_channel),
    ("POST", "/channels/{channel_id}/overwrites", set_overwrite),
]
