"""Bandcamp pages (no API): the Open Graph tags and the schema.org JSON-LD block of
``https://<sub>.bandcamp.com/track/<slug>`` / ``/album/<slug>`` / the artist's root page,
fetched through the guarded client and parsed with the standard library's ``html.parser``.

``og:title`` is ``"<title>, by <artist>"``, ``og:type`` is ``song`` / ``album`` / ``band``; the
JSON-LD gives ``name``, ``byArtist.name``, ``inAlbum.name`` and ``duration`` (ISO 8601; Bandcamp
writes it as ``P00H03M48S``).
"""

from __future__ import annotations

import contextlib
import json
import re
from html.parser import HTMLParser
from typing import Any

from adapters.music.common import fetch_text, text
from adapters.music.http import GuardedHttp
from bridge.music.model import Metadata

OG_TYPES = {"track": ("song",), "album": ("album",), "artist": ("band", "profile", "website")}
ID_RE = re.compile(r"^([a-z0-9-]+)(?:/(track|album)/([a-z0-9-]+))?$", re.IGNORECASE)
DURATION_RE = re.compile(
    r"^P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$", re.IGNORECASE
)
BY = ", by "


class PageTags(HTMLParser):
    """``<meta property|name content>`` tags and ``application/ld+json`` blocks of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.ld: list[Any] = []
        self._ld_parts: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta":
            key = values.get("property") or values.get("name")
            if key and values.get("content") is not None and key not in self.meta:
                self.meta[key] = str(values["content"])
        elif tag == "script" and (values.get("type") or "").lower() == "application/ld+json":
            self._ld_parts = []

    def handle_data(self, data: str) -> None:
        if self._ld_parts is not None:
            self._ld_parts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._ld_parts is not None:
            with contextlib.suppress(ValueError):
                self.ld.append(json.loads("".join(self._ld_parts)))
            self._ld_parts = None


def parse_duration(value: Any) -> int | None:
    """Milliseconds from an ISO 8601 duration (``PT3M48S``, Bandcamp's ``P00H03M48S``)."""
    match = DURATION_RE.match(value.strip()) if isinstance(value, str) else None
    if match is None or not any(match.groups()):
        return None
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    return int(total * 1000) or None


def page_url(item_id: str) -> str | None:
    match = ID_RE.match(item_id)
    if match is None:
        return None
    sub, kind, slug = match.groups()
    return f"https://{sub.lower()}.bandcamp.com/" + (f"{kind}/{slug}" if kind else "")


def _ld(tags: PageTags) -> dict[str, Any]:
    return next((d for d in tags.ld if isinstance(d, dict) and d.get("name")), {})


def _name_of(value: Any) -> str | None:
    return text(value.get("name")) if isinstance(value, dict) else None


def _title_artist(tags: PageTags, ld: dict[str, Any]) -> tuple[str, str | None]:
    og_title = tags.meta.get("og:title", "")
    head, _, tail = og_title.rpartition(BY) if BY in og_title else (og_title, "", "")
    title = text(ld.get("name")) or text(head) or ""
    artist = _name_of(ld.get("byArtist")) or text(tail) or text(tags.meta.get("og:site_name"))
    return title, artist


def _album_duration(ld: dict[str, Any]) -> int | None:
    elements = (ld.get("track") or {}).get("itemListElement") if isinstance(ld, dict) else None
    if not isinstance(elements, list) or not elements:
        return None
    lengths = [parse_duration((e.get("item") or {}).get("duration")) for e in elements]
    return sum(x for x in lengths if x) if all(lengths) else None


def page_metadata(kind: str, item_id: str, url: str, html: str) -> Metadata | None:
    tags = PageTags()
    tags.feed(html)
    tags.close()
    if tags.meta.get("og:type", "").lower() not in OG_TYPES[kind]:
        return None
    ld = _ld(tags)
    title, artist = _title_artist(tags, ld)
    if not title:
        return None
    duration = parse_duration(ld.get("duration")) if kind == "track" else _album_duration(ld)
    return Metadata(
        platform="bandcamp",
        kind=kind,
        id=item_id,
        url=text(tags.meta.get("og:url")) or url,
        title=title,
        artists=(artist,) if artist else (),
        album=_name_of(ld.get("inAlbum")),
        duration_ms=duration if kind != "artist" else None,
        artwork_url=text(tags.meta.get("og:image")),
    )


class BandcampProvider:
    """MusicProvider for Bandcamp permalink ids: ``sub/track/slug``, ``sub/album/slug``, ``sub``."""

    platform = "bandcamp"

    def __init__(self, http: GuardedHttp) -> None:
        self._http = http

    async def lookup(self, kind: str, item_id: str, url: str) -> Metadata | None:
        target = page_url(item_id)
        if kind not in OG_TYPES or target is None:
            return None
        html = await fetch_text(self._http, target)
        return page_metadata(kind, item_id, target, html) if html else None
