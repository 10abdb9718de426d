"""Mentions and ``allowed_mentions``, with Discord's documented semantics.

* absent ``allowed_mentions``: regular messages parse users, roles and everyone; webhooks and
  interaction responses parse users only; a reply pings the replied-to author;
* present: only what ``parse`` lists, plus the ids in ``users``/``roles`` (``parse`` and the
  matching list are mutually exclusive: 400 50035); ``replied_user`` defaults to false;
* @everyone/@here need MENTION_EVERYONE; a role pings if it is mentionable or the author has
  MENTION_EVERYONE; mentions inside code spans/blocks and escaped ones are plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from emulators.discord import perms
from emulators.discord.errors import ApiError
from emulators.discord.state import DiscordState, Guild

USER_RE = re.compile(r"<@!?(\d{1,21})>")
ROLE_RE = re.compile(r"<@&(\d{1,21})>")
EVERYONE_RE = re.compile(r"(?<!\\)@(everyone|here)")
CODE_RE = re.compile(r"```.*?```|`[^`]*`", re.DOTALL)
PARSE_TYPES = ("users", "roles", "everyone")
DEFAULT_PARSE = {
    "message": ["users", "roles", "everyone"],
    "webhook": ["users"],
    "interaction": ["users"],
}


@dataclass
class Mentions:
    users: list[int] = field(default_factory=list)
    roles: list[int] = field(default_factory=list)
    everyone: bool = False
    pinged: list[str] = field(default_factory=list)


@dataclass
class MentionContext:
    """Who is speaking, where, and under which defaults."""

    guild: Guild
    author_id: int
    author_permissions: int
    kind: str = "message"  # "message" | "webhook" | "interaction"
    replied_user_id: int | None = None


def validate_allowed_mentions(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        raise ApiError.invalid_form("allowed_mentions", "MODEL_TYPE_CONVERT", "Must be an object.")
    parse = value.get("parse") or []
    for kind in parse:
        if kind not in PARSE_TYPES:
            raise ApiError.invalid_form(
                "allowed_mentions.parse",
                "ENUM_TYPE_COERCE",
                f"Value '{kind}' is not a valid enum value.",
            )
    for kind in ("users", "roles"):
        listed = value.get(kind) or []
        if kind in parse and listed:
            raise ApiError.invalid_form(
                "allowed_mentions",
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )
        if len(listed) > 100:
            raise ApiError.invalid_form(
                f"allowed_mentions.{kind}",
                "BASE_TYPE_MAX_LENGTH",
                "Must be 100 or fewer in length.",
            )


def compute_mentions(
    state: DiscordState, content: str, allowed: dict[str, Any] | None, ctx: MentionContext
) -> Mentions:
    text = CODE_RE.sub("", content or "")
    if allowed is None:
        parse = DEFAULT_PARSE.get(ctx.kind, ["users"])
        users_ok: set[int] = set()
        roles_ok: set[int] = set()
        replied = ctx.kind == "message"
    else:
        parse = list(allowed.get("parse") or [])
        users_ok = {int(u) for u in allowed.get("users") or []}
        roles_ok = {int(r) for r in allowed.get("roles") or []}
        replied = bool(allowed.get("replied_user", False))
    out = Mentions()
    _everyone(text, parse, ctx, out)
    _users(state, text, "users" in parse, users_ok, ctx, out)
    if replied and ctx.replied_user_id is not None and ctx.replied_user_id not in out.users:
        _add_user(state, ctx.replied_user_id, ctx, out)
    _roles(text, "roles" in parse, roles_ok, ctx, out)
    return out


def _everyone(text: str, parse: list[str], ctx: MentionContext, out: Mentions) -> None:
    if "everyone" not in parse or not perms.has(ctx.author_permissions, "MENTION_EVERYONE"):
        return
    for match in EVERYONE_RE.finditer(text):
        tag = "@" + match.group(1)
        out.everyone = True
        if tag not in out.pinged:
            out.pinged.append(tag)


def _users(
    state: DiscordState,
    text: str,
    parse_all: bool,
    allowed: set[int],
    ctx: MentionContext,
    out: Mentions,
) -> None:
    for match in USER_RE.finditer(text):
        user_id = int(match.group(1))
        if (parse_all or user_id in allowed) and user_id not in out.users:
            _add_user(state, user_id, ctx, out)


def _add_user(state: DiscordState, user_id: int, ctx: MentionContext, out: Mentions) -> None:
    if user_id not in state.users:
        return
    out.users.append(user_id)
    if user_id != ctx.author_id and user_id in ctx.guild.members:
        out.pinged.append(str(user_id))


def _roles(
    text: str, parse_all: bool, allowed: set[int], ctx: MentionContext, out: Mentions
) -> None:
    may_ping_any = perms.has(ctx.author_permissions, "MENTION_EVERYONE")
    for match in ROLE_RE.finditer(text):
        role = ctx.guild.roles.get(int(match.group(1)))
        if role is None or role.id in out.roles or not (parse_all or role.id in allowed):
            continue
        if role.mentionable or may_ping_any:
            out.roles.append(role.id)
            out.pinged.append(f"role:{role.id}")
