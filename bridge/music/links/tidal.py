"""Tidal links (pure).

The rule takes a parsed URL on one of the hosts in ``HOSTS`` and returns (platform, kind, id), or
None for anything that is not a catalog item.
"""

from __future__ import annotations

import re

from bridge.music.links.url import Found, Hosts, Url, item, matching, numeric

TIDAL_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_TIDAL_NUMERIC = frozenset({"track", "album", "artist"})


def tidal(url: Url) -> Found | None:
    """tidal.com, listen.tidal.com: ``[browse/]{track|album|artist}/{digits}[/u]``,
    ``album/{digits}/track/{digits}`` (that track), ``playlist/{uuid}``."""
    segments = url.segments
    if segments[:1] == ("browse",):
        segments = segments[1:]
    if segments[-1:] == ("u",):  # the share sheet's "universal link" suffix
        segments = segments[:-1]
    if len(segments) == 4 and segments[0] == "album" and segments[2] == "track":
        segments = segments[2:]
    if len(segments) != 2:
        return None
    kind, ident = segments
    if kind in _TIDAL_NUMERIC:
        return item("tidal", kind, numeric(ident))
    return item("tidal", "playlist", matching(TIDAL_UUID, ident)) if kind == "playlist" else None


HOSTS: Hosts = {
    "tidal.com": tidal,
    "www.tidal.com": tidal,
    "listen.tidal.com": tidal,
}
