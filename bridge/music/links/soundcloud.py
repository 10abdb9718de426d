"""SoundCloud links (pure): permalinks, sets, private links and short links.

Each rule takes a parsed URL on one of the hosts in ``HOSTS`` and returns (platform, kind, id), a
short link, or None for anything that is not a catalog item (SoundCloud's own pages...).
"""

from __future__ import annotations

import re

from bridge.music.links.url import Found, Hosts, Url, item, short

PERMALINK = re.compile(r"[A-Za-z0-9_-]{1,100}")
_SECRET = re.compile(r"s-[A-Za-z0-9]{3,40}")  # a private link's token: the item is the path
# Top-level paths that are SoundCloud's own pages, never a user's permalink.
SOUNDCLOUD_RESERVED = frozenset({
    "discover", "search", "you", "stream", "upload", "pages", "charts", "tags", "people",
    "groups", "settings", "messages", "notifications", "mobile", "jobs", "imprint",
    "terms-of-use", "popular", "signin", "login", "logout", "signup", "register", "connect",
    "oauth", "premium", "pro", "go", "go-plus", "artists", "creators", "for-artists", "apps",
    "download", "feed", "library", "home", "explore", "stations", "station", "tracks",
    "playlists", "sets", "albums", "community-guidelines", "legal", "privacy", "help", "support",
    "about", "press", "blog", "developers", "player", "embed", "oembed", "widget", "next",
})  # fmt: skip
_ARTIST_PAGES = frozenset({"tracks", "albums", "sets", "popular-tracks"})
_LISTENER_PAGES = frozenset(
    {"likes", "reposts", "followers", "following", "comments", "spotlight", "recommended"}
)


def soundcloud(url: Url) -> Found | None:
    """soundcloud.com (www., m.): ``{user}`` (artist), ``{user}/{slug}`` (track),
    ``{user}/sets/{slug}`` (playlist; albums are sets too); a trailing ``s-…`` secret token is
    part of the id: a private link without its token opens for no one else."""
    segments = url.segments
    if not segments or segments[0].lower() in SOUNDCLOUD_RESERVED:
        return None
    if not PERMALINK.fullmatch(segments[0]):
        return None
    user, rest = segments[0], segments[1:]
    secret: tuple[str, ...] = ()
    if len(rest) in (2, 3) and _SECRET.fullmatch(rest[-1]):
        rest, secret = rest[:-1], rest[-1:]
    if not rest or (len(rest) == 1 and rest[0] in _ARTIST_PAGES):
        return item("soundcloud", "artist", user)
    if len(rest) == 1 and rest[0] not in _LISTENER_PAGES:
        return item("soundcloud", "track", _path(user, rest[0], *secret))
    if len(rest) == 2 and rest[0] == "sets":
        return item("soundcloud", "playlist", _path(user, "sets", rest[1], *secret))
    return None


def soundcloud_short(url: Url) -> Found | None:
    """on.soundcloud.com/{token} and soundcloud.app.goo.gl/{token}."""
    return short("soundcloud", url.segments[0]) if len(url.segments) == 1 else None


def _path(*parts: str) -> str | None:
    return "/".join(parts) if all(PERMALINK.fullmatch(part) for part in parts) else None


HOSTS: Hosts = {
    "soundcloud.com": soundcloud,
    "www.soundcloud.com": soundcloud,
    "m.soundcloud.com": soundcloud,
    "on.soundcloud.com": soundcloud_short,
    "soundcloud.app.goo.gl": soundcloud_short,
}
