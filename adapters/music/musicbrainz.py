"""MusicBrainz by ISRC (``/ws/2/isrc/{ISRC}?fmt=json&inc=artist-credits+releases``), the last
step of cross-platform matching. MusicBrainz refuses anonymous library User-Agents and allows
about one request per second per client: this searcher sends the guarded client's User-Agent
(``fanbridge/0.1 (+https://github.com/fanbridge)``) and spaces its own requests."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from adapters.music.common import ISRC_RE, fetch_json, names, text
from adapters.music.http import GuardedHttp
from bridge.music.model import Metadata

API = "https://musicbrainz.org/ws/2"
INCLUDES = "artist-credits+releases"


def recording_metadata(isrc: str, recording: dict[str, Any]) -> Metadata:
    releases = recording.get("releases") or []
    album = text(releases[0].get("title")) if releases and isinstance(releases[0], dict) else None
    length = recording.get("length")
    return Metadata(
        platform="musicbrainz",
        kind="track",
        id=str(recording["id"]),
        url=f"https://musicbrainz.org/recording/{recording['id']}",
        title=str(recording.get("title") or ""),
        artists=names(recording.get("artist-credit")),
        album=album,
        duration_ms=int(length) if isinstance(length, int | float) and length > 0 else None,
        isrc=isrc,
    )


class MusicBrainzSearch:
    """IsrcSearch over MusicBrainz (tracks by ISRC; no UPC search)."""

    platform = "musicbrainz"

    def __init__(self, http: GuardedHttp, *, min_interval: float = 1.0) -> None:
        self._http = http
        self._min_interval = min_interval
        self._lock = asyncio.Lock()
        self._last = 0.0

    async def _spaced(self, url: str) -> Any:
        async with self._lock:
            wait = self._last + self._min_interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)  # MusicBrainz's 1 request/s policy
            try:
                return await fetch_json(self._http, url)
            finally:
                self._last = time.monotonic()

    async def by_isrc(self, isrc: str) -> Metadata | None:
        isrc = isrc.strip().upper()
        if not ISRC_RE.match(isrc):
            return None
        data = await self._spaced(f"{API}/isrc/{isrc}?fmt=json&inc={INCLUDES}")
        recordings = data.get("recordings") if isinstance(data, dict) else None
        rows = [r for r in recordings or [] if isinstance(r, dict) and r.get("id")]
        return recording_metadata(isrc, rows[0]) if rows else None

    async def by_upc(self, upc: str) -> Metadata | None:
        return None
