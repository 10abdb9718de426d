"""Deezer links (pure): deezer.com and its share links.

Each rule takes a parsed URL on one of the hosts in ``HOSTS`` and returns (platform, kind, id), a
short link, or None for anything that is not a catalog item.
"""

from __future__ import annotations

import re

from bridge.music.links.url import KINDS, Found, Hosts, Url, item, numeric, short

_LANGUAGE = re.compile(r"[a-z]{2}(?:-[a-z]{2})?")


def deezer(url: Url) -> Found | None:
    """www.deezer.com / deezer.com: ``[{lang}/]{track|album|playlist|artist}/{digits}``."""
    segments = url.segments
    if segments[:1] and _LANGUAGE.fullmatch(segments[0]):
        segments = segments[1:]
    if len(segments) != 2 or segments[0] not in KINDS:
        return None
    return item("deezer", segments[0], numeric(segments[1]))


def deezer_page_link(url: Url) -> Found | None:
    """deezer.page.link/{token} and dzr.page.link/{token} (Firebase dynamic links)."""
    return short("deezer", url.segments[0]) if len(url.segments) == 1 else None


def deezer_link(url: Url) -> Found | None:
    """link.deezer.com/s/{token}, Deezer's current share link."""
    segments = url.segments
    return short("deezer", segments[1]) if len(segments) == 2 and segments[0] == "s" else None


HOSTS: Hosts = {
    "deezer.com": deezer,
    "www.deezer.com": deezer,
    "deezer.page.link": deezer_page_link,
    "dzr.page.link": deezer_page_link,
    "link.deezer.com": deezer_link,
}
