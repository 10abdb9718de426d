"""When a group's digest is due (pure): its setting is a weekday and a wall-clock time in a zone
(stored in the group's settings as ``digest``); each week's digest covers the seven days before
its time and is named by the ISO week of its local date, so a group gets at most one a week."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bridge.announce.when import WhenError, zone_named
from bridge.digests.model import GRACE, WEEK

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
KEY = "digest"  # the group's settings key
CLOCK = re.compile(r"^(\d{1,2})[:h](\d{2})$")


class ScheduleError(ValueError):
    """A day or time that cannot be a digest's; the message says what works."""


@dataclass(frozen=True, slots=True)
class DigestSetting:
    day: int  # 0 = Monday
    hour: int
    minute: int
    zone: str
    since: float  # when it was set: no digest is due before it

    @property
    def clock(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"

    def describe(self) -> str:
        return f"every {DAYS[self.day].capitalize()} at {self.clock} ({self.zone})"

    def to_json(self) -> dict[str, Any]:
        return {"day": DAYS[self.day], "time": self.clock, "zone": self.zone, "since": self.since}


def parse_setting(day: str, clock: str, *, zone: str, now: float) -> DigestSetting:
    name = day.strip().lower()
    matches = [i for i, d in enumerate(DAYS) if len(name) >= 3 and d.startswith(name)]
    if len(matches) != 1:
        raise ScheduleError(f"`{day}` is not a day: use one of {', '.join(DAYS)}.")
    found = CLOCK.match(clock.strip())
    hour, minute = (int(found.group(1)), int(found.group(2))) if found else (-1, -1)
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ScheduleError(f"`{clock}` is not a time of day: use HH:MM, like `09:30`.")
    try:
        zone_named(zone)
    except WhenError as exc:
        raise ScheduleError(str(exc)) from exc
    return DigestSetting(matches[0], hour, minute, zone, now)


def setting_of(settings: Mapping[str, Any]) -> DigestSetting | None:
    """The group's digest setting, None when digests are off (or the stored one is broken)."""
    raw = settings.get(KEY)
    if not isinstance(raw, Mapping):
        return None
    try:
        stored = parse_setting(
            str(raw["day"]), str(raw["time"]), zone=str(raw["zone"]), now=float(raw["since"])
        )
    except (KeyError, TypeError, ValueError):
        return None
    return stored


def _occurrence(setting: DigestSetting, local: datetime, tz: ZoneInfo) -> datetime:
    """The setting's time on the week of ``local`` (the same Monday-to-Sunday week)."""
    day = local.date() + timedelta(days=setting.day - local.weekday())
    return datetime.combine(day, time(setting.hour, setting.minute), tz)


def last_due(setting: DigestSetting, now: float) -> float:
    """The latest time the digest was due at or before ``now``."""
    tz = ZoneInfo(setting.zone)
    local = datetime.fromtimestamp(now, UTC).astimezone(tz)
    at = _occurrence(setting, local, tz)
    if at.timestamp() > now:
        at = _occurrence(setting, local - timedelta(days=7), tz)
    return at.timestamp()


def next_due(setting: DigestSetting, now: float) -> float:
    """The first time the digest is due after ``now``."""
    tz = ZoneInfo(setting.zone)
    local = datetime.fromtimestamp(now, UTC).astimezone(tz)
    at = _occurrence(setting, local, tz)
    if at.timestamp() <= now:
        at = _occurrence(setting, local + timedelta(days=7), tz)
    return at.timestamp()


def week_of(setting: DigestSetting, due: float) -> str:
    """``2026-W50``: the ISO week of the digest's local date."""
    local = datetime.fromtimestamp(due, UTC).astimezone(ZoneInfo(setting.zone))
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True, slots=True)
class Due:
    """What the timer should do about a group's digest now."""

    week: str
    at: float  # its time
    send: bool  # True: send it now; False: too late (record it skipped)

    @property
    def since(self) -> float:
        return self.at - WEEK


def due_now(setting: DigestSetting, now: float, *, grace: float = GRACE) -> Due | None:
    """The week's digest when its time has come (after the setting was made), else None."""
    at = last_due(setting, now)
    if at < setting.since:
        return None
    return Due(week_of(setting, at), at, send=now - at <= grace)
