"""The words of `/fangroup poll <question> | <option> | <option> ... [duration:<1h|2d|...>]
[anonymous] [blind]` (Slack sends them as one text; Discord as separate options): the question,
the options, and the flags, read from the end of the text."""

from __future__ import annotations

import re
from dataclasses import dataclass

FLAG = re.compile(r"\s+(?:duration[:=]\s*(?P<duration>\S+)|(?P<flag>anonymous|blind))\s*$", re.I)


@dataclass(frozen=True, slots=True)
class PollText:
    question: str
    options: tuple[str, ...]
    duration: str = ""
    anonymous: bool = False
    blind: bool = False


def split_options(text: str) -> tuple[str, ...]:
    """``a | b | c`` as its options (empty ones left out)."""
    return tuple(part.strip() for part in text.split("|") if part.strip())


def parse_poll_text(text: str) -> PollText:
    """``Best album? | A | B duration:2d anonymous`` (the flags may come in any order at the
    end, after the last option)."""
    rest = " " + text.strip()
    duration, anonymous, blind = "", False, False
    while found := FLAG.search(rest):
        if found.group("duration"):
            duration = duration or found.group("duration")
        elif found.group("flag").lower() == "anonymous":
            anonymous = True
        else:
            blind = True
        rest = rest[: found.start()]
    parts = split_options(rest)
    question = parts[0] if parts else ""
    return PollText(question, parts[1:], duration, anonymous, blind)


def as_args(parsed: PollText) -> dict[str, str]:
    """The command's arguments, as Discord's options give them."""
    return {
        "question": parsed.question,
        "options": " | ".join(parsed.options),
        "duration": parsed.duration,
        "anonymous": "true" if parsed.anonymous else "",
        "blind": "true" if parsed.blind else "",
    }
