"""Where a music link can be played inside a page (the platforms' embed players), and the
"Play all on YouTube" watch link. Pure functions: ids come from the item's known links or, for a
link not resolved yet, from parsing the shared URL (no network)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from bridge.music.links import find_music_links

YOUTUBE_WATCH_MAX = 50  # watch_videos takes at most 50 ids
EMBED_ORDER = ("youtube", "youtube_music", "spotify", "deezer", "soundcloud", "tidal")
EMBED_HOSTS = (
    "https://www.youtube-nocookie.com",
    "https://open.spotify.com",
    "https://widget.deezer.com",
    "https://w.soundcloud.com",
    "https://embed.tidal.com",
)


@dataclass(frozen=True, slots=True)
class PlayLink:
    """One place an item can be listened to: ``kind``/``id`` as the platform names them."""

    platform: str
    kind: str | None
    id: str | None
    url: str


def _youtube(kind: str, pid: str) -> str | None:
    if kind == "track":
        return f"https://www.youtube-nocookie.com/embed/{quote(pid)}?autoplay=1&enablejsapi=1"
    if kind in ("playlist", "album"):
        return f"https://www.youtube-nocookie.com/embed/videoseries?list={quote(pid)}&autoplay=1"
    return None


def _spotify(kind: str, pid: str) -> str | None:
    if kind in ("track", "album", "playlist", "artist"):
        return f"https://open.spotify.com/embed/{kind}/{quote(pid)}"
    return None


def _deezer(kind: str, pid: str) -> str | None:
    if kind in ("track", "album", "playlist", "artist"):
        return f"https://widget.deezer.com/widget/auto/{kind}/{quote(pid)}?autoplay=true"
    return None


def _tidal(kind: str, pid: str) -> str | None:
    if kind in ("track", "album", "playlist"):
        return f"https://embed.tidal.com/{kind}s/{quote(pid)}"
    return None


_BY_ID: dict[str, Callable[[str, str], str | None]] = {
    "youtube": _youtube,
    "youtube_music": _youtube,  # the same video ids
    "spotify": _spotify,
    "deezer": _deezer,
    "tidal": _tidal,
}


def embed_url(link: PlayLink) -> str | None:
    """The embed player's URL for this link, or None when the platform has no embed we use."""
    if link.platform == "soundcloud":
        query = urlencode({"url": link.url, "auto_play": "true"})
        return f"https://w.soundcloud.com/player/?{query}"
    builder = _BY_ID.get(link.platform)
    if builder is None or not link.kind or not link.id:
        return None
    return builder(link.kind, link.id)


def parsed(platform: str, url: str) -> PlayLink:
    """A shared link as a PlayLink, its kind and id read from the URL when the rules know it."""
    found = next(iter(find_music_links(url)), None)
    if found is None or found.short_link:
        return PlayLink(platform, None, None, url)
    return PlayLink(found.platform, found.kind, found.id, url)


def best_embed(links: Iterable[PlayLink]) -> tuple[PlayLink, str] | None:
    """The link to play in the page (in EMBED_ORDER) and its embed URL."""
    rank = {p: i for i, p in enumerate(EMBED_ORDER)}
    playable = [(link, embed_url(link)) for link in links]
    ordered = sorted(
        ((lk, url) for lk, url in playable if url), key=lambda p: rank.get(p[0].platform, 99)
    )
    return ordered[0] if ordered else None


def youtube_video_id(links: Iterable[PlayLink]) -> str | None:
    for link in links:
        if link.platform in ("youtube", "youtube_music") and link.kind == "track" and link.id:
            return link.id
    return None


def youtube_watch_url(video_ids: Iterable[str]) -> str | None:
    """``https://www.youtube.com/watch_videos?video_ids=a,b,c`` with the first 50 distinct ids."""
    ids = list(dict.fromkeys(video_ids))[:YOUTUBE_WATCH_MAX]
    if not ids:
        return None
    return "https://www.youtube.com/watch_videos?video_ids=" + ",".join(ids)
