"""Split rendered text into parts no longer than a platform's limit (pure)."""

from __future__ import annotations


def split_text(text: str, limit: int) -> list[str]:
    """Prefer paragraph, then line, then word boundaries; never return an empty part.

    A code fence cut in two is closed at the end of one part and reopened in the next.
    """
    if limit < 16:
        raise ValueError("limit too small")
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = _cut_point(rest, limit - 4)
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip("\n")
        if head.count("```") % 2 == 1:
            head += "\n```"
            rest = "```\n" + rest
        if head:  # a cut through blank space only yields nothing to send
            parts.append(head)
    if rest.strip() or not parts:
        parts.append(rest)
    return parts


def _cut_point(text: str, limit: int) -> int:
    for separator in ("\n\n", "\n", " "):
        at = text.rfind(separator, limit // 2, limit)
        if at > 0:
            return at + len(separator)
    return limit
