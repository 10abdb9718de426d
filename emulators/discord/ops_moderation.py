"""Bans, kicks, timeouts, member edits, joins and channel permission overwrites."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from emulators.discord import access, audit, events, gateway, payloads, perms
from emulators.discord.errors import ApiError
from emulators.discord.ids import iso, now_iso, parse_iso
from emulators.discord.state import Ban, Channel, Guild, Member, Overwrite

if TYPE_CHECKING:
    from emulators.discord.service import DiscordService

MAX_TIMEOUT = dt.timedelta(days=28)
MAX_DELETE_SECONDS = 604800


# -- bans and kicks ----------------------------------------------------------------------------
def ban(
    svc: DiscordService,
    guild: Guild,
    user_id: int,
    actor_id: int,
    *,
    reason: str | None = None,
    delete_message_seconds: int = 0,
) -> None:
    state = svc.state
    user = state.user(user_id)
    access.require_guild(state, guild, actor_id, "BAN_MEMBERS")
    access.require_above(state, guild, actor_id, user_id)
    if not 0 <= delete_message_seconds <= MAX_DELETE_SECONDS:
        raise ApiError.invalid_form(
            "delete_message_seconds",
            "NUMBER_TYPE_MAX",
            "int value should be less than or equal to 604800.",
        )
    guild.bans[user_id] = Ban(user_id, reason)
    audit.record(
        svc, guild, audit.MEMBER_BAN_ADD, actor_id=actor_id, target_id=user_id, reason=reason
    )
    data = {"guild_id": str(guild.id), "user": payloads.user_json(user)}
    svc.hub.dispatch("GUILD_BAN_ADD", data, intent=gateway.GUILD_MODERATION)
    svc.publish(
        "ban",
        {"action": "add", "guild_id": str(guild.id), "user_id": str(user_id), "reason": reason},
    )
    _remove_member(svc, guild, user_id)
    if delete_message_seconds:
        _purge_recent(svc, guild, user_id, delete_message_seconds)


def unban(
    svc: DiscordService, guild: Guild, user_id: int, actor_id: int, reason: str | None
) -> None:
    state = svc.state
    access.require_guild(state, guild, actor_id, "BAN_MEMBERS")
    if guild.bans.pop(user_id, None) is None:
        raise ApiError.unknown("ban")
    audit.record(
        svc, guild, audit.MEMBER_BAN_REMOVE, actor_id=actor_id, target_id=user_id, reason=reason
    )
    data = {"guild_id": str(guild.id), "user": payloads.user_json(state.user(user_id))}
    svc.hub.dispatch("GUILD_BAN_REMOVE", data, intent=gateway.GUILD_MODERATION)
    svc.publish("ban", {"action": "remove", "guild_id": str(guild.id), "user_id": str(user_id)})


def kick(
    svc: DiscordService, guild: Guild, user_id: int, actor_id: int, reason: str | None
) -> None:
    state = svc.state
    state.member(guild, user_id)
    access.require_guild(state, guild, actor_id, "KICK_MEMBERS")
    access.require_above(state, guild, actor_id, user_id)
    audit.record(svc, guild, audit.MEMBER_KICK, actor_id=actor_id, target_id=user_id, reason=reason)
    _remove_member(svc, guild, user_id)


def _remove_member(svc: DiscordService, guild: Guild, user_id: int) -> None:
    if guild.members.pop(user_id, None) is None:
        return
    user = payloads.user_json(svc.state.users[user_id])
    svc.hub.dispatch(
        "GUILD_MEMBER_REMOVE",
        {"guild_id": str(guild.id), "user": user},
        intent=gateway.GUILD_MEMBERS,
    )
    svc.publish("member", {"action": "remove", "guild_id": str(guild.id), "user_id": str(user_id)})


def _purge_recent(svc: DiscordService, guild: Guild, user_id: int, seconds: int) -> None:
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)
    for channel in guild.channels.values():
        doomed = [
            m.id
            for m in svc.state.channel_history(channel.id)
            if m.author_id == user_id and not m.by_webhook and parse_iso(m.timestamp) >= since
        ]
        for message_id in doomed:
            svc.state.remove_message(svc.state.messages[message_id])
        if doomed:
            events.emit_bulk_delete(svc, channel.id, guild.id, doomed)


# -- joins -------------------------------------------------------------------------------------
def add_member(svc: DiscordService, guild: Guild, user_id: int, role_ids: list[int]) -> Member:
    if user_id in guild.bans:
        raise ApiError(403, 40007, "The user is banned from this guild.")
    member = guild.members.get(user_id)
    if member is not None:
        return member
    member = Member(user_id, guild.id, [r for r in role_ids if r in guild.roles], now_iso())
    guild.members[user_id] = member
    data = {**payloads.member_json(svc.state, guild, member), "guild_id": str(guild.id)}
    svc.hub.dispatch("GUILD_MEMBER_ADD", data, intent=gateway.GUILD_MEMBERS)
    svc.publish("member", {"action": "add", "guild_id": str(guild.id), "user_id": str(user_id)})
    return member


# -- member edits (timeouts, nick, roles) -----------------------------------------------------
def edit_member(
    svc: DiscordService,
    guild: Guild,
    user_id: int,
    actor_id: int,
    body: dict[str, Any],
    reason: str | None,
) -> Member:
    state = svc.state
    member = state.member(guild, user_id)
    changes: list[dict[str, Any]] = []
    if "communication_disabled_until" in body:
        changes.append(
            _timeout_change(svc, guild, member, actor_id, body["communication_disabled_until"])
        )
    if "nick" in body:
        changes.append(_nick_change(svc, guild, member, actor_id, body["nick"]))
    if "roles" in body:
        access.require_guild(state, guild, actor_id, "MANAGE_ROLES")
        member.roles = _checked_roles(state, guild, actor_id, body["roles"] or [])
    if changes:
        audit.record(
            svc,
            guild,
            audit.MEMBER_UPDATE,
            actor_id=actor_id,
            target_id=user_id,
            reason=reason,
            changes=changes,
        )
    emit_member_update(svc, guild, member)
    return member


def _nick_change(
    svc: DiscordService, guild: Guild, member: Member, actor_id: int, nick: str | None
) -> dict[str, Any]:
    needed = "CHANGE_NICKNAME" if member.user_id == actor_id else "MANAGE_NICKNAMES"
    access.require_guild(svc.state, guild, actor_id, needed)
    change = {"key": "nick", "old_value": member.nick, "new_value": nick}
    member.nick = nick or None
    return change


def _timeout_change(
    svc: DiscordService, guild: Guild, member: Member, actor_id: int, until: str | None
) -> dict[str, Any]:
    state = svc.state
    access.require_guild(state, guild, actor_id, "MODERATE_MEMBERS")
    access.require_above(state, guild, actor_id, member.user_id)
    if perms.has(perms.base_permissions(guild, member.user_id), "ADMINISTRATOR"):
        raise ApiError.missing_permissions()
    if until:
        moment = parse_iso(until)
        if moment - dt.datetime.now(dt.UTC) > MAX_TIMEOUT:
            raise ApiError.invalid_form(
                "communication_disabled_until",
                "COMMUNICATION_DISABLED_UNTIL_TOO_LONG",
                "Timeout cannot be longer than 28 days.",
            )
        until = iso(moment)
    change = {
        "key": "communication_disabled_until",
        "old_value": member.communication_disabled_until,
        "new_value": until,
    }
    member.communication_disabled_until = until or None
    return change


def _checked_roles(state: Any, guild: Guild, actor_id: int, raw: list[Any]) -> list[int]:
    top = state.top_role_position(guild, actor_id)
    roles = []
    for value in raw:
        role = guild.roles.get(int(value))
        if role is None:
            raise ApiError.unknown("role")
        if role.position >= top or role.managed:
            raise ApiError.missing_permissions()
        roles.append(role.id)
    return roles


def timeout(
    svc: DiscordService, guild: Guild, user_id: int, actor_id: int, seconds: float
) -> Member:
    until = None
    if seconds > 0:
        until = iso(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds))
    return edit_member(svc, guild, user_id, actor_id, {"communication_disabled_until": until}, None)


def emit_member_update(svc: DiscordService, guild: Guild, member: Member) -> None:
    data = {**payloads.member_json(svc.state, guild, member), "guild_id": str(guild.id)}
    svc.hub.dispatch("GUILD_MEMBER_UPDATE", data, intent=gateway.GUILD_MEMBERS)
    svc.publish("member", {"action": "update", "guild_id": str(guild.id), "member": data})


# -- permission overwrites ---------------------------------------------------------------------
def set_overwrite(
    svc: DiscordService,
    channel: Channel,
    target_id: int,
    actor_id: int,
    body: dict[str, Any],
    reason: str | None,
) -> None:
    state = svc.state
    guild = state.guild(channel.guild_id)
    kind = _overwrite_kind(svc, guild, target_id, body)
    allow, deny = int(body.get("allow") or 0), int(body.get("deny") or 0)
    mine = access.require_channel(state, channel, actor_id, "MANAGE_ROLES")
    if (allow | deny) & ~mine:
        raise ApiError.missing_permissions()
    existed = target_id in channel.overwrites
    channel.overwrites[target_id] = Overwrite(target_id, kind, allow, deny)
    action = audit.OVERWRITE_UPDATE if existed else audit.OVERWRITE_CREATE
    options = {"id": str(target_id), "type": str(kind)}
    changes = [{"key": "allow", "new_value": str(allow)}, {"key": "deny", "new_value": str(deny)}]
    audit.record(
        svc,
        guild,
        action,
        actor_id=actor_id,
        target_id=channel.id,
        reason=reason,
        changes=changes,
        options=options,
    )
    events.emit_channel(svc, "CHANNEL_UPDATE", channel)


def _overwrite_kind(svc: DiscordService, guild: Guild, target_id: int, body: dict[str, Any]) -> int:
    """0 = role, 1 = member; the target must exist (10011 Unknown Role / 10013 Unknown User)."""
    users = svc.state.users
    kind = int(body.get("type", 1 if target_id in users else 0))
    if kind not in (0, 1):
        raise ApiError.invalid_form("type", "BASE_TYPE_CHOICES", "Value must be one of {0, 1}.")
    if (kind == 0 and target_id not in guild.roles) or (kind == 1 and target_id not in users):
        raise ApiError.unknown("role" if kind == 0 else "user")
    return kind


def delete_overwrite(
    svc: DiscordService, channel: Channel, target_id: int, actor_id: int, reason: str | None
) -> None:
    state = svc.state
    access.require_channel(state, channel, actor_id, "MANAGE_ROLES")
    removed = channel.overwrites.pop(target_id, None)
    if removed is None:
        return
    guild = state.guild(channel.guild_id)
    options = {"id": str(target_id), "type": str(removed.type)}
    audit.record(
        svc,
        guild,
        audit.OVERWRITE_DELETE,
        actor_id=actor_id,
        target_id=channel.id,
        reason=reason,
        options=options,
    )
    events.emit_channel(svc, "CHANNEL_UPDATE", channel)
