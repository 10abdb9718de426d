"""What handling one event came to: handled, ignored (with why), or a reply to the person."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Handled:
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Ignored:
    reason: str


@dataclass(frozen=True, slots=True)
class Reply:
    """A command's answer; ``ephemeral`` replies are shown to the caller only."""

    text: str
    ephemeral: bool = True


Outcome = Handled | Ignored | Reply
