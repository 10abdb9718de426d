"""REST: guild scheduled events (create, list, get, modify, delete, the interested users), with
the validation Discord documents: a name of 1-100 characters, a description of at most 1000,
privacy level 2 (GUILD_ONLY), a start in the future and an end after it; an EXTERNAL event needs
``entity_metadata.location`` (1-100) and ``scheduled_end_time`` and no channel, a VOICE or STAGE
event a channel of that type; status moves only SCHEDULED -> ACTIVE | CANCELED and ACTIVE ->
COMPLETED. Creating needs CREATE_EVENTS or MANAGE_EVENTS (a VOICE event also VIEW_CHANNEL and
CONNECT on its channel, a STAGE event MANAGE_CHANNELS, MUTE_MEMBERS and MOVE_MEMBERS too);
changing another's event MANAGE_EVENTS.
Each change reaches sessions with GUILD_SCHEDULED_EVENTS (GUILD_SCHEDULED_EVENT_CREATE, UPDATE,
DELETE)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from emulators.discord import access, gateway, payloads, perms, scheduled
from emulators.discord.errors import ApiError
from emulators.discord.routing import Ctx, Router
from emulators.discord.scheduled import event_json
from emulators.discord.state import Guild, ScheduledEvent

router = Router()
_EVENTS = "/guilds/{guild_id}/scheduled-events"
_EVENT = _EVENTS + r"/{event_id:\d+}"
MAX_EVENTS = 100
CHANNEL_TYPES = {scheduled.STAGE: 13, scheduled.VOICE: 2}
MOVES = {
    scheduled.SCHEDULED: (scheduled.ACTIVE, scheduled.CANCELED),
    scheduled.ACTIVE: (scheduled.COMPLETED,),
}
INTENT = gateway.GUILD_SCHEDULED_EVENTS


def _guild(ctx: Ctx) -> Guild:
    guild = ctx.state.guild(ctx.snowflake("guild_id"))
    if ctx.bot_id not in guild.members:
        raise ApiError.unknown("guild")
    return guild


def _event(ctx: Ctx, guild: Guild) -> ScheduledEvent:
    found = guild.scheduled_events.get(ctx.snowflake("event_id"))
    if found is None:
        raise ApiError(404, 10070, "Unknown Guild Scheduled Event")
    return found


def _invalid(field: str, message: str, code: str = "BASE_TYPE_BAD_LENGTH") -> ApiError:
    return ApiError.invalid_form(field, code, message)


def _time(body: dict[str, Any], name: str) -> dt.datetime | None:
    raw = body.get(name)
    if raw is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError as exc:
        raise _invalid(name, "Could not parse time.", "DATE_TIME_TYPE_PARSE") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _check_texts(body: dict[str, Any], *, creating: bool) -> None:
    name = body.get("name")
    if (creating or name is not None) and not 1 <= len(str(name or "")) <= 100:
        raise _invalid("name", "Must be between 1 and 100 in length.")
    description = body.get("description")
    if description is not None and len(str(description)) > 1000:
        raise _invalid("description", "Must be 1000 or fewer in length.")
    if body.get("privacy_level", 2) != 2:
        raise _invalid("privacy_level", "Value must be one of {2}.", "BASE_TYPE_CHOICES")


def _check_times(event: ScheduledEvent, body: dict[str, Any], *, creating: bool) -> None:
    start = _time(body, "scheduled_start_time") or dt.datetime.fromisoformat(event.start)
    if (creating or "scheduled_start_time" in body) and start <= dt.datetime.now(dt.UTC):
        raise _invalid(
            "scheduled_start_time",
            "Cannot schedule event in the past.",
            "GUILD_SCHEDULED_EVENT_SCHEDULED_START_TIME_IN_PAST",
        )
    end = _time(body, "scheduled_end_time")
    if end is None and event.end and "scheduled_end_time" not in body:
        end = dt.datetime.fromisoformat(event.end)
    if end is not None and end <= start:
        raise _invalid(
            "scheduled_end_time",
            "Cannot schedule event to end before starting.",
            "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
        )
    if event.entity_type == scheduled.EXTERNAL and end is None:
        raise _invalid("scheduled_end_time", "This field is required", "BASE_TYPE_REQUIRED")


def _check_entity(ctx: Ctx, guild: Guild, event: ScheduledEvent) -> None:
    if event.entity_type == scheduled.EXTERNAL:
        if event.channel_id is not None:
            raise _invalid("channel_id", "Must be null for external events.", "BASE_TYPE_BAD")
        if not 1 <= len(event.location or "") <= 100:
            raise _invalid("entity_metadata.location", "Must be between 1 and 100 in length.")
        return
    wanted = CHANNEL_TYPES.get(event.entity_type)
    if wanted is None:
        raise _invalid("entity_type", "Value must be one of {1, 2, 3}.", "BASE_TYPE_CHOICES")
    channel = guild.channels.get(event.channel_id or 0)
    if channel is None or channel.type != wanted:
        raise _invalid("channel_id", "Channel must be a stage or voice channel.", "CHANNEL_TYPE")
    needed: tuple[str, ...] = ("VIEW_CHANNEL", "CONNECT")
    if event.entity_type == scheduled.STAGE:
        needed += ("MANAGE_CHANNELS", "MUTE_MEMBERS", "MOVE_MEMBERS")
    access.require_channel(ctx.state, channel, ctx.bot_id, *needed)


def _apply(event: ScheduledEvent, body: dict[str, Any]) -> None:
    for name, attr in (("name", "name"), ("description", "description")):
        if name in body:
            setattr(event, attr, body[name])
    if "scheduled_start_time" in body:
        event.start = _iso(_time(body, "scheduled_start_time"))
    if "scheduled_end_time" in body:
        end = _time(body, "scheduled_end_time")
        event.end = _iso(end) if end is not None else None
    if body.get("entity_type") is not None:
        event.entity_type = int(body["entity_type"])
    if "channel_id" in body:
        event.channel_id = int(body["channel_id"]) if body["channel_id"] else None
    if "entity_metadata" in body:
        event.location = (body.get("entity_metadata") or {}).get("location")


def _iso(moment: dt.datetime | None) -> str:
    assert moment is not None
    return moment.astimezone(dt.UTC).isoformat()


def _may_create(ctx: Ctx, guild: Guild) -> None:
    value = access.require_guild(ctx.state, guild, ctx.bot_id)
    if not (perms.has(value, "CREATE_EVENTS") or perms.has(value, "MANAGE_EVENTS")):
        raise ApiError.missing_permissions()


def _may_change(ctx: Ctx, guild: Guild, event: ScheduledEvent) -> None:
    value = access.require_guild(ctx.state, guild, ctx.bot_id)
    if perms.has(value, "MANAGE_EVENTS"):
        return
    if event.creator_id == ctx.bot_id and perms.has(value, "CREATE_EVENTS"):
        return
    raise ApiError.missing_permissions()


@router.route("POST", _EVENTS, bucket="scheduled_events")
async def create_event(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    _may_create(ctx, guild)
    body = ctx.json()
    if len(guild.scheduled_events) >= MAX_EVENTS:
        raise ApiError(400, 30038, "Maximum number of guild scheduled events reached (100)")
    _check_texts(body, creating=True)
    if body.get("scheduled_start_time") is None:
        raise _invalid("scheduled_start_time", "This field is required", "BASE_TYPE_REQUIRED")
    event = ScheduledEvent(
        ctx.svc.ids.next(), guild.id, ctx.bot_id, "", "", None, int(body.get("entity_type") or 0)
    )
    event.privacy_level = int(body.get("privacy_level") or 0)
    _apply(event, body)
    _check_times(event, body, creating=True)
    _check_entity(ctx, guild, event)
    guild.scheduled_events[event.id] = event
    data = event_json(event)
    ctx.svc.hub.dispatch("GUILD_SCHEDULED_EVENT_CREATE", data, intent=INTENT)
    return data


@router.route("GET", _EVENTS)
async def list_events(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    counted = ctx.flag("with_user_count")
    return [event_json(e, with_count=counted) for e in guild.scheduled_events.values()]


@router.route("GET", _EVENT)
async def get_event(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    return event_json(_event(ctx, guild), with_count=ctx.flag("with_user_count"))


@router.route("PATCH", _EVENT, bucket="scheduled_events")
async def modify_event(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    event = _event(ctx, guild)
    _may_change(ctx, guild, event)
    body = ctx.json()
    _check_texts(body, creating=False)
    status = body.get("status")
    if status is not None and status != event.status and status not in MOVES.get(event.status, ()):
        raise _invalid("status", "Cannot change the event to this status.", "BASE_TYPE_BAD")
    trial = dataclasses.replace(event, users=list(event.users))
    _apply(trial, body)
    if event.status == scheduled.SCHEDULED and status in (None, scheduled.SCHEDULED):
        _check_times(trial, body, creating=False)
    _check_entity(ctx, guild, trial)
    _apply(event, body)
    if status is not None:
        event.status = int(status)
    data = event_json(event)
    ctx.svc.hub.dispatch("GUILD_SCHEDULED_EVENT_UPDATE", data, intent=INTENT)
    return data


@router.route("DELETE", _EVENT, bucket="scheduled_events")
async def delete_event(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    event = _event(ctx, guild)
    _may_change(ctx, guild, event)
    del guild.scheduled_events[event.id]
    ctx.svc.hub.dispatch("GUILD_SCHEDULED_EVENT_DELETE", event_json(event), intent=INTENT)
    return None


@router.route("GET", _EVENT + "/users")
async def event_users(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    event = _event(ctx, guild)
    limit = ctx.query_int("limit", 100, lo=1, hi=100)
    before = int(ctx.query("before") or 0)
    after = int(ctx.query("after") or 0)
    ids = sorted(u for u in event.users if u > after and (not before or u < before))
    ids = ids[-limit:] if before else ids[:limit]
    with_member = ctx.flag("with_member")
    return [_user_entry(ctx, guild, event, uid, with_member) for uid in ids]


def _user_entry(
    ctx: Ctx, guild: Guild, event: ScheduledEvent, user_id: int, with_member: bool
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "guild_scheduled_event_id": str(event.id),
        "user": payloads.user_json(ctx.state.users[user_id]),
    }
    member = guild.members.get(user_id)
    if with_member and member is not None:
        entry["member"] = payloads.member_json(ctx.state, guild, member)
    return entry
