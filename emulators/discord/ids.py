"""Snowflakes and timestamps in Discord's real formats."""

from __future__ import annotations

import datetime as dt
import secrets
import time

DISCORD_EPOCH_MS = 1420070400000


class Snowflakes:
    """Time-based, strictly increasing snowflake ids (worker 1, process 1)."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        candidate = (ms << 22) | (1 << 17) | (1 << 12)
        if candidate <= self._last:
            candidate = self._last + 1
        self._last = candidate
        return candidate


def snowflake_time(snowflake: int) -> dt.datetime:
    ms = (snowflake >> 22) + DISCORD_EPOCH_MS
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC)


def iso(moment: dt.datetime) -> str:
    """``2017-07-11T17:27:07.299000+00:00``: the format Discord uses."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def now_iso() -> str:
    return iso(dt.datetime.now(dt.UTC))


def parse_iso(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def new_token(nbytes: int = 36) -> str:
    return secrets.token_urlsafe(nbytes)[:68]


def opt_int(value: object) -> int | None:
    """A snowflake given as int or str (None/"" stay None)."""
    if value is None or value == "":
        return None
    return int(str(value))
