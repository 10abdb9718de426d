"""`when:` for scheduled announcements: ISO times with a zone, relative times and wall-clock
times in the caller's zone, always confirmed in exact UTC; past, far-future and unreadable
times are refused with the forms that work."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bridge.announce.when import WhenError, parse_when

# Wednesday 2026-11-18 11:06:40 UTC (12:06:40 in Paris, 20:06:40 in Tokyo)
NOW = 1_795_000_000.0


def utc(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("in 2h", "UTC", "2026-11-18 13:06"),
        ("in 90m", "UTC", "2026-11-18 12:36"),
        ("in 1d 3h", "UTC", "2026-11-19 14:06"),
        ("in 2 hours 15 minutes", "UTC", "2026-11-18 13:21"),
        ("in 1w", "UTC", "2026-11-25 11:06"),
        ("tomorrow 18:00", "Europe/Paris", "2026-11-19 17:00"),
        ("today 18:00", "Europe/Paris", "2026-11-18 17:00"),
        ("18:00", "Asia/Tokyo", "2026-11-19 09:00"),  # 18:00 has passed in Tokyo: tomorrow
        ("23:30", "Asia/Tokyo", "2026-11-18 14:30"),
        ("2026-12-01T18:00+01:00", "Asia/Tokyo", "2026-12-01 17:00"),  # explicit zone wins
        ("2026-12-01 18:00Z", "Europe/Paris", "2026-12-01 18:00"),
        ("2026-12-01 18:00", "Europe/Paris", "2026-12-01 17:00"),  # no zone: the caller's
        ("2027-07-01 18:00", "Europe/Paris", "2027-07-01 16:00"),  # summer time
    ],
)
def test_accepted_forms(text: str, zone: str, expected: str) -> None:
    assert utc(parse_when(text, now=NOW, zone=zone).at) == expected


def test_the_confirmation_names_utc_and_the_local_time() -> None:
    due = parse_when("tomorrow 18:00", now=NOW, zone="Europe/Paris")
    assert due.describe() == "2026-11-19 17:00 UTC (2026-11-19 18:00 Europe/Paris)"
    assert parse_when("in 1h", now=NOW).describe() == "2026-11-18 12:06 UTC"


@pytest.mark.parametrize(
    ("text", "zone", "message"),
    [
        ("2020-01-01T10:00Z", "UTC", "has passed"),
        ("today 08:00", "UTC", "has passed"),
        ("in 400d", "UTC", "at most a year ahead"),
        ("next full moon", "UTC", "Cannot read the time"),
        ("in 3 fortnights", "UTC", "Unknown unit"),
        ("25:00", "UTC", "not a time of day"),
        ("", "UTC", "needs a time"),
        ("in 2h", "Mars/Olympus", "Unknown time zone"),
    ],
)
def test_refusals_say_why(text: str, zone: str, message: str) -> None:
    with pytest.raises(WhenError, match=message):
        parse_when(text, now=NOW, zone=zone)
