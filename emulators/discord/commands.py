"""Application commands: registration (validated like Discord) and resolving a typed command
path such as ``fangroup account link`` into INTERACTION_CREATE ``data``."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from emulators.discord import access, payloads
from emulators.discord.errors import ApiError
from emulators.discord.ids import Snowflakes
from emulators.discord.state import Channel, Command, DiscordState, Guild

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = 3, 4, 5, 6, 7, 8, 9, 10
NAME_RE = re.compile(r"^[-_'\w]{1,32}$")


class CommandPathError(Exception):
    """A control-API command that the Discord client would not let a person send."""


# -- registration ------------------------------------------------------------------------------
def validate_command(data: Any, index: int) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ApiError.invalid_form(str(index), "MODEL_TYPE_CONVERT", "Must be an object.")
    kind = int(data.get("type") or 1)
    name = str(data.get("name") or "")
    # user and message commands (context menus) may have spaces and capitals: 1-32 characters
    valid = NAME_RE.match(name) if kind == 1 else 1 <= len(name.strip()) <= 32
    if not valid or (kind == 1 and name != name.lower()):
        raise ApiError.invalid_form(
            f"{index}.name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
        )
    description = str(data.get("description") or "")
    if kind == 1 and not 1 <= len(description) <= 100:
        raise ApiError.invalid_form(
            f"{index}.description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
        )
    _validate_options(data.get("options") or [], f"{index}.options")
    return {**data, "type": kind}


def _validate_options(options: list[Any], where: str) -> None:
    if len(options) > 25:
        raise ApiError.invalid_form(where, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    seen: set[str] = set()
    optional_seen = False
    for i, option in enumerate(options):
        name = str(option.get("name") or "")
        if not NAME_RE.match(name) or name != name.lower() or name in seen:
            raise ApiError.invalid_form(
                f"{where}.{i}.name", "APPLICATION_COMMAND_INVALID_NAME", "Option name is invalid"
            )
        seen.add(name)
        if option.get("required") and optional_seen:
            raise ApiError.invalid_form(
                f"{where}.{i}.required",
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                "Required options must be placed before non-required options",
            )
        optional_seen = optional_seen or not option.get("required")
        if int(option.get("type") or 0) in (SUB_COMMAND, SUB_COMMAND_GROUP):
            _validate_options(option.get("options") or [], f"{where}.{i}.options")


def overwrite(
    state: DiscordState, ids: Snowflakes, guild_id: int | None, body: Any
) -> list[Command]:
    """Bulk overwrite: commands keep their id when the name and type are unchanged."""
    if not isinstance(body, list):
        raise ApiError.invalid_form("_root", "MODEL_TYPE_CONVERT", "Must be an array.")
    datas = [validate_command(d, i) for i, d in enumerate(body)]
    keys = [(d["name"], d["type"]) for d in datas]
    if len(set(keys)) != len(keys):
        raise ApiError.invalid_form(
            "_root",
            "APPLICATION_COMMANDS_DUPLICATE_NAME",
            "Application command names must be unique",
        )
    old = {(c.name, int(c.data["type"])): c for c in scoped(state, guild_id)}
    for command in old.values():
        del state.commands[command.id]
    out = []
    for data in datas:
        previous = old.get((data["name"], data["type"]))
        command = Command(
            previous.id if previous else ids.next(),
            state.application_id,
            guild_id,
            data,
            ids.next(),
        )
        state.commands[command.id] = command
        out.append(command)
    return out


def scoped(state: DiscordState, guild_id: int | None) -> list[Command]:
    return [c for c in state.commands.values() if c.guild_id == guild_id]


def command_json(command: Command) -> dict[str, Any]:
    data = {
        "default_member_permissions": None,
        "dm_permission": True,
        "nsfw": False,
        "contexts": None,
        "integration_types": [0],
        "description": "",  # what Discord returns for user and message commands
        **command.data,
        "id": str(command.id),
        "application_id": str(command.application_id),
        "version": str(command.version),
    }
    if command.guild_id is not None:
        data["guild_id"] = str(command.guild_id)
    return data


# -- resolving a typed path --------------------------------------------------------------------
def find_command(state: DiscordState, guild_id: int, name: str) -> Command:
    for scope in (guild_id, None):
        for command in scoped(state, scope):
            if command.name == name and int(command.data["type"]) == 1:
                return command
    raise CommandPathError(f"no registered command /{name}")


def build_data(
    state: DiscordState, guild: Guild, channel: Channel, path: str, given: Any
) -> dict[str, Any]:
    tokens = path.strip().lstrip("/").split()
    if not tokens:
        raise CommandPathError("empty command")
    command = find_command(state, guild.id, tokens[0])
    data: dict[str, Any] = {"id": str(command.id), "name": command.name, "type": 1}
    if command.guild_id is not None:
        data["guild_id"] = str(command.guild_id)
    holder, schema = data, list(command.data.get("options") or [])
    for token in tokens[1:]:
        option = next(
            (o for o in schema if o.get("name") == token and o.get("type") in (1, 2)), None
        )
        if option is None:
            raise CommandPathError(f"/{' '.join(tokens)}: no subcommand {token!r}")
        node: dict[str, Any] = {"name": token, "type": option["type"], "options": []}
        holder.setdefault("options", []).append(node)
        holder, schema = node, list(option.get("options") or [])
    if any(o.get("type") in (1, 2) for o in schema):
        raise CommandPathError(f"/{' '.join(tokens)} needs a subcommand")
    resolved: dict[str, dict[str, Any]] = {}
    holder["options"] = _typed_options(state, guild, schema, _as_dict(given), resolved)
    if resolved:
        data["resolved"] = resolved
    return data


def _as_dict(given: Any) -> dict[str, Any]:
    if isinstance(given, list):
        return {str(o["name"]): o.get("value") for o in given}
    return dict(given or {})


def _typed_options(
    state: DiscordState,
    guild: Guild,
    schema: list[dict[str, Any]],
    given: dict[str, Any],
    resolved: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    unknown = set(given) - {o["name"] for o in schema}
    if unknown:
        raise CommandPathError(f"unknown option(s): {sorted(unknown)}")
    out = []
    for option in schema:
        name = option["name"]
        if given.get(name) is None:
            if option.get("required"):
                raise CommandPathError(f"missing required option {name!r}")
            continue
        kind = int(option["type"])
        value = _convert(state, guild, option, given[name], resolved)
        out.append({"name": name, "type": kind, "value": value})
    return out


def _convert(
    state: DiscordState,
    guild: Guild,
    option: dict[str, Any],
    raw: Any,
    resolved: dict[str, dict[str, Any]],
) -> Any:
    kind = int(option["type"])
    converters: dict[int, Callable[[], Any]] = {
        STRING: lambda: str(raw),
        INTEGER: lambda: int(raw),
        NUMBER: lambda: float(raw),
        BOOLEAN: lambda: raw if isinstance(raw, bool) else str(raw).lower() in ("true", "1", "yes"),
        USER: lambda: _resolve_user(state, guild, raw, resolved),
        CHANNEL: lambda: _resolve_channel(state, guild, raw, resolved),
        ROLE: lambda: _resolve_role(state, guild, raw, resolved),
        MENTIONABLE: lambda: _resolve_mentionable(state, guild, raw, resolved),
    }
    if kind not in converters:
        raise CommandPathError(f"option type {kind} is not supported by the emulator")
    try:
        value = converters[kind]()
    except ValueError as exc:
        raise CommandPathError(f"option {option['name']!r}: {exc}") from exc
    choices = [c.get("value") for c in option.get("choices") or []]
    if choices and value not in choices:
        raise CommandPathError(f"option {option['name']!r}: {value!r} is not one of {choices}")
    return value


def _user_id(state: DiscordState, raw: Any) -> int:
    text = str(raw).strip().removeprefix("<@").removesuffix(">").lstrip("!")
    if text.isdigit() and int(text) in state.users:
        return int(text)
    for user in state.users.values():
        if user.username == text:
            return user.id
    raise ValueError(f"unknown user {raw!r}")


def _resolve_user(state: DiscordState, guild: Guild, raw: Any, resolved: dict[str, Any]) -> str:
    user_id = _user_id(state, raw)
    resolved.setdefault("users", {})[str(user_id)] = payloads.user_json(state.users[user_id])
    member = guild.members.get(user_id)
    if member is not None:
        data = payloads.member_json(state, guild, member, with_user=False)
        any_channel = next(iter(guild.channels.values()), None)
        value = access.channel_perms(state, any_channel, user_id) if any_channel else 0
        data["permissions"] = str(value)
        resolved.setdefault("members", {})[str(user_id)] = data
    return str(user_id)


def _resolve_channel(state: DiscordState, guild: Guild, raw: Any, resolved: dict[str, Any]) -> str:
    text = str(raw).strip().removeprefix("<#").removesuffix(">").lstrip("#")
    channel = guild.channels.get(int(text)) if text.isdigit() else None
    channel = channel or next((c for c in guild.channels.values() if c.name == text), None)
    if channel is None:
        raise ValueError(f"unknown channel {raw!r}")
    data = payloads.channel_json(channel)
    data["permissions"] = str(access.channel_perms(state, channel, state.bot_user_id))
    resolved.setdefault("channels", {})[str(channel.id)] = data
    return str(channel.id)


def _resolve_role(state: DiscordState, guild: Guild, raw: Any, resolved: dict[str, Any]) -> str:
    text = str(raw).strip().removeprefix("<@&").removesuffix(">")
    role = guild.roles.get(int(text)) if text.isdigit() else None
    role = role or next((r for r in guild.roles.values() if r.name == text), None)
    if role is None:
        raise ValueError(f"unknown role {raw!r}")
    resolved.setdefault("roles", {})[str(role.id)] = payloads.role_json(role, state.bot_user_id)
    return str(role.id)


def _resolve_mentionable(
    state: DiscordState, guild: Guild, raw: Any, resolved: dict[str, Any]
) -> str:
    try:
        return _resolve_user(state, guild, raw, resolved)
    except ValueError:
        return _resolve_role(state, guild, raw, resolved)
