"""Deezer's public API (keyless): ``/track/{id}``, ``/album/{id}``, ``/playlist/{id}``,
``/artist/{id}``; ISRC via ``/track/isrc:{ISRC}``, UPC via ``/album/upc:{UPC}``.

Deezer answers errors with HTTP 200 and ``{"error": {"type", "message", "code"}}``: code 800 (no
data) and 500 (wrong parameter) mean "not there"; code 4 (quota, 50 requests per 5 s) and
anything else mean "try later".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapters.music.common import DIGITS_RE, ISRC_RE, UPC_RE, fetch_json, names, seconds_to_ms, text
from adapters.music.http import GuardedHttp
from bridge.music.model import Metadata, ProviderUnavailable

API = "https://api.deezer.com"
NOT_THERE = frozenset({800, 500, 501})
QUOTA = 4
QUOTA_WINDOW = 5.0


def _url(data: dict[str, Any], kind: str) -> str:
    return text(data.get("link")) or f"https://www.deezer.com/{kind}/{data['id']}"


def _artists(data: dict[str, Any]) -> tuple[str, ...]:
    found = names(data.get("contributors"))
    if found:
        return found
    artist = data.get("artist") or {}
    return (artist["name"],) if text(artist.get("name")) else ()


def track_metadata(data: dict[str, Any]) -> Metadata:
    album = data.get("album") or {}
    return Metadata(
        platform="deezer",
        kind="track",
        id=str(data["id"]),
        url=_url(data, "track"),
        title=str(data.get("title") or ""),
        artists=_artists(data),
        album=text(album.get("title")),
        duration_ms=seconds_to_ms(data.get("duration")),
        isrc=text(data.get("isrc")),
        artwork_url=text(album.get("cover_xl")) or text(album.get("cover_big")),
    )


def album_metadata(data: dict[str, Any]) -> Metadata:
    return Metadata(
        platform="deezer",
        kind="album",
        id=str(data["id"]),
        url=_url(data, "album"),
        title=str(data.get("title") or ""),
        artists=_artists(data),
        duration_ms=seconds_to_ms(data.get("duration")),
        upc=text(data.get("upc")),
        artwork_url=text(data.get("cover_xl")) or text(data.get("cover_big")),
    )


def playlist_metadata(data: dict[str, Any]) -> Metadata:
    creator = text((data.get("creator") or {}).get("name"))
    return Metadata(
        platform="deezer",
        kind="playlist",
        id=str(data["id"]),
        url=_url(data, "playlist"),
        title=str(data.get("title") or ""),
        artists=(creator,) if creator else (),
        duration_ms=seconds_to_ms(data.get("duration")),
        artwork_url=text(data.get("picture_xl")) or text(data.get("picture_big")),
    )


def artist_metadata(data: dict[str, Any]) -> Metadata:
    name = str(data.get("name") or "")
    return Metadata(
        platform="deezer",
        kind="artist",
        id=str(data["id"]),
        url=_url(data, "artist"),
        title=name,
        artists=(name,) if name else (),
        artwork_url=text(data.get("picture_xl")) or text(data.get("picture_big")),
    )


CONVERTERS: dict[str, Callable[[dict[str, Any]], Metadata]] = {
    "track": track_metadata,
    "album": album_metadata,
    "playlist": playlist_metadata,
    "artist": artist_metadata,
}


def unwrap(data: Any) -> dict[str, Any] | None:
    """The object, None when Deezer says it is not there; raises on quota and other errors."""
    if not isinstance(data, dict):
        return None
    error = data.get("error")
    if not error:
        return data if data.get("id") else None
    code = error.get("code") if isinstance(error, dict) else None
    if code in NOT_THERE:
        return None
    wait = QUOTA_WINDOW if code == QUOTA else None
    raise ProviderUnavailable(f"deezer: error {code}", retry_after=wait)


class DeezerProvider:
    """MusicProvider + IsrcSearch for Deezer."""

    platform = "deezer"

    def __init__(self, http: GuardedHttp) -> None:
        self._http = http

    async def _get(self, kind: str, key: str) -> Metadata | None:
        data = unwrap(await fetch_json(self._http, f"{API}/{kind}/{key}"))
        return CONVERTERS[kind](data) if data is not None else None

    async def lookup(self, kind: str, item_id: str, url: str) -> Metadata | None:
        if kind not in CONVERTERS or not DIGITS_RE.match(item_id):
            return None
        return await self._get(kind, item_id)

    async def by_isrc(self, isrc: str) -> Metadata | None:
        isrc = isrc.strip().upper()
        return await self._get("track", f"isrc:{isrc}") if ISRC_RE.match(isrc) else None

    async def by_upc(self, upc: str) -> Metadata | None:
        upc = upc.strip()
        return await self._get("album", f"upc:{upc}") if UPC_RE.match(upc) else None
