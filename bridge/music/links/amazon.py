"""Amazon Music links (pure): music.amazon.{tld} and the store's web player, in each store's
country domain.

Each rule takes a parsed URL on one of the hosts in ``HOSTS`` and returns (platform, kind, id), or
None for anything that is not a catalog item.
"""

from __future__ import annotations

import re

from bridge.music.links.url import Found, Hosts, Url, item, matching

ASIN = re.compile(r"[0-9A-Z]{10}")
AMAZON_TLDS = (
    "com", "ca", "com.mx", "com.br", "co.uk", "de", "fr", "it", "es", "in", "co.jp", "com.au",
)  # fmt: skip
_AMAZON_KINDS = {"albums": "album", "tracks": "track", "playlists": "playlist", "artists": "artist"}


def amazon_music(url: Url) -> Found | None:
    """music.amazon.{tld}: ``{albums|tracks|playlists|artists}/{ASIN}[/{slug}]``; an album URL
    with ``trackAsin`` is that track."""
    return _amazon(url.segments, url)


def amazon_player(url: Url) -> Found | None:
    """(www.)amazon.{tld}/music/player/…: the same paths under the store's web player."""
    if url.segments[:2] != ("music", "player"):
        return None
    return _amazon(url.segments[2:], url)


def _amazon(segments: tuple[str, ...], url: Url) -> Found | None:
    if len(segments) not in (2, 3) or segments[0] not in _AMAZON_KINDS:
        return None
    kind = _AMAZON_KINDS[segments[0]]
    if kind == "album" and "trackAsin" in url.query:
        return item("amazon_music", "track", matching(ASIN, url.query["trackAsin"]))
    return item("amazon_music", kind, matching(ASIN, segments[1]))


HOSTS: Hosts = {
    host: rule
    for tld in AMAZON_TLDS
    for host, rule in (
        (f"music.amazon.{tld}", amazon_music),
        (f"amazon.{tld}", amazon_player),
        (f"www.amazon.{tld}", amazon_player),
    )
}
