"""Music values shared by the link finder, the resolver and the providers (pure data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

MusicPlatform = Literal[
    "spotify",
    "apple_music",
    "youtube",
    "youtube_music",
    "deezer",
    "tidal",
    "soundcloud",
    "bandcamp",
    "amazon_music",
]
MusicKind = Literal["track", "album", "playlist", "artist"]
PLATFORMS: tuple[str, ...] = (
    "spotify", "apple_music", "youtube", "youtube_music", "deezer", "tidal", "soundcloud",
    "bandcamp", "amazon_music",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class MusicLink:
    """A music link found in a message. ``kind`` and ``id`` are None for short links, whose
    target is unknown until they are resolved; ``url`` is the link as found (unwrapped,
    unescaped)."""

    platform: str
    kind: str | None
    id: str | None
    short_link: bool
    url: str


@dataclass(frozen=True, slots=True)
class Metadata:
    """What one platform says about one catalog item."""

    platform: str
    kind: str
    id: str
    url: str
    title: str
    artists: tuple[str, ...] = ()
    album: str | None = None
    duration_ms: int | None = None
    isrc: str | None = None
    upc: str | None = None
    artwork_url: str | None = None
    # other platforms' links the provider itself knows (e.g. Deezer found by ISRC)
    extra_links: tuple[tuple[str, str, str], ...] = field(default=())  # (platform, id, url)


class ProviderUnavailable(Exception):
    """A 429, an outage or a timeout: try again later (after ``retry_after`` if given)."""

    def __init__(self, detail: str, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class MusicProvider(Protocol):
    """One music service. ``lookup`` returns None when the item does not exist there."""

    platform: str

    async def lookup(self, kind: str, item_id: str, url: str) -> Metadata | None: ...


class IsrcSearch(Protocol):
    """A service that can find a track by ISRC (or an album by UPC) for cross-linking."""

    platform: str

    async def by_isrc(self, isrc: str) -> Metadata | None: ...

    async def by_upc(self, upc: str) -> Metadata | None: ...


class ShortLinkExpander(Protocol):
    async def expand(self, url: str) -> str | None:
        """The final URL a short link redirects to, or None when refused or broken."""
        ...
