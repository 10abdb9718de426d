"""Spotify links (pure): open.spotify.com and its share, embed and URI forms.

Each rule takes a parsed URL on one of the hosts in ``HOSTS`` and returns (platform, kind, id), a
short link, or None for anything that is not a catalog item (podcasts, profiles, search...).
"""

from __future__ import annotations

import re

from bridge.music.links.url import KINDS, Found, Hosts, Url, item, matching, short

SPOTIFY_ID = re.compile(r"[0-9A-Za-z]{22}")
_INTL = re.compile(r"intl-[a-z]{2,3}(?:[-_][a-z]{2,4})?", re.I)


def spotify(url: Url) -> Found | None:
    """open.spotify.com and play.spotify.com: ``[intl-xx/][embed/]{kind}/{id}``, the legacy
    ``user/{name}/playlist/{id}``, and the ``s/{token}`` short form."""
    segments = url.segments
    while segments[:1] and (segments[0] == "embed" or _INTL.fullmatch(segments[0])):
        segments = segments[1:]  # the locale and the embed player, in either order
    if len(segments) == 2 and segments[0] == "s":
        return short("spotify", segments[1])
    if len(segments) == 4 and segments[0] == "user" and segments[2] == "playlist":
        segments = segments[2:]
    if len(segments) < 2 or segments[0] not in KINDS:
        return None
    if len(segments) > 2 and segments[0] != "artist":  # an artist's sub-pages are the artist
        return None
    return item("spotify", segments[0], matching(SPOTIFY_ID, segments[1]))


def spotify_short(url: Url) -> Found | None:
    """spotify.link/{token} and link.tospotify.com/{token}."""
    return short("spotify", url.segments[0]) if len(url.segments) == 1 else None


def spotify_embed(url: Url) -> Found | None:
    """The old embed.spotify.com/?uri=spotify:track:{id} player."""
    return spotify_uri(url.query.get("uri", "")) if not url.segments else None


def spotify_uri(uri: str) -> Found | None:
    """``spotify:{kind}:{id}`` and the legacy ``spotify:user:{name}:playlist:{id}``."""
    parts = uri.split(":")
    if len(parts) == 5 and parts[1] == "user" and parts[3] == "playlist":
        parts = [parts[0], *parts[3:]]
    if len(parts) != 3 or parts[0] != "spotify" or parts[1] not in KINDS:
        return None
    return item("spotify", parts[1], matching(SPOTIFY_ID, parts[2]))


HOSTS: Hosts = {
    "open.spotify.com": spotify,
    "play.spotify.com": spotify,
    "embed.spotify.com": spotify_embed,
    "spotify.link": spotify_short,
    "link.tospotify.com": spotify_short,
}
