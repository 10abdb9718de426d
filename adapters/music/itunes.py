"""Apple Music ids through the iTunes Lookup API (keyless): ``/lookup?id=`` for songs and artists,
``&entity=song`` for albums (their songs give the duration), ``?upc=`` for albums by barcode.

iTunes answers JSON as ``text/javascript`` (parsed without a content-type check), gives no ISRC,
and answers HTTP 403 when its ~20 calls per minute are exceeded (-> ProviderUnavailable). Apple
Music playlists (``pl.…``) have no keyless lookup: they stay "link only".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from yarl import URL

from adapters.music.common import DIGITS_RE, UPC_RE, fetch_json, text
from adapters.music.http import GuardedHttp
from bridge.music.model import Metadata

API = "https://itunes.apple.com/lookup"
WRAPPERS = {"track": "track", "album": "collection", "artist": "artist"}
ENTITIES = {"album": "song"}


def country_of(url: str) -> str | None:
    """The store front of an Apple Music URL (``music.apple.com/gb/...`` -> ``gb``)."""
    try:
        segments = [s for s in URL(url).path.split("/") if s]
    except ValueError:
        return None
    first = segments[0].lower() if segments else ""
    return first if len(first) == 2 and first.isascii() and first.isalpha() else None


def _clean(url: Any) -> str | None:
    """A store URL without the ``uo`` affiliate/tracking parameter."""
    value = text(url)
    if value is None:
        return None
    parsed = URL(value)
    return str(parsed.without_query_params("uo")) if "uo" in parsed.query else value


def _artwork(row: dict[str, Any]) -> str | None:
    small = text(row.get("artworkUrl100"))
    return small.replace("100x100bb", "600x600bb") if small else None


def song_metadata(row: dict[str, Any], songs: list[dict[str, Any]]) -> Metadata:
    return Metadata(
        platform="apple_music",
        kind="track",
        id=str(row["trackId"]),
        url=_clean(row.get("trackViewUrl")) or f"https://music.apple.com/song/{row['trackId']}",
        title=str(row.get("trackName") or ""),
        artists=(row["artistName"],) if text(row.get("artistName")) else (),
        album=text(row.get("collectionName")),
        duration_ms=row.get("trackTimeMillis") or None,
        artwork_url=_artwork(row),
    )


def album_metadata(row: dict[str, Any], songs: list[dict[str, Any]]) -> Metadata:
    lengths = [int(s.get("trackTimeMillis") or 0) for s in songs]
    complete = bool(lengths) and len(lengths) == row.get("trackCount") and all(lengths)
    return Metadata(
        platform="apple_music",
        kind="album",
        id=str(row["collectionId"]),
        url=_clean(row.get("collectionViewUrl"))
        or f"https://music.apple.com/album/{row['collectionId']}",
        title=str(row.get("collectionName") or ""),
        artists=(row["artistName"],) if text(row.get("artistName")) else (),
        duration_ms=sum(lengths) if complete else None,
        artwork_url=_artwork(row),
    )


def artist_metadata(row: dict[str, Any], songs: list[dict[str, Any]]) -> Metadata:
    name = str(row.get("artistName") or "")
    link = _clean(row.get("artistLinkUrl") or row.get("artistViewUrl"))
    return Metadata(
        platform="apple_music",
        kind="artist",
        id=str(row["artistId"]),
        url=link or f"https://music.apple.com/artist/{row['artistId']}",
        title=name,
        artists=(name,) if name else (),
    )


CONVERTERS: dict[str, Callable[[dict[str, Any], list[dict[str, Any]]], Metadata]] = {
    "track": song_metadata,
    "album": album_metadata,
    "artist": artist_metadata,
}


def pick(data: Any, kind: str) -> Metadata | None:
    """The result of the wanted kind (and an album's songs) from a lookup answer."""
    rows = data.get("results") if isinstance(data, dict) else None
    rows = [r for r in rows or [] if isinstance(r, dict)]
    main = next((r for r in rows if r.get("wrapperType") == WRAPPERS[kind]), None)
    if main is None:
        return None
    songs = [r for r in rows if r.get("wrapperType") == "track" and r is not main]
    return CONVERTERS[kind](main, songs)


class ItunesProvider:
    """MusicProvider for Apple Music ids; finds albums by UPC (iTunes has no ISRC lookup)."""

    platform = "apple_music"

    def __init__(self, http: GuardedHttp) -> None:
        self._http = http

    async def lookup(self, kind: str, item_id: str, url: str) -> Metadata | None:
        if kind not in WRAPPERS or not DIGITS_RE.match(item_id):
            return None
        params = {"id": item_id}
        if kind in ENTITIES:
            params["entity"] = ENTITIES[kind]
        country = country_of(url)
        if country:
            params["country"] = country
        return pick(await fetch_json(self._http, API, params=params), kind)

    async def by_isrc(self, isrc: str) -> Metadata | None:
        return None

    async def by_upc(self, upc: str) -> Metadata | None:
        upc = upc.strip()
        if not UPC_RE.match(upc):
            return None
        found = pick(await fetch_json(self._http, API, params={"upc": upc}), "album")
        return None if found is None else replace(found, upc=upc)
