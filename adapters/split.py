"""Split rendered text into parts no longer than a platform's limit (pure)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

FENCE_ROOM = 4  # "\n```": a code fence cut in two is closed at the end of a part


@dataclass(frozen=True, slots=True)
class Split:
    """At most ``max_parts`` parts, and the text that did not fit in them (``rest``, empty when
    everything did): one message never floods the other side, the rest goes as a file."""

    parts: list[str]
    rest: str = ""


def split_text(text: str, limit: int) -> list[str]:
    """Prefer paragraph, then line, then word boundaries; never return an empty part.

    A code fence cut in two is closed at the end of one part and reopened in the next.
    """
    return split_capped(text, limit, max_parts=sys.maxsize).parts


def split_capped(text: str, limit: int, *, max_parts: int, reserve: int = 0) -> Split:
    """Like ``split_text``, but at most ``max_parts`` parts. When the text needs more, the last
    part leaves ``reserve`` characters free (for a note such as "continued in message.txt") and
    everything after it is ``rest``, exactly as it was (a cut code fence is reopened there)."""
    if limit - reserve < 16 or max_parts < 1:
        raise ValueError("limit too small")
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        last = len(parts) == max_parts - 1
        head, rest = _take(rest, limit - (reserve if last else 0))
        if head:  # a cut through blank space only yields nothing to send
            parts.append(head)
        if last and head:
            return Split(parts, rest if rest.strip() else "")
    if rest.strip() or not parts:
        parts.append(rest)
    return Split(parts)


def _take(text: str, limit: int) -> tuple[str, str]:
    """The head of ``text`` within ``limit`` (a cut fence closed) and what follows it."""
    cut = _cut_point(text, limit - FENCE_ROOM)
    head, rest = text[:cut].rstrip(), text[cut:].lstrip("\n")
    if head.count("```") % 2 == 1:
        head += "\n```"
        rest = "```\n" + rest
    return head, rest


def _cut_point(text: str, limit: int) -> int:
    for separator in ("\n\n", "\n", " "):
        at = text.rfind(separator, limit // 2, limit)
        if at > 0:
            return at + len(separator)
    return limit
