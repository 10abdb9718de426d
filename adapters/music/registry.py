"""Which provider serves which platform, and which services can find an item by ISRC/UPC.

| platform | provider | without credentials |
|---|---|---|
| spotify | spotipy, client credentials | absent: links stay "link only" |
| deezer | public API (ISRC, UPC) | yes |
| apple_music | iTunes lookup (UPC for albums; playlists link only) | yes |
| youtube, youtube_music, soundcloud, tidal | oEmbed (title + author) | yes |
| bandcamp | page Open Graph + JSON-LD | yes |
| amazon_music | none (no keyless API): link only | - |
| (musicbrainz) | ISRC search only, last resort | yes |
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from adapters.music.bandcamp import BandcampProvider
from adapters.music.deezer import DeezerProvider
from adapters.music.http import GuardedHttp
from adapters.music.itunes import ItunesProvider
from adapters.music.musicbrainz import MusicBrainzSearch
from adapters.music.oembed import OEmbedProvider
from bridge.music.model import IsrcSearch, MusicProvider

if TYPE_CHECKING:
    from adapters.music.spotify import SpotifyProvider

OEMBED_PLATFORMS = ("youtube", "youtube_music", "soundcloud", "tidal")
# cross-linking order: the keyless catalogue with ISRC first, MusicBrainz last
SEARCH_ORDER = ("deezer", "spotify", "apple_music")


def build_providers(
    http: GuardedHttp, *, emulator: str | None, spotify: tuple[str, str] | None
) -> dict[str, MusicProvider]:
    """One provider per resolvable platform. ``spotify`` = (client_id, client_secret) or None."""
    providers: dict[str, MusicProvider] = {
        "deezer": DeezerProvider(http),
        "apple_music": ItunesProvider(http),
        "bandcamp": BandcampProvider(http),
    }
    for platform in OEMBED_PLATFORMS:
        providers[platform] = OEmbedProvider(http, platform)
    if spotify is not None and all(spotify):
        from adapters.music.spotify import SpotifyProvider  # only with credentials

        providers["spotify"] = SpotifyProvider(
            spotify[0], spotify[1], emulator=emulator, timeout=http.timeout
        )
    return providers


def isrc_searchers(
    providers: Mapping[str, MusicProvider], http: GuardedHttp, *, musicbrainz_interval: float = 1.0
) -> list[IsrcSearch]:
    """The services that find tracks by ISRC / albums by UPC, in the order to ask them:
    Deezer, Spotify (when configured), Apple Music (UPC only), then MusicBrainz (ISRC only)."""
    searching: tuple[type[DeezerProvider | ItunesProvider | SpotifyProvider], ...]
    searching = (DeezerProvider, ItunesProvider)
    if "spotify" in providers:  # its module is loaded only when there is a Spotify provider
        from adapters.music.spotify import SpotifyProvider

        searching = (*searching, SpotifyProvider)
    found: list[IsrcSearch] = []
    for platform in SEARCH_ORDER:
        provider = providers.get(platform)
        if isinstance(provider, searching):
            found.append(provider)
    found.append(MusicBrainzSearch(http, min_interval=musicbrainz_interval))
    return found
