"""Bandcamp links (pure): every artist has a subdomain of bandcamp.com.

The rule takes a parsed URL on a host in ``HOSTS`` (any ``*.bandcamp.com``) and returns
(platform, kind, id), or None for anything that is not a catalog item.
"""

from __future__ import annotations

import re

from bridge.music.links.url import Found, Hosts, Url, item, matching

BANDCAMP_SUFFIX = ".bandcamp.com"
_SUBDOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
BANDCAMP_RESERVED = frozenset(
    {"www", "m", "daily", "blog", "get", "help", "api", "bandcamp", "f4", "t4", "s4", "merch"}
)
_BANDCAMP_SLUG = re.compile(r"[A-Za-z0-9-]{1,150}")


def bandcamp(url: Url) -> Found | None:
    """{sub}.bandcamp.com: the bare site or ``music`` (artist ``sub``), ``track/{slug}`` and
    ``album/{slug}`` (ids ``sub/track/slug``, ``sub/album/slug``). Custom domains are not
    recognisable without fetching them."""
    sub = url.host.removesuffix(BANDCAMP_SUFFIX)
    if sub in BANDCAMP_RESERVED or not _SUBDOMAIN.fullmatch(sub):
        return None
    segments = url.segments
    if segments in ((), ("music",)):
        return item("bandcamp", "artist", sub)
    if len(segments) != 2 or segments[0] not in ("track", "album"):
        return None
    slug = matching(_BANDCAMP_SLUG, segments[1])
    return item("bandcamp", segments[0], f"{sub}/{segments[0]}/{slug}" if slug else None)


# with a leading dot: every subdomain of bandcamp.com
HOSTS: Hosts = {BANDCAMP_SUFFIX: bandcamp}
