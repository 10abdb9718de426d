"""Lengths of time as people type them, read one way by every command (timeout, purge, invite
expiry, `/announce when:in ...`): every form the three older readers accepted still works, and
bad input is refused with why and what works."""

from __future__ import annotations

import pytest

from bridge.durations import (
    DurationError,
    describe_duration,
    parse_duration,
    read_duration,
    split_duration,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        # what /fangroup timeout and purge read before
        ("30s", 30),
        ("10m", 600),
        ("2h", 7200),
        ("1d", 86400),
        ("999999s", 999999),
        # what invite expiries read before
        ("12h", 43200),
        ("2w", 1_209_600),
        # what /announce when:in ... read before
        ("90m", 5400),
        ("1d 3h", 97200),
        ("2 hours 15 minutes", 8100),
        ("45 minutes", 2700),
        ("1 week", 604800),
        ("3 hrs", 10800),
        # the same everywhere now
        ("1h30m", 5400),
        ("90 sec", 90),
        ("1 Day", 86400),
        ("  10M  ", 600),
    ],
)
def test_accepted_forms(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_a_bare_number_is_read_in_the_unit_the_command_names() -> None:
    assert parse_duration("2", bare="d") == 2 * 86400
    with pytest.raises(DurationError, match="needs a unit"):
        parse_duration("2")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "A length of time is needed"),
        ("soon", "is not a length of time"),
        ("ten minutes", "is not a length of time"),
        ("1.5h", "is not a length of time"),
        ("-5m", "is not a length of time"),
        ("1234567m", "is not a length of time"),  # 7 digits
        ("3 fortnights", "Unknown unit `fortnights`"),
        ("10mo", "Unknown unit `mo`"),
        ("0m", "no time at all"),
        ("0h 0m", "no time at all"),
    ],
)
def test_refusals_say_why_and_show_what_works(text: str, why: str) -> None:
    with pytest.raises(DurationError, match=why) as refused:
        parse_duration(text)
    assert "`10m`" in str(refused.value) or "s, m, h, d or w" in str(refused.value)
    assert read_duration(text) is None


def test_a_refusal_never_lets_the_text_close_its_backticks_or_form_a_mention() -> None:
    with pytest.raises(DurationError) as refused:
        parse_duration("`<@U123>`")
    assert "<@" not in str(refused.value) and "``" not in str(refused.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10m flooding", ("10m", "flooding")),
        ("1h30m spam and more", ("1h30m", "spam and more")),
        ("2 hours spam", ("2 hours", "spam")),
        ("1d 3h", ("1d 3h", "")),
        ("soon", ("", "soon")),
        ("spam 10m", ("", "spam 10m")),
        ("", ("", "")),
    ],
)
def test_a_reason_after_the_length_of_time_is_split_off(
    text: str, expected: tuple[str, str]
) -> None:
    assert split_duration(text) == expected


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (7 * 86400, "7 days"),
        (86400, "1 day"),
        (7200, "2 hours"),
        (5400, "90 minutes"),
        (61, "61 seconds"),
    ],
)
def test_a_length_of_time_is_described_in_its_largest_whole_unit(
    seconds: float, shown: str
) -> None:
    assert describe_duration(seconds) == shown
