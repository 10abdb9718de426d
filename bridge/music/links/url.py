"""A candidate URL taken apart for the link rules (pure), and the values the rules return."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

# (platform, kind, id): kind and id are None for a short link (a redirector).
Found = tuple[str, str | None, str | None]
KINDS = frozenset({"track", "album", "playlist", "artist"})
DIGITS = re.compile(r"[1-9][0-9]{0,19}")
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")  # the opaque part of a short link
_DEFAULT_PORTS = frozenset({None, 80, 443})
_MAX_QUERY = 4096  # a music link's query is short; a longer one is not worth parsing whole


@dataclass(frozen=True, slots=True)
class Url:
    host: str  # lower case, without a trailing dot
    segments: tuple[str, ...]  # the non-empty path segments, as written
    query: Mapping[str, str]  # the first value of each query parameter


Rule = Callable[[Url], Found | None]
# A platform's hosts, each with the rule for URLs on it (each platform module exports one as
# ``HOSTS``). A host written with a leading dot stands for all its subdomains (``.bandcamp.com``).
Hosts = Mapping[str, Rule]


def parse_url(raw: str) -> Url | None:
    """``raw`` taken apart; None unless it is an http(s) URL with a plain host (no user info,
    no unusual port)."""
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or port not in _DEFAULT_PORTS:
        return None
    if "@" in parts.netloc or "\\" in parts.netloc:
        return None
    host = (parts.hostname or "").removesuffix(".")
    if not host:
        return None
    segments = tuple(segment for segment in parts.path.split("/") if segment)
    return Url(host, segments, _query(parts.query))


def _query(query: str) -> dict[str, str]:
    if not query:
        return {}
    values: dict[str, str] = {}
    for key, value in parse_qsl(query[:_MAX_QUERY], keep_blank_values=True):
        values.setdefault(key, value)
    return values


def item(platform: str, kind: str, item_id: str | None) -> Found | None:
    """A catalog item, or None when its id is missing."""
    return (platform, kind, item_id) if item_id else None


def short(platform: str, token: str) -> Found | None:
    """A short link, when its opaque token looks like one."""
    return (platform, None, None) if TOKEN.fullmatch(token) else None


def matching(pattern: re.Pattern[str], value: str | None) -> str | None:
    """``value`` when the whole of it matches ``pattern``."""
    return value if value is not None and pattern.fullmatch(value) else None


def numeric(value: str | None) -> str | None:
    return matching(DIGITS, value)
