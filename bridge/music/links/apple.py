"""Apple Music links (pure): music.apple.com and the iTunes forms.

The rule takes a parsed URL on one of the hosts in ``HOSTS`` and returns (platform, kind, id), or
None for anything that is not a catalog item.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from bridge.music.links.url import Found, Hosts, Url, item, matching

Segments = tuple[str, ...]

_STOREFRONT = re.compile(r"[a-z]{2}")
APPLE_ID = re.compile(r"(?:id)?([1-9][0-9]{0,19})")
APPLE_PLAYLIST = re.compile(r"pl\.[A-Za-z0-9-]{6,64}")


def _apple_id(value: str) -> str | None:
    match = APPLE_ID.fullmatch(value)
    return match.group(1) if match else None


def _apple_album(ident: str, query: Mapping[str, str]) -> Found | None:
    album = _apple_id(ident)
    if album is not None and "i" in query:  # an album URL pointing at one of its songs
        return item("apple_music", "track", _apple_id(query["i"]))
    return item("apple_music", "album", album)


def _apple_song(ident: str, query: Mapping[str, str]) -> Found | None:
    return item("apple_music", "track", _apple_id(ident))


def _apple_playlist(ident: str, query: Mapping[str, str]) -> Found | None:
    return item("apple_music", "playlist", matching(APPLE_PLAYLIST, ident))


def _apple_artist(ident: str, query: Mapping[str, str]) -> Found | None:
    return item("apple_music", "artist", _apple_id(ident))


_APPLE_KINDS: dict[str, Callable[[str, Mapping[str, str]], Found | None]] = {
    "album": _apple_album,
    "song": _apple_song,
    "playlist": _apple_playlist,
    "artist": _apple_artist,
}


def apple(url: Url) -> Found | None:
    """music.apple.com, geo.music.apple.com, embed.music.apple.com and itunes.apple.com:
    ``[{storefront}/]{album|song|playlist|artist}/[{slug}/]{id}``, ids optionally ``id``-prefixed
    (the iTunes form); ``album/…?i={song}`` is that song."""
    segments: Segments = url.segments
    if segments[:1] and _STOREFRONT.fullmatch(segments[0]):
        segments = segments[1:]
    if len(segments) not in (2, 3):
        return None
    rule = _APPLE_KINDS.get(segments[0])
    return rule(segments[-1], url.query) if rule is not None else None


HOSTS: Hosts = {
    "music.apple.com": apple,
    "geo.music.apple.com": apple,
    "embed.music.apple.com": apple,
    "itunes.apple.com": apple,
    "geo.itunes.apple.com": apple,
}
