"""Stable keys for links and items (pure)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from bridge.music.model import MusicLink

NOISE = re.compile(
    r"\s*[\(\[](?:feat\.?|ft\.?|with|official|lyric|audio|video|visualizer|remaster)[^\)\]]*[\)\]]",
    re.I,
)
ARTIST_SPLIT = re.compile(r"\s*(?:,|&|\bfeat\.?|\bft\.?|\bx\b|\band\b)\s+", re.I)
SUFFIX = re.compile(r"\s+-\s+(?:remaster(?:ed)?|radio edit|single version|\d{4} remaster).*$", re.I)


def link_key(link: MusicLink) -> str:
    if link.short_link or link.kind is None or link.id is None:
        return f"short:{link.url}"
    return f"{link.platform}:{link.kind}:{link.id}"


def parse_key(key: str) -> tuple[str, str, str] | None:
    """(platform, kind, id) of a catalog key; None for a short link key."""
    if key.startswith("short:"):
        return None
    platform, kind, item_id = key.split(":", 2)
    return platform, kind, item_id


def normalise(text: str) -> str:
    """Case, accents, punctuation and version noise removed; any script is kept (a Japanese
    title normalises to itself, not to nothing)."""
    text = NOISE.sub("", text)
    text = SUFFIX.sub("", text)
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    text = unicodedata.normalize("NFKC", text).casefold().replace("&", " and ")
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def first_artist(artists: Sequence[str]) -> str:
    """Some services give "A, B" or "A & B" as one artist string: the first name is what
    matches across services."""
    return ARTIST_SPLIT.split(artists[0], maxsplit=1)[0] if artists else ""


def match_key(artists: Sequence[str], title: str) -> str | None:
    """Normalised first artist + title: the fallback identity when no ISRC/UPC is known."""
    if not title or not artists:
        return None
    artist = normalise(first_artist(artists))
    name = normalise(title)
    return f"{artist}|{name}" if artist and name else None
