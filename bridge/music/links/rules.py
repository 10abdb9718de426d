"""Link rules for Spotify, YouTube, YouTube Music and Apple Music (pure).

Each rule takes a parsed URL on one of the platform's hosts and returns (platform, kind, id), a
short link, or None for anything that is not a catalog item (search, podcasts, profiles...).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from bridge.music.links.url import KINDS, Found, Url, item, matching, short

Segments = tuple[str, ...]

# --- Spotify -------------------------------------------------------------------------------

SPOTIFY_ID = re.compile(r"[0-9A-Za-z]{22}")
_INTL = re.compile(r"intl-[a-z]{2,3}(?:[-_][a-z]{2,4})?", re.I)


def spotify(url: Url) -> Found | None:
    """open.spotify.com and play.spotify.com: ``[intl-xx/][embed/]{kind}/{id}``, the legacy
    ``user/{name}/playlist/{id}``, and the ``s/{token}`` short form."""
    segments = url.segments
    while segments[:1] and (segments[0] == "embed" or _INTL.fullmatch(segments[0])):
        segments = segments[1:]  # the locale and the embed player, in either order
    if len(segments) == 2 and segments[0] == "s":
        return short("spotify", segments[1])
    if len(segments) == 4 and segments[0] == "user" and segments[2] == "playlist":
        segments = segments[2:]
    if len(segments) < 2 or segments[0] not in KINDS:
        return None
    if len(segments) > 2 and segments[0] != "artist":  # an artist's sub-pages are the artist
        return None
    return item("spotify", segments[0], matching(SPOTIFY_ID, segments[1]))


def spotify_short(url: Url) -> Found | None:
    """spotify.link/{token} and link.tospotify.com/{token}."""
    return short("spotify", url.segments[0]) if len(url.segments) == 1 else None


def spotify_embed(url: Url) -> Found | None:
    """The old embed.spotify.com/?uri=spotify:track:{id} player."""
    return spotify_uri(url.query.get("uri", "")) if not url.segments else None


def spotify_uri(uri: str) -> Found | None:
    """``spotify:{kind}:{id}`` and the legacy ``spotify:user:{name}:playlist:{id}``."""
    parts = uri.split(":")
    if len(parts) == 5 and parts[1] == "user" and parts[3] == "playlist":
        parts = [parts[0], *parts[3:]]
    if len(parts) != 3 or parts[0] != "spotify" or parts[1] not in KINDS:
        return None
    return item("spotify", parts[1], matching(SPOTIFY_ID, parts[2]))


# --- YouTube and YouTube Music ---------------------------------------------------------------

VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
LIST_ID = re.compile(r"[A-Za-z0-9_-]{12,80}")
CHANNEL_ID = re.compile(r"UC[A-Za-z0-9_-]{22}")
BROWSE_ALBUM = re.compile(r"MPREb_[A-Za-z0-9_-]{8,40}")
ALBUM_LIST_PREFIX = "OLAK5uy_"
_VIDEO_PATHS = frozenset({"shorts", "embed", "v", "live"})


def _video(platform: str, video_id: str | None) -> Found | None:
    return item(platform, "track", matching(VIDEO_ID, video_id))


def _list(platform: str, list_id: str | None) -> Found | None:
    found = matching(LIST_ID, list_id)
    if found is None:
        return None
    kind = "album" if found.startswith(ALBUM_LIST_PREFIX) else "playlist"
    return item(platform, kind, found)


def youtube(url: Url) -> Found | None:
    """youtube.com (www., m., no www): ``watch?v=``, ``playlist?list=``, ``shorts/``,
    ``embed/``, ``v/``, ``live/``. Channels, handles, search and feeds are not catalog items."""
    segments = url.segments
    if segments == ("watch",):
        return _video("youtube", url.query.get("v"))
    if segments == ("playlist",):
        return _list("youtube", url.query.get("list"))
    if len(segments) != 2 or segments[0] not in _VIDEO_PATHS:
        return None
    if segments == ("embed", "videoseries"):  # an embedded playlist, not a video id
        return _list("youtube", url.query.get("list"))
    return _video("youtube", segments[1])


def youtu_be(url: Url) -> Found | None:
    """youtu.be/{id}: a plain video link (not a redirector to resolve)."""
    return _video("youtube", url.segments[0]) if len(url.segments) == 1 else None


def youtube_music(url: Url) -> Found | None:
    """music.youtube.com: ``watch?v=``, ``playlist?list=``, ``browse/{VL…|MPREb_…|UC…}``,
    ``channel/UC…``."""
    segments = url.segments
    if segments == ("watch",):
        return _video("youtube_music", url.query.get("v"))
    if segments == ("playlist",):
        return _list("youtube_music", url.query.get("list"))
    if len(segments) != 2:
        return None
    if segments[0] == "channel":
        return item("youtube_music", "artist", matching(CHANNEL_ID, segments[1]))
    return _browse(segments[1]) if segments[0] == "browse" else None


def _browse(browse_id: str) -> Found | None:
    if browse_id.startswith("VL"):
        return _list("youtube_music", browse_id[2:])
    if browse_id.startswith("MPREb_"):
        return item("youtube_music", "album", matching(BROWSE_ALBUM, browse_id))
    return item("youtube_music", "artist", matching(CHANNEL_ID, browse_id))


# --- Apple Music -----------------------------------------------------------------------------

_STOREFRONT = re.compile(r"[a-z]{2}")
APPLE_ID = re.compile(r"(?:id)?([1-9][0-9]{0,19})")
APPLE_PLAYLIST = re.compile(r"pl\.[A-Za-z0-9-]{6,64}")


def _apple_id(value: str) -> str | None:
    match = APPLE_ID.fullmatch(value)
    return match.group(1) if match else None


def _apple_album(ident: str, query: Mapping[str, str]) -> Found | None:
    album = _apple_id(ident)
    if album is not None and "i" in query:  # an album URL pointing at one of its songs
        return item("apple_music", "track", _apple_id(query["i"]))
    return item("apple_music", "album", album)


def _apple_song(ident: str, query: Mapping[str, str]) -> Found | None:
    return item("apple_music", "track", _apple_id(ident))


def _apple_playlist(ident: str, query: Mapping[str, str]) -> Found | None:
    return item("apple_music", "playlist", matching(APPLE_PLAYLIST, ident))


def _apple_artist(ident: str, query: Mapping[str, str]) -> Found | None:
    return item("apple_music", "artist", _apple_id(ident))


_APPLE_KINDS: dict[str, Callable[[str, Mapping[str, str]], Found | None]] = {
    "album": _apple_album,
    "song": _apple_song,
    "playlist": _apple_playlist,
    "artist": _apple_artist,
}


def apple(url: Url) -> Found | None:
    """music.apple.com, geo.music.apple.com, embed.music.apple.com and itunes.apple.com:
    ``[{storefront}/]{album|song|playlist|artist}/[{slug}/]{id}``, ids optionally ``id``-prefixed
    (the iTunes form); ``album/…?i={song}`` is that song."""
    segments: Segments = url.segments
    if segments[:1] and _STOREFRONT.fullmatch(segments[0]):
        segments = segments[1:]
    if len(segments) not in (2, 3):
        return None
    rule = _APPLE_KINDS.get(segments[0])
    return rule(segments[-1], url.query) if rule is not None else None
