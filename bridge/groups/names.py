"""How display names are compared, so that no one can pass for the bots or a verified artist.

Two names are the same person to a reader when their `name_key`s are equal: both are NFKC
normalised, stripped of invisible characters (Unicode format characters, category Cf: zero-width
spaces and joiners, word joiner, BOM, bidi controls; and the other default-ignorable ones:
variation selectors, fillers), reduced to their Unicode TS #39 confusable skeleton, case folded
(Latin case never tells two keys apart: ``FANBRIDGE`` meets ``FanBridge``, although ``I`` reads
as ``l``) and stripped of whitespace. Cyrillic ``FаnBridge``, ``FanBridge\\u200b`` and
``Fan Bridge`` all have the key of ``FanBridge``. `shows_badge` tells whether a name imitates a
badge such as ``✔ artist``, with any check mark before its word.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bridge.groups.confusables import PROTOTYPES

CHECK_MARKS = "✓✔☑✅🗸🗹√\U00010102"
"""Check mark, heavy check mark, ballot box with check, white heavy check mark, light check mark,
ballot box with bold check, square root, Aegean check mark."""

_IGNORABLE = frozenset(
    {
        *(0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0, 0x2800),
        *range(0x180B, 0x1810),  # Mongolian free variation selectors
        *range(0xFE00, 0xFE10),  # variation selectors (emoji presentation)
        *range(0xE0100, 0xE01F0),  # variation selectors supplement
    }
)
"""Invisible characters outside category Cf: combining grapheme joiner, Hangul and Khmer fillers,
variation selectors, braille blank."""


def _prototype_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for entry in PROTOTYPES.split():
        prototype, sources = entry.split("<")
        value = "".join(chr(int(cp, 16)) for cp in prototype.split("+"))
        table.update((int(cp, 16), value) for cp in sources.split(","))
    return table


_PROTOTYPES = _prototype_table()


def visible(name: str) -> str:
    """``name`` without its invisible characters (format characters and default ignorables)."""
    return "".join(c for c in name if unicodedata.category(c) != "Cf" and ord(c) not in _IGNORABLE)


def skeleton(name: str) -> str:
    """The confusable skeleton of Unicode TS #39: NFD, every character replaced by its
    prototype, NFD again. Names that look alike have the same skeleton (``раураl`` in Cyrillic
    and ``paypal``), case aside: ``I`` and ``l`` share one, ``i`` does not."""
    mapped = unicodedata.normalize("NFD", name).translate(_PROTOTYPES)
    return unicodedata.normalize("NFD", mapped)


def _folded_skeleton(text: str) -> str:
    """The skeleton taken before and after case folding: before, so that a Greek capital eta
    still reads as ``H``; after, so that ``MAX`` meets ``max``, which reads as ``rnax``."""
    return skeleton(skeleton(text).casefold()).casefold()


def _case_table() -> dict[int, str]:
    """Lower-case letters whose capital reads as something else (``i``: ``I`` reads as ``l``),
    mapped to what the capital reads as, so that case never tells two keys apart."""
    table: dict[int, str] = {}
    for source in _PROTOTYPES:
        lower = chr(source).casefold()
        if len(lower) == 1 and _folded_skeleton(lower) == lower:
            capital = _folded_skeleton(lower.upper())
            if capital != lower:
                table[ord(lower)] = capital
    for _ in range(len(table)):  # to a fixed point: a capital may read as another such letter
        mapped = {cp: value.translate(table) for cp, value in table.items()}
        if mapped == table:
            break
        table = mapped
    return table


_CASE = _case_table()


@lru_cache(maxsize=4096)
def name_key(name: str) -> str:
    """The form in which names are compared (see the module's docstring)."""
    text = unicodedata.normalize("NFKC", visible(name))
    return "".join(_folded_skeleton(text).translate(_CASE).split())


def contains(name: str, part: str) -> bool:
    """``part`` appears in ``name`` once both are compared by their keys."""
    key = name_key(part)
    return bool(key) and key in name_key(name)


@lru_cache(maxsize=16)
def _badge_pattern(badge: str) -> re.Pattern[str]:
    word = name_key(badge.lstrip(CHECK_MARKS + " "))
    marks = sorted({name_key(c) for c in CHECK_MARKS + badge[:1]} - {""})
    imitation = "(?:" + "|".join(map(re.escape, marks)) + r")\W*" + re.escape(word)
    return re.compile(f"{re.escape(name_key(badge))}|{imitation}")


def shows_badge(name: str, badge: str) -> bool:
    """``name`` contains ``badge`` (``✔ artist``), or any check mark followed by the badge's word
    (``☑️ Artist``, ``✓·artist``), compared by their keys."""
    return _badge_pattern(badge).search(name_key(name)) is not None
