"""When a scheduled announcement is due: ``/announce ... when:<time>``.

Accepted forms (pure parsing; ``now`` is a UTC timestamp and ``zone`` the caller's zone):
- ISO 8601 with a zone: ``2026-12-01T18:00+01:00``, ``2026-12-01 18:00Z``;
- ISO without a zone, read in the caller's zone: ``2026-12-01 18:00``;
- relative: ``in`` and a length of time as every command reads one (``bridge.durations``):
  ``in 2h``, ``in 90m``, ``in 1d 3h``, ``in 2 hours``, ``in 45 minutes``, ``in 1w``;
- a day and a time in the caller's zone: ``tomorrow 18:00``, ``today 9:30``, ``18:00`` (the next
  18:00 from now).
A time in the past, or more than a year ahead, is refused with a clear message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bridge.durations import DurationError, parse_duration

MAX_AHEAD = timedelta(days=366)
RELATIVE = re.compile(r"^in\s+(\d.*)$")
CLOCK = re.compile(r"^(?:(today|tomorrow)\s+)?(\d{1,2})[:h](\d{2})$")
USAGE = (
    "Use an ISO time with a zone (`2026-12-01T18:00+01:00`), a relative time (`in 2h`, "
    "`in 1d 3h`) or a day and time in your zone (`tomorrow 18:00`, `18:00`)."
)


class WhenError(ValueError):
    """A ``when:`` value that cannot be scheduled; the message says why and what works."""


@dataclass(frozen=True, slots=True)
class Due:
    at: float  # UTC timestamp
    zone: str  # the zone the caller's wall-clock times were read in

    def describe(self) -> str:
        """``2026-12-01 17:00 UTC (18:00 Europe/Paris)``: the exact UTC time, and the local one."""
        utc = datetime.fromtimestamp(self.at, UTC)
        text = utc.strftime("%Y-%m-%d %H:%M UTC")
        if self.zone not in ("UTC", "Etc/UTC"):
            local = utc.astimezone(ZoneInfo(self.zone))
            text += f" ({local.strftime('%Y-%m-%d %H:%M')} {self.zone})"
        return text


def zone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise WhenError(
            f"Unknown time zone `{name}`: use an IANA name like `Europe/Paris` or `UTC`."
        ) from exc


def parse_when(value: str, *, now: float, zone: str = "UTC") -> Due:
    text = " ".join(value.strip().lower().split())
    if not text:
        raise WhenError("`when:` needs a time. " + USAGE)
    tz = zone_named(zone)
    try:
        at = _relative(text, now) or _clock(text, now, tz) or _iso(value.strip(), tz)
        if at is not None:
            datetime.fromtimestamp(at, UTC)  # representable (years 1..9999)
    except (OverflowError, ValueError, OSError) as exc:
        if isinstance(exc, WhenError):
            raise
        raise WhenError(
            f"`{value.strip()}` is not a time that can be scheduled. " + USAGE
        ) from None
    if at is None:
        raise WhenError(f"Cannot read the time `{value.strip()}`. " + USAGE)
    if at <= now:
        shown = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M UTC")
        raise WhenError(f"`{value.strip()}` is {shown}, which has passed.")
    if at - now > MAX_AHEAD.total_seconds():
        raise WhenError("An announcement can be scheduled at most a year ahead.")
    return Due(at, zone)


def _relative(text: str, now: float) -> float | None:
    found = RELATIVE.match(text)
    if found is None:
        return None
    try:
        return now + parse_duration(found.group(1))
    except DurationError as exc:
        raise WhenError(f"{exc} {USAGE}") from None


def _clock(text: str, now: float, tz: ZoneInfo) -> float | None:
    found = CLOCK.match(text)
    if found is None:
        return None
    day_word, hour, minute = found.group(1), int(found.group(2)), int(found.group(3))
    if hour > 23 or minute > 59:
        raise WhenError(f"`{text}` is not a time of day.")
    today = datetime.fromtimestamp(now, tz).date()
    day = today + timedelta(days=1) if day_word == "tomorrow" else today
    at = _local(day, time(hour, minute), tz)
    if day_word is None and at <= now:  # a bare time means its next occurrence
        at = _local(day + timedelta(days=1), time(hour, minute), tz)
    return at


def _local(day: date, clock: time, tz: ZoneInfo) -> float:
    return datetime.combine(day, clock, tzinfo=tz).timestamp()


def _iso(text: str, tz: ZoneInfo) -> float | None:
    candidate = text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d{2}-\d{2} ", text) else text
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.timestamp()
