"""Spotify through spotipy 2.26 (client credentials), one request per item.

spotipy is synchronous (requests): every call runs in a thread via ``asyncio.to_thread``,
serialised by a lock (its session is not thread-safe). Its own retries are off (``retries=0``,
``status_retries=0``, 429 kept out of ``status_forcelist``): a 429 becomes ProviderUnavailable
with the ``Retry-After`` seconds instead of a thread blocked for hours. In emulator mode the client
is pointed at the emulator by the documented attributes ``sp.prefix`` and the auth manager's
``OAUTH_TOKEN_URL``; nothing else of spotipy is touched. Spotify needs credentials: without
them there is no provider (links stay "link only").

spotipy (and requests, redis, urllib3 behind it) is imported when the first Spotify link is
looked up, not when the bridge starts: it is a tenth of a second that the bridge does not need
before it is ready.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from adapters.music.common import ISRC_RE, UPC_RE, names, text
from adapters.music.http import retry_after
from bridge.music.model import Metadata, ProviderUnavailable

if TYPE_CHECKING:
    import spotipy
    from spotipy.exceptions import SpotifyException

log = logging.getLogger(__name__)
ID_RE = re.compile(r"^[0-9A-Za-z]{22}$")
NO_429_RETRY = (500, 502, 503, 504)
PLAYLIST_FIELDS = "id,name,description,external_urls,images,owner(id,display_name)"
GONE = frozenset({400, 403, 404})  # malformed id, not visible to this app, not found
Converter = Callable[[Any], Metadata]


def _image(images: Any) -> str | None:
    if isinstance(images, list) and images and isinstance(images[0], dict):
        return text(images[0].get("url"))
    return None


def _url(data: dict[str, Any], kind: str) -> str:
    link = text((data.get("external_urls") or {}).get("spotify"))
    return link or f"https://open.spotify.com/{kind}/{data['id']}"


def track_metadata(data: dict[str, Any]) -> Metadata:
    album = data.get("album") or {}
    return Metadata(
        platform="spotify",
        kind="track",
        id=str(data["id"]),
        url=_url(data, "track"),
        title=str(data.get("name") or ""),
        artists=names(data.get("artists")),
        album=text(album.get("name")),
        duration_ms=data.get("duration_ms") or None,
        isrc=text((data.get("external_ids") or {}).get("isrc")),
        artwork_url=_image(album.get("images")),
    )


def _album_duration(data: dict[str, Any]) -> int | None:
    tracks = data.get("tracks") or {}
    items = tracks.get("items") or []
    if not items or tracks.get("total") != len(items):
        return None
    return sum(int(t.get("duration_ms") or 0) for t in items) or None


def album_metadata(data: dict[str, Any], upc: str | None = None) -> Metadata:
    return Metadata(
        platform="spotify",
        kind="album",
        id=str(data["id"]),
        url=_url(data, "album"),
        title=str(data.get("name") or ""),
        artists=names(data.get("artists")),
        duration_ms=_album_duration(data),
        upc=text((data.get("external_ids") or {}).get("upc")) or upc,
        artwork_url=_image(data.get("images")),
    )


def album_tracks(album: dict[str, Any]) -> list[Metadata]:
    """The album's tracks (simplified track objects: no ISRC; the album's artwork)."""
    artwork = _image(album.get("images"))
    rows = (album.get("tracks") or {}).get("items") or []
    return [
        replace(track_metadata(row), artwork_url=artwork, album=text(album.get("name")))
        for row in rows
        if isinstance(row, dict) and row.get("id")
    ]


def playlist_metadata(data: dict[str, Any]) -> Metadata:
    owner = data.get("owner") or {}
    by = text(owner.get("display_name")) or text(owner.get("id"))
    return Metadata(
        platform="spotify",
        kind="playlist",
        id=str(data["id"]),
        url=_url(data, "playlist"),
        title=str(data.get("name") or ""),
        artists=(by,) if by else (),
        artwork_url=_image(data.get("images")),
    )


def artist_metadata(data: dict[str, Any]) -> Metadata:
    name = str(data.get("name") or "")
    return Metadata(
        platform="spotify",
        kind="artist",
        id=str(data["id"]),
        url=_url(data, "artist"),
        title=name,
        artists=(name,) if name else (),
        artwork_url=_image(data.get("images")),
    )


def _failure(exc: SpotifyException) -> ProviderUnavailable | None:
    """None when the item is gone; otherwise the ProviderUnavailable to raise."""
    status = exc.http_status
    if status in GONE:
        return None
    headers = exc.headers or {}
    wait = retry_after(headers.get("Retry-After")) if status == 429 else None
    reason = f" ({exc.reason})" if exc.reason else ""
    return ProviderUnavailable(f"spotify: HTTP {status}{reason}", retry_after=wait)


class SpotifyProvider:
    """MusicProvider + IsrcSearch for Spotify."""

    platform = "spotify"

    def __init__(
        self, client_id: str, client_secret: str, *, emulator: str | None, timeout: float = 10.0
    ) -> None:
        self._credentials = (client_id, client_secret)
        self._emulator = emulator
        self._timeout = timeout
        self._client: spotipy.Spotify | None = None  # built at the first call
        self._lock = asyncio.Lock()
        self._lookups: dict[str, tuple[Callable[[spotipy.Spotify, str], Any], Converter]] = {
            "track": (lambda sp, item: sp.track(item), track_metadata),
            "album": (lambda sp, item: sp.album(item), album_metadata),
            "playlist": (
                lambda sp, item: sp.playlist(item, fields=PLAYLIST_FIELDS),
                playlist_metadata,
            ),
            "artist": (lambda sp, item: sp.artist(item), artist_metadata),
        }

    def _sp(self) -> spotipy.Spotify:
        """The spotipy client, built (and spotipy imported) at the first call."""
        if self._client is not None:
            return self._client
        import spotipy
        from spotipy.cache_handler import MemoryCacheHandler
        from spotipy.oauth2 import SpotifyClientCredentials

        client_id, client_secret = self._credentials
        auth = SpotifyClientCredentials(
            client_id=client_id,
            client_secret=client_secret,
            cache_handler=MemoryCacheHandler(),
            requests_timeout=self._timeout,
        )
        client = spotipy.Spotify(
            auth_manager=auth,
            requests_timeout=self._timeout,
            retries=0,
            status_retries=0,
            status_forcelist=NO_429_RETRY,
        )
        if self._emulator:
            origin = self._emulator.rstrip("/")
            client.prefix = f"{origin}/spotify/v1/"
            auth.OAUTH_TOKEN_URL = f"{origin}/spotify-accounts/api/token"
        self._client = client
        return client

    async def _call(self, fn: Callable[[spotipy.Spotify], Any]) -> Any | None:
        """``fn(client)`` in a thread; None when the item is gone."""
        async with self._lock:
            sp = self._sp()
            import requests
            from spotipy.exceptions import SpotifyBaseException, SpotifyException

            try:
                return await asyncio.to_thread(fn, sp)
            except SpotifyException as exc:
                failure = _failure(exc)
                if failure is None:
                    return None
                raise failure from None
            except SpotifyBaseException as exc:  # the token request failed (SpotifyOauthError)
                log.warning("spotify: token request failed: %s", type(exc).__name__)
                raise ProviderUnavailable("spotify: token request failed") from None
            except requests.RequestException as exc:
                raise ProviderUnavailable(f"spotify: {type(exc).__name__}") from None

    async def lookup(self, kind: str, item_id: str, url: str) -> Metadata | None:
        entry = self._lookups.get(kind)
        if entry is None or not ID_RE.match(item_id):
            return None
        fetch, convert = entry
        data = await self._call(lambda sp: fetch(sp, item_id))
        return convert(data) if isinstance(data, dict) and data.get("id") else None

    async def tracks_of(self, platform: str, kind: str, platform_id: str) -> list[Metadata]:
        """An album's or playlist's tracks in order (their first 50: a party's queue), from
        one request (``GET /albums/{id}`` or ``GET /playlists/{id}/items``)."""
        if platform != self.platform or not ID_RE.match(platform_id):
            return []
        if kind == "album":
            album = await self._call(lambda sp: sp.album(platform_id))
            return album_tracks(album) if isinstance(album, dict) else []
        if kind == "playlist":
            path = f"playlists/{platform_id}/items"
            page = await self._call(lambda sp: sp._get(path, limit=50))
            rows = (page or {}).get("items") or [] if isinstance(page, dict) else []
            found = [(r or {}).get("item") or (r or {}).get("track") for r in rows]
            return [track_metadata(t) for t in found if isinstance(t, dict) and t.get("id")]
        return []

    async def by_isrc(self, isrc: str) -> Metadata | None:
        isrc = isrc.strip().upper()
        if not ISRC_RE.match(isrc):
            return None
        query = f"isrc:{isrc}"
        found = await self._call(lambda sp: sp.search(q=query, type="track", limit=1))
        items = ((found or {}).get("tracks") or {}).get("items") or []
        return track_metadata(items[0]) if items else None

    async def by_upc(self, upc: str) -> Metadata | None:
        upc = upc.strip()
        if not UPC_RE.match(upc):
            return None
        query = f"upc:{upc}"
        found = await self._call(lambda sp: sp.search(q=query, type="album", limit=1))
        items = ((found or {}).get("albums") or {}).get("items") or []
        return album_metadata(items[0], upc=upc) if items else None
