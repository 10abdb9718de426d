"""YouTube and YouTube Music links (pure): they share video and playlist ids, and a YouTube
Music album is a playlist with the ``OLAK5uy_`` prefix on both.

Each rule takes a parsed URL on one of the hosts in ``HOSTS`` and returns (platform, kind, id), or
None for anything that is not a catalog item (channels, handles, search, feeds...).
"""

from __future__ import annotations

import re

from bridge.music.links.url import Found, Hosts, Url, item, matching

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


HOSTS: Hosts = {
    "youtube.com": youtube,
    "www.youtube.com": youtube,
    "m.youtube.com": youtube,
    "www.youtube-nocookie.com": youtube,
    "youtu.be": youtu_be,
    "music.youtube.com": youtube_music,
}
