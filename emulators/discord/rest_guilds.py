"""REST: guilds, members, bans, roles, permission overwrites and audit logs."""

from __future__ import annotations

from typing import Any

from emulators.discord import access, audit, gateway, ops_moderation, payloads
from emulators.discord.errors import ApiError
from emulators.discord.routing import Ctx, Router
from emulators.discord.state import Guild, Role

router = Router()
_MEMBER = r"/guilds/{guild_id}/members/{user_id:\d+}"
_BAN = r"/guilds/{guild_id}/bans/{user_id:\d+}"


def _guild(ctx: Ctx) -> Guild:
    guild = ctx.state.guild(ctx.snowflake("guild_id"))
    if ctx.bot_id not in guild.members:
        raise ApiError.unknown("guild")
    return guild


@router.route("GET", "/guilds/{guild_id}")
async def get_guild(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    data = payloads.guild_json(ctx.state, guild)
    if ctx.flag("with_counts"):
        data["approximate_member_count"] = len(guild.members)
        data["approximate_presence_count"] = 0
    return data


@router.route("GET", "/guilds/{guild_id}/channels")
async def guild_channels(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    return [payloads.channel_json(c) for c in guild.channels.values() if not c.is_thread]


@router.route("GET", "/guilds/{guild_id}/threads/active")
async def active_threads(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    threads = [c for c in guild.channels.values() if c.is_thread and not c.archived]
    return {"threads": [payloads.channel_json(t) for t in threads], "members": []}


@router.route("GET", "/guilds/{guild_id}/roles")
async def roles(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    return [payloads.role_json(r, ctx.bot_id) for r in guild.roles.values()]


@router.route("POST", "/guilds/{guild_id}/roles")
async def create_role(ctx: Ctx) -> Any:
    """A new role just above @everyone (the others move up one), as Discord places it."""
    guild = _guild(ctx)
    mine = access.require_guild(ctx.state, guild, ctx.bot_id, "MANAGE_ROLES")
    body = ctx.json()
    allowed = int(body.get("permissions") or 0)
    if allowed & ~mine:
        raise ApiError.missing_permissions()
    for other in guild.roles.values():
        other.position += 1 if other.position >= 1 else 0
    role = Role(ctx.svc.ids.next(), guild.id, str(body.get("name") or "new role"), allowed, 1)
    role.color, role.hoist = int(body.get("color") or 0), bool(body.get("hoist"))
    role.mentionable = bool(body.get("mentionable"))
    guild.roles[role.id] = role
    data = {"guild_id": str(guild.id), "role": payloads.role_json(role, ctx.bot_id)}
    ctx.svc.hub.dispatch("GUILD_ROLE_CREATE", data, intent=gateway.GUILDS)
    return payloads.role_json(role, ctx.bot_id)


# -- members -----------------------------------------------------------------------------------
@router.route("GET", "/guilds/{guild_id}/members")
async def list_members(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    limit = ctx.query_int("limit", 1, lo=1, hi=1000)
    after = int(ctx.query("after") or 0)
    members = sorted(
        (m for m in guild.members.values() if m.user_id > after), key=lambda m: m.user_id
    )
    return [payloads.member_json(ctx.state, guild, m) for m in members[:limit]]


@router.route("GET", "/guilds/{guild_id}/members/search")
async def search_members(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    query = (ctx.query("query") or "").lower()
    limit = ctx.query_int("limit", 1, lo=1, hi=1000)
    found = [
        m
        for m in guild.members.values()
        if ctx.state.users[m.user_id].username.lower().startswith(query)
        or (m.nick or "").lower().startswith(query)
    ]
    return [payloads.member_json(ctx.state, guild, m) for m in found[:limit]]


@router.route("GET", _MEMBER)
async def get_member(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    member = ctx.state.member(guild, ctx.snowflake("user_id"))
    return payloads.member_json(ctx.state, guild, member)


@router.route("PATCH", _MEMBER, bucket="moderation")
async def edit_member(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    member = ops_moderation.edit_member(
        ctx.svc, guild, ctx.snowflake("user_id"), ctx.bot_id, ctx.json(), ctx.reason
    )
    return payloads.member_json(ctx.state, guild, member)


@router.route("DELETE", _MEMBER, bucket="moderation")
async def kick(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    ops_moderation.kick(ctx.svc, guild, ctx.snowflake("user_id"), ctx.bot_id, ctx.reason)
    return None


# -- bans --------------------------------------------------------------------------------------
def _ban_json(ctx: Ctx, user_id: int, reason: str | None) -> dict[str, Any]:
    return {"reason": reason, "user": payloads.user_json(ctx.state.users[user_id])}


@router.route("GET", "/guilds/{guild_id}/bans")
async def list_bans(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    access.require_guild(ctx.state, guild, ctx.bot_id, "BAN_MEMBERS")
    limit = ctx.query_int("limit", 1000, lo=1, hi=1000)
    bans = sorted(guild.bans.values(), key=lambda b: b.user_id)
    return [_ban_json(ctx, b.user_id, b.reason) for b in bans[:limit]]


@router.route("GET", _BAN)
async def get_ban(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    access.require_guild(ctx.state, guild, ctx.bot_id, "BAN_MEMBERS")
    ban = guild.bans.get(ctx.snowflake("user_id"))
    if ban is None:
        raise ApiError.unknown("ban")
    return _ban_json(ctx, ban.user_id, ban.reason)


@router.route("PUT", _BAN, bucket="moderation")
async def create_ban(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    body = ctx.json()
    seconds = int(
        body.get("delete_message_seconds") or int(body.get("delete_message_days") or 0) * 86400
    )
    ops_moderation.ban(
        ctx.svc,
        guild,
        ctx.snowflake("user_id"),
        ctx.bot_id,
        reason=ctx.reason,
        delete_message_seconds=seconds,
    )
    return None


@router.route("DELETE", _BAN, bucket="moderation")
async def remove_ban(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    ops_moderation.unban(ctx.svc, guild, ctx.snowflake("user_id"), ctx.bot_id, ctx.reason)
    return None


# -- permission overwrites ---------------------------------------------------------------------
@router.route("PUT", r"/channels/{channel_id}/permissions/{overwrite_id:\d+}")
async def put_overwrite(ctx: Ctx) -> Any:
    channel = ctx.state.channel(ctx.snowflake("channel_id"))
    ops_moderation.set_overwrite(
        ctx.svc, channel, ctx.snowflake("overwrite_id"), ctx.bot_id, ctx.json(), ctx.reason
    )
    return None


@router.route("DELETE", r"/channels/{channel_id}/permissions/{overwrite_id:\d+}")
async def delete_overwrite(ctx: Ctx) -> Any:
    channel = ctx.state.channel(ctx.snowflake("channel_id"))
    ops_moderation.delete_overwrite(
        ctx.svc, channel, ctx.snowflake("overwrite_id"), ctx.bot_id, ctx.reason
    )
    return None


# -- audit log ---------------------------------------------------------------------------------
@router.route("GET", "/guilds/{guild_id}/audit-logs")
async def audit_log(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    access.require_guild(ctx.state, guild, ctx.bot_id, "VIEW_AUDIT_LOG")
    entries = list(reversed(guild.audit))
    user_id, action = ctx.query("user_id"), ctx.query("action_type")
    before, after = int(ctx.query("before") or 0), int(ctx.query("after") or 0)
    entries = [
        e
        for e in entries
        if (user_id is None or e.user_id == int(user_id))
        and (action is None or e.action_type == int(action))
        and (not before or e.id < before)
        and e.id > after
    ]
    entries = entries[: ctx.query_int("limit", 50, lo=1, hi=100)]
    user_ids = {e.user_id for e in entries} | {
        e.target_id for e in entries if e.target_id in ctx.state.users
    }
    return {
        "audit_log_entries": [audit.entry_json(e) for e in entries],
        "users": [payloads.user_json(ctx.state.users[u]) for u in user_ids if u in ctx.state.users],
        "webhooks": [],
        "integrations": [],
        "threads": [],
        "application_commands": [],
        "auto_moderation_rules": [],
        "guild_scheduled_events": [],
    }
