"""Turn validation failures into one-line messages: file, key, what is wrong, how to fix it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

SECRET_NAMES = {
    "token",
    "bot_token",
    "app_token",
    "signing_secret",
    "client_secret",
    "link_secret",
    "secret",
}


class ConfigError(Exception):
    """A configuration problem, already phrased for a person."""


def key_name(where: tuple[Any, ...]) -> str:
    """('slack', 'mode') -> "[slack] mode"; ('groups', 0, 'channels', 1, 'platform') ->
    "[[groups]] #1 > [[groups.channels]] #2: platform"."""
    if not where:
        return "(top level)"
    if where[0] == "groups":
        return _group_key(where)
    if len(where) == 1:
        return f"[{where[0]}]" if isinstance(where[0], str) else str(where[0])
    return f"[{where[0]}] " + ".".join(str(p) for p in where[1:])


def _group_key(where: tuple[Any, ...]) -> str:
    parts = ["[[groups]]"]
    rest = list(where[1:])
    if rest and isinstance(rest[0], int):
        parts[0] += f" #{rest.pop(0) + 1}"
    if rest and rest[0] == "channels":
        rest.pop(0)
        label = "[[groups.channels]]"
        if rest and isinstance(rest[0], int):
            label += f" #{rest.pop(0) + 1}"
        parts.append(label)
    text = " > ".join(parts)
    return f"{text}: {'.'.join(str(p) for p in rest)}" if rest else text


FIXES: dict[str, str] = {
    "extra_forbidden": "remove it or check its spelling against config.example.toml",
    "missing": "add it (see config.example.toml for an example value)",
    "literal_error": "use one of the allowed values",
    "int_parsing": "write a whole number without quotes",
    "int_type": "write a whole number without quotes",
    "bool_parsing": "write true or false without quotes",
    "bool_type": "write true or false without quotes",
    "string_type": 'write a string in quotes, e.g. "value"',
    "string_pattern_mismatch": "use lowercase letters, digits and dashes (e.g. indie-fans)",
    "model_type": "write it as a table ([section]) with keys under it",
    "model_attributes_type": "write it as a table ([section]) with keys under it",
    "list_type": "write it as an array of tables ([[groups]])",
    "greater_than_equal": "use a larger number",
    "less_than_equal": "use a smaller number",
    "string_too_short": "it must not be empty",
    "value_error": "see the example in config.example.toml",
    "database_url": 'write "sqlite+aiosqlite:///fanbridge.db" or '
    '"postgresql://USER@HOST:5432/DBNAME"',
}


def describe_validation_error(exc: ValidationError, file: Path, data: dict[str, Any]) -> str:
    lines = []
    for error in exc.errors():
        where = tuple(error["loc"])
        kind = error["type"]
        message = _what(error, where, data)
        fix = FIXES.get(kind, "see config.example.toml")
        lines.append(f"{file}: {key_name(where)}: {message}. Fix: {fix}")
    return "\n".join(lines)


def _what(error: Any, where: tuple[Any, ...], data: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    # a database URL may hold a password: its scheme is named in the message instead
    secret = bool(where) and (str(where[-1]) in SECRET_NAMES or kind == "database_url")
    if "input" in error and not secret and kind not in ("model_type", "model_attributes_type"):
        return f"{message} (got {error['input']!r})"
    return message
