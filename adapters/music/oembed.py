"""YouTube / YouTube Music, SoundCloud and TIDAL through their oEmbed endpoints (keyless).

oEmbed gives a title and an author, nothing more (no ISRC, no duration): artists are a best
effort. YouTube titles like ``Artist - Title (Official Video)`` are split and cleaned; YouTube
Music "Topic" channels (``Artist - Topic``) name the artist; SoundCloud titles end in
``by <author>``. YouTube channels have no oEmbed and stay "link only".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapters.music.common import fetch_json, text
from adapters.music.http import GuardedHttp
from bridge.music.model import Metadata

DASH_RE = re.compile(r"\s+[-–—]\s+")
NOISE_RE = re.compile(
    r"\s*[(\[](?:[^()\[\]]*\b(?:official|video|audio|lyrics?|visuali[sz]er|mv|hd|hq|4k)\b"
    r"[^()\[\]]*)[)\]]\s*$",
    re.IGNORECASE,
)
TOPIC = " - Topic"
ALBUM_PREFIX = "Album - "


def clean_title(title: str) -> str:
    """Drop trailing ``(Official Video)``, ``[Lyric Video]``, ``(HD)``… groups."""
    previous = None
    while previous != title:
        previous, title = title, NOISE_RE.sub("", title).strip()
    return title or previous


def split_youtube(kind: str, title: str, author: str) -> tuple[str, tuple[str, ...]]:
    """(title, artists) from a YouTube oEmbed title and channel name."""
    if author.endswith(TOPIC):
        artist = author.removesuffix(TOPIC).strip()
        title = title.removeprefix(ALBUM_PREFIX) if kind == "album" else title
        return clean_title(title), (artist,) if artist else ()
    if kind == "track":
        parts = DASH_RE.split(title, maxsplit=1)
        if len(parts) == 2 and parts[0].strip() and parts[1].strip():
            return clean_title(parts[1].strip()), (parts[0].strip(),)
    return clean_title(title), (author,) if author else ()


def split_soundcloud(kind: str, title: str, author: str) -> tuple[str, tuple[str, ...]]:
    suffix = f" by {author}"
    if author and title.endswith(suffix):
        title = title[: -len(suffix)].strip() or title
    return title, (author,) if author else ()


def split_plain(kind: str, title: str, author: str) -> tuple[str, tuple[str, ...]]:
    return title, (author,) if author else ()


def youtube_url(host: str) -> Callable[[str, str], str | None]:
    def canonical(kind: str, item_id: str) -> str | None:
        if kind == "track":
            return f"https://{host}/watch?v={item_id}"
        if kind in ("album", "playlist"):
            return f"https://{host}/playlist?list={item_id}"
        return None  # channels have no oEmbed

    return canonical


def soundcloud_url(kind: str, item_id: str) -> str | None:
    return f"https://soundcloud.com/{item_id}"


def tidal_url(kind: str, item_id: str) -> str | None:
    return f"https://tidal.com/browse/{kind}/{item_id}"


@dataclass(frozen=True)
class Service:
    platform: str
    endpoint: str
    canonical: Callable[[str, str], str | None]
    split: Callable[[str, str, str], tuple[str, tuple[str, ...]]]
    id_re: re.Pattern[str]


YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11,64}$")
SERVICES = {
    "youtube": Service(
        "youtube",
        "https://www.youtube.com/oembed",
        youtube_url("www.youtube.com"),
        split_youtube,
        YOUTUBE_ID,
    ),
    "youtube_music": Service(
        "youtube_music",
        "https://www.youtube.com/oembed",
        youtube_url("music.youtube.com"),
        split_youtube,
        YOUTUBE_ID,
    ),
    "soundcloud": Service(
        "soundcloud",
        "https://soundcloud.com/oembed",
        soundcloud_url,
        split_soundcloud,
        re.compile(r"^[a-z0-9_-]+(?:/[a-z0-9_-]+){0,2}$", re.IGNORECASE),
    ),
    "tidal": Service(
        "tidal",
        "https://oembed.tidal.com/",
        tidal_url,
        split_plain,
        re.compile(
            r"^(?:[0-9]{1,20}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
        ),
    ),
}


def metadata(service: Service, kind: str, item_id: str, url: str, data: Any) -> Metadata | None:
    title = text(data.get("title")) if isinstance(data, dict) else None
    if title is None or not isinstance(data, dict):
        return None
    name, artists = service.split(kind, title, text(data.get("author_name")) or "")
    return Metadata(
        platform=service.platform,
        kind=kind,
        id=item_id,
        url=url,
        title=name,
        artists=artists,
        artwork_url=text(data.get("thumbnail_url")),
    )


class OEmbedProvider:
    """MusicProvider for one oEmbed service (``youtube``, ``youtube_music``, ``soundcloud``,
    ``tidal``)."""

    def __init__(self, http: GuardedHttp, platform: str) -> None:
        self._http = http
        self._service = SERVICES[platform]
        self.platform = platform

    async def lookup(self, kind: str, item_id: str, url: str) -> Metadata | None:
        service = self._service
        if not service.id_re.match(item_id):
            return None
        canonical = service.canonical(kind, item_id)
        if canonical is None:
            return None
        params = {"url": canonical, "format": "json"}
        data = await fetch_json(self._http, service.endpoint, params=params)
        return metadata(service, kind, item_id, canonical, data)
