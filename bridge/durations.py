"""Lengths of time as people type them, one reading for every command: `/fangroup timeout @user
10m`, `ban @user purge 1h`, `invite 5 2d`, `/announce ... when:in 1d 3h`.

Accepted forms (case does not matter):
- a number and a unit: ``30s``, ``10m``, ``2h``, ``1d``, ``2w``;
- the unit may be a word, after a space or not: ``90 sec``, ``45 minutes``, ``2 hours``,
  ``1 day``, ``3 weeks`` (``sec``/``secs``/``second(s)``, ``min``/``mins``/``minute(s)``,
  ``hr``/``hrs``/``hour(s)``, ``day(s)``, ``wk``/``wks``/``week(s)``);
- several parts added up: ``1h30m``, ``1d 3h``, ``2 hours 15 minutes``;
- a bare number only where the command says which unit it means (``invite 5 2``: days).
Each number has at most 6 digits; ``m`` is minutes (there are no months); the total must be more
than zero. Anything else is refused with a ``DurationError`` that says why and what works."""

from __future__ import annotations

import re

SECOND, MINUTE, HOUR, DAY, WEEK = 1.0, 60.0, 3600.0, 86400.0, 604800.0
UNITS: dict[str, float] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), SECOND),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), MINUTE),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), HOUR),
    **dict.fromkeys(("d", "day", "days"), DAY),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), WEEK),
}
PART = re.compile(r"(\d{1,6})(?!\d)\s*([a-z]*)", re.ASCII)
SHAPE = re.compile(r"(?:\d{1,6}(?!\d)\s*[a-z]*\s*)+", re.ASCII)
LEADING = re.compile(r"(?:\d{1,6}(?!\d)\s*[a-z]+(?=\d|\s|$)\s*)+", re.ASCII | re.IGNORECASE)
FORMS = "e.g. `30s`, `10m`, `2h`, `1d`, `2w` or `1h30m`"
NAMES = ((DAY, "day"), (HOUR, "hour"), (MINUTE, "minute"))


class DurationError(ValueError):
    """Text that is not a length of time; the message says why and what works."""


def parse_duration(text: str, *, bare: str | None = None) -> float:
    """Seconds in ``text`` (forms in the module's docstring). ``bare`` is the unit a number
    alone is read in (None: a number alone is refused). Raises DurationError."""
    cleaned = " ".join(text.strip().lower().split())
    shown = _shown(text)
    if not cleaned:
        raise DurationError(f"A length of time is needed, {FORMS}.")
    if SHAPE.fullmatch(cleaned) is None:
        raise DurationError(f"`{shown}` is not a length of time: use a number and a unit, {FORMS}.")
    seconds = sum(_part(amount, unit, shown, bare) for amount, unit in PART.findall(cleaned))
    if seconds <= 0:
        raise DurationError(f"`{shown}` is no time at all: use more than zero, {FORMS}.")
    return seconds


def read_duration(text: str, *, bare: str | None = None) -> float | None:
    """``parse_duration`` for callers that answer bad input with their own usage line."""
    try:
        return parse_duration(text, bare=bare)
    except DurationError:
        return None


def split_duration(text: str) -> tuple[str, str]:
    """The length of time a text starts with, and the rest: ``"10m flooding"`` →
    ("10m", "flooding"), ``"1h 30m"`` → ("1h 30m", ""); ("", text) when it starts with none."""
    stripped = text.strip()
    found = LEADING.match(stripped)
    if found is None:
        return "", stripped
    return stripped[: found.end()].strip(), stripped[found.end() :].strip()


def describe_duration(seconds: float) -> str:
    """``14 days``, ``1 hour``, ``90 minutes``: the largest unit (up to days) the time is a
    whole number of."""
    for unit, name in NAMES:
        if seconds >= unit and seconds % unit == 0:
            count = int(seconds // unit)
            return f"{count} {name}{'s' if count != 1 else ''}"
    return f"{int(seconds)} seconds"


def _shown(text: str) -> str:
    """The text inside a reply's backticks: no backtick ends them, no ``<…>`` forms a mention."""
    return text.strip()[:40].replace("`", "'").replace("<", "‹").replace(">", "›")


def _part(amount: str, unit: str, shown: str, bare: str | None) -> float:
    name = unit or bare
    if name is None:
        raise DurationError(f"`{shown}` needs a unit: s, m, h, d or w, {FORMS}.")
    if name not in UNITS:
        raise DurationError(f"Unknown unit `{unit}` in `{shown}`: use s, m, h, d or w.")
    return int(amount) * UNITS[name]
