"""``auth.test``, ``conversations.*`` and ``users.*``."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any, TypeVar

from emulators.slack import ops
from emulators.slack.errors import SlackError
from emulators.slack.render import channel_json, message_json, user_json
from emulators.slack.state import Channel, Message
from emulators.slack.webapi import TIER_2, TIER_3, TIER_4, Call, Method

T = TypeVar("T")


def page(
    call: Call, items: Sequence[T], default: int = 100, most: int = 1000
) -> tuple[list[T], dict[str, Any]]:
    """Cursor pagination: a slice of items and ``response_metadata.next_cursor``."""
    try:
        limit = min(max(int(call.get("limit", default)), 1), most)
        cursor = call.get("cursor")
        start = int(base64.b64decode(cursor).decode().split(":")[1]) if cursor else 0
    except (ValueError, IndexError):
        raise SlackError("invalid_cursor") from None
    chunk = list(items[start : start + limit])
    more = start + limit < len(items)
    next_cursor = base64.b64encode(f"next_ts:{start + limit}".encode()).decode() if more else ""
    return chunk, {"response_metadata": {"next_cursor": next_cursor}, "has_more": more}


def _ts_key(ts: str) -> int:
    """A message ts as microseconds: ``1512085861.000543`` -> ``1512085861000543``."""
    seconds, _, fraction = ts.partition(".")
    return int(seconds) * 1_000_000 + int((fraction or "0").ljust(6, "0")[:6])


def ts_page(
    call: Call, messages: Sequence[Message], *, newest_first: bool, default: int, most: int
) -> tuple[list[Message], dict[str, Any]]:
    """Cursor pagination of a message list as Slack does it: the cursor is
    ``base64("next_ts:<ts of the first message of the next page, without the dot>")``, so a page
    continues from that message even when new ones arrived in between (an offset would shift
    and repeat or skip messages)."""
    try:
        limit = min(max(int(call.get("limit", default)), 1), most)
        cursor = call.get("cursor")
        start: int | None = None
        if cursor:
            kind, _, value = base64.b64decode(cursor).decode().partition(":")
            if kind != "next_ts" or not value.isdigit():
                raise ValueError(cursor)
            start = int(value)
    except (ValueError, UnicodeDecodeError):
        raise SlackError("invalid_cursor") from None
    ordered = list(reversed(messages)) if newest_first else list(messages)
    if start is not None:
        if newest_first:
            ordered = [m for m in ordered if _ts_key(m.ts) <= start]
        else:
            ordered = [m for m in ordered if _ts_key(m.ts) >= start]
    chunk = ordered[:limit]
    more = len(ordered) > limit
    next_cursor = ""
    if more:
        next_cursor = base64.b64encode(f"next_ts:{_ts_key(ordered[limit].ts)}".encode()).decode()
    return chunk, {"response_metadata": {"next_cursor": next_cursor}, "has_more": more}


async def auth_test(call: Call) -> dict[str, Any]:
    cfg = call.state.config
    ws = call.team()
    return {
        "url": f"https://{ws.domain}.slack.com/",
        "team": ws.name,
        "user": cfg.bot_name,
        "team_id": ws.id,
        "user_id": cfg.bot_user_id,
        "bot_id": cfg.bot_id,
        "is_enterprise_install": False,
    }


def _member_channel(call: Call) -> Channel:
    chan = call.channel()
    if call.state.config.bot_user_id not in chan.members and chan.is_private:
        raise SlackError("channel_not_found")
    return chan


def _readable(call: Call) -> Channel:
    chan = _member_channel(call)
    if call.state.config.bot_user_id not in chan.members:
        raise SlackError("not_in_channel")
    return chan


def _in_range(call: Call, messages: list[Message]) -> list[Message]:
    oldest = float(call.get("oldest", 0) or 0)
    latest = float(call.get("latest", 0) or 0) or float("inf")
    inclusive = call.flag("inclusive")

    def keep(msg: Message) -> bool:
        ts = float(msg.ts)
        if inclusive:
            return oldest <= ts <= latest
        return oldest < ts < latest

    return [m for m in messages if keep(m)]


async def history(call: Call) -> dict[str, Any]:
    chan = _readable(call)
    in_range = _in_range(call, chan.messages)
    chunk, meta = ts_page(call, in_range, newest_first=True, default=100, most=999)
    metadata = call.flag("include_all_metadata")
    messages = [message_json(call.state, m, metadata=metadata) for m in chunk]
    return {
        "messages": messages,
        "pin_count": 0,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
        **meta,
    }


async def replies(call: Call) -> dict[str, Any]:
    chan = _readable(call)
    msg = chan.by_ts.get(str(call.require("ts")))
    if msg is None:
        raise SlackError("thread_not_found")
    root = chan.by_ts.get(msg.thread_ts or "", msg) if msg.is_reply else msg
    thread = [root, *(chan.by_ts[r] for r in root.replies if r in chan.by_ts)]
    listed = _in_range(call, thread) if call.get("oldest") else thread
    chunk, meta = ts_page(call, listed, newest_first=False, default=1000, most=1000)
    return {"messages": [message_json(call.state, m) for m in chunk], **meta}


async def info(call: Call) -> dict[str, Any]:
    return {"channel": channel_json(call.state, _member_channel(call))}


async def list_conversations(call: Call) -> dict[str, Any]:
    types = str(call.get("types", "public_channel")).split(",")
    team = call.get("team_id")
    bot = call.state.config.bot_user_id
    chans = [
        c
        for c in call.state.channels.values()
        if _conversation_type(c) in types
        and (not c.is_private or bot in c.members)
        and team in (None, c.team_id)
        and not (call.flag("exclude_archived") and c.is_archived)
    ]
    chunk, meta = page(call, chans, 100, 1000)
    meta.pop("has_more")
    return {"channels": [channel_json(call.state, c) for c in chunk], **meta}


def _conversation_type(chan: Channel) -> str:
    if chan.is_im:
        return "im"
    return "private_channel" if chan.is_private else "public_channel"


async def open_conversation(call: Call) -> dict[str, Any]:
    refs = [u.strip() for u in str(call.get("users") or call.get("channel") or "").split(",")]
    people = [call.state.find_user(r) for r in refs if r]
    if not people or None in people:
        raise SlackError("user_not_found")
    if len(people) > 1:
        raise SlackError("not_supported", detail="group DMs are not emulated")
    person = people[0]
    assert person is not None
    chan = call.state.dm(person)
    if call.flag("return_im"):
        return {"channel": channel_json(call.state, chan)}
    return {"channel": {"id": chan.id}}


async def members(call: Call) -> dict[str, Any]:
    chan = _member_channel(call)
    chunk, meta = page(call, chan.members, 100, 1000)
    meta.pop("has_more")
    return {"members": chunk, **meta}


async def invite(call: Call) -> dict[str, Any]:
    chan = _readable(call)
    users = [u.strip() for u in str(call.require("users")).split(",") if u.strip()]
    bot = call.state.config.bot_user_id
    errors = []
    for ref in users:
        user = call.state.find_user(ref, chan.team_id)
        if user is None:
            errors.append({"user": ref, "ok": False, "error": "user_not_found"})
        elif user.id == bot:
            errors.append({"user": ref, "ok": False, "error": "cant_invite_self"})
        elif not ops.join(call.svc, chan, user.id, inviter=bot):
            errors.append({"user": ref, "ok": False, "error": "already_in_channel"})
    if errors and len(errors) == len(users):
        raise SlackError(str(errors[0]["error"]), errors=errors)
    return {"channel": channel_json(call.state, chan)}


async def kick(call: Call) -> dict[str, Any]:
    chan = _readable(call)
    user = call.user()
    if user.id == call.state.config.bot_user_id:
        raise SlackError("cant_kick_self")
    if chan.name == "general":
        raise SlackError("cant_kick_from_general")
    ops.leave(call.svc, chan, user.id)
    return {}


async def join(call: Call) -> dict[str, Any]:
    chan = _member_channel(call)
    if chan.is_archived:
        raise SlackError("is_archived")
    joined = ops.join(call.svc, chan, call.state.config.bot_user_id)
    out: dict[str, Any] = {"channel": channel_json(call.state, chan)}
    if not joined:
        out.update(
            warning="already_in_channel", response_metadata={"warnings": ["already_in_channel"]}
        )
    return out


async def leave(call: Call) -> dict[str, Any]:
    chan = _member_channel(call)
    if chan.name == "general":
        raise SlackError("cant_leave_general")
    if call.state.config.bot_user_id not in chan.members:
        return {"not_in_channel": True}
    ops.leave(call.svc, chan, call.state.config.bot_user_id)
    return {}


async def users_info(call: Call) -> dict[str, Any]:
    return {"user": user_json(call.state, call.user())}


async def users_list(call: Call) -> dict[str, Any]:
    team = call.get("team_id")
    users = [u for u in call.state.users.values() if team in (None, u.team_id) or u.is_bot]
    chunk, meta = page(call, users, 100, 1000)
    meta.pop("has_more")
    members_json = [user_json(call.state, u) for u in chunk]
    return {"members": members_json, "cache_ts": 1700000000, **meta}


async def lookup_by_email(call: Call) -> dict[str, Any]:
    email = str(call.require("email")).lower()
    user = next((u for u in call.state.users.values() if u.email.lower() == email), None)
    if user is None:
        raise SlackError("users_not_found")
    return {"user": user_json(call.state, user)}


METHODS = {
    "auth.test": Method(auth_test, TIER_4 * 10),
    "conversations.history": Method(history, TIER_3),
    "conversations.replies": Method(replies, TIER_3),
    "conversations.info": Method(info, TIER_3),
    "conversations.list": Method(list_conversations, TIER_2),
    "conversations.members": Method(members, TIER_4),
    "conversations.open": Method(open_conversation, TIER_3),
    "conversations.invite": Method(invite, TIER_3),
    "conversations.kick": Method(kick, TIER_3),
    "conversations.join": Method(join, TIER_3),
    "conversations.leave": Method(leave, TIER_3),
    "users.info": Method(users_info, TIER_4),
    "users.list": Method(users_list, TIER_2),
    "users.lookupByEmail": Method(lookup_by_email, TIER_3),
}
