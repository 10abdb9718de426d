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
    text = NOISE.sub("", text)
    text = SUFFIX.sub("", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = text.lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def match_key(artists: Sequence[str], title: str) -> str | None:
    """Normalised first artist + title: the fallback identity when no ISRC/UPC is known."""
    if not title or not artists:
        return None
    artist = normalise(artists[0])
    name = normalise(title)
    return f"{artist}|{name}" if artist and name else None
