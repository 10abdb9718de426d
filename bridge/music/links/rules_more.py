"""Link rules for Deezer, Tidal, Amazon Music, SoundCloud and Bandcamp (pure).

Each rule takes a parsed URL on one of the platform's hosts and returns (platform, kind, id), a
short link, or None for anything that is not a catalog item.
"""

from __future__ import annotations

import re

from bridge.music.links.url import KINDS, Found, Url, item, matching, numeric, short

# --- Deezer ----------------------------------------------------------------------------------

_LANGUAGE = re.compile(r"[a-z]{2}(?:-[a-z]{2})?")


def deezer(url: Url) -> Found | None:
    """www.deezer.com / deezer.com: ``[{lang}/]{track|album|playlist|artist}/{digits}``."""
    segments = url.segments
    if segments[:1] and _LANGUAGE.fullmatch(segments[0]):
        segments = segments[1:]
    if len(segments) != 2 or segments[0] not in KINDS:
        return None
    return item("deezer", segments[0], numeric(segments[1]))


def deezer_page_link(url: Url) -> Found | None:
    """deezer.page.link/{token} and dzr.page.link/{token} (Firebase dynamic links)."""
    return short("deezer", url.segments[0]) if len(url.segments) == 1 else None


def deezer_link(url: Url) -> Found | None:
    """link.deezer.com/s/{token}, Deezer's current share link."""
    segments = url.segments
    return short("deezer", segments[1]) if len(segments) == 2 and segments[0] == "s" else None


# --- Tidal -----------------------------------------------------------------------------------

TIDAL_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_TIDAL_NUMERIC = frozenset({"track", "album", "artist"})


def tidal(url: Url) -> Found | None:
    """tidal.com, listen.tidal.com: ``[browse/]{track|album|artist}/{digits}[/u]``,
    ``album/{digits}/track/{digits}`` (that track), ``playlist/{uuid}``."""
    segments = url.segments
    if segments[:1] == ("browse",):
        segments = segments[1:]
    if segments[-1:] == ("u",):  # the share sheet's "universal link" suffix
        segments = segments[:-1]
    if len(segments) == 4 and segments[0] == "album" and segments[2] == "track":
        segments = segments[2:]
    if len(segments) != 2:
        return None
    kind, ident = segments
    if kind in _TIDAL_NUMERIC:
        return item("tidal", kind, numeric(ident))
    return item("tidal", "playlist", matching(TIDAL_UUID, ident)) if kind == "playlist" else None


# --- Amazon Music ----------------------------------------------------------------------------

ASIN = re.compile(r"[0-9A-Z]{10}")
AMAZON_TLDS = (
    "com", "ca", "com.mx", "com.br", "co.uk", "de", "fr", "it", "es", "in", "co.jp", "com.au",
)  # fmt: skip
_AMAZON_KINDS = {"albums": "album", "tracks": "track", "playlists": "playlist", "artists": "artist"}


def amazon_music(url: Url) -> Found | None:
    """music.amazon.{tld}: ``{albums|tracks|playlists|artists}/{ASIN}[/{slug}]``; an album URL
    with ``trackAsin`` is that track."""
    return _amazon(url.segments, url)


def amazon_player(url: Url) -> Found | None:
    """(www.)amazon.{tld}/music/player/…: the same paths under the store's web player."""
    if url.segments[:2] != ("music", "player"):
        return None
    return _amazon(url.segments[2:], url)


def _amazon(segments: tuple[str, ...], url: Url) -> Found | None:
    if len(segments) not in (2, 3) or segments[0] not in _AMAZON_KINDS:
        return None
    kind = _AMAZON_KINDS[segments[0]]
    if kind == "album" and "trackAsin" in url.query:
        return item("amazon_music", "track", matching(ASIN, url.query["trackAsin"]))
    return item("amazon_music", kind, matching(ASIN, segments[1]))


# --- SoundCloud ------------------------------------------------------------------------------

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


# --- Bandcamp --------------------------------------------------------------------------------

BANDCAMP_SUFFIX = ".bandcamp.com"
_SUBDOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
BANDCAMP_RESERVED = frozenset(
    {"www", "m", "daily", "blog", "get", "help", "api", "bandcamp", "f4", "t4", "s4", "merch"}
)
_BANDCAMP_SLUG = re.compile(r"[A-Za-z0-9-]{1,150}")


def bandcamp(url: Url) -> Found | None:
    """{sub}.bandcamp.com: the bare site or ``music`` (artist ``sub``), ``track/{slug}`` and
    ``album/{slug}`` (ids ``sub/track/slug``, ``sub/album/slug``). Custom domains are not
    recognisable without fetching them."""
    sub = url.host.removesuffix(BANDCAMP_SUFFIX)
    if sub in BANDCAMP_RESERVED or not _SUBDOMAIN.fullmatch(sub):
        return None
    segments = url.segments
    if segments in ((), ("music",)):
        return item("bandcamp", "artist", sub)
    if len(segments) != 2 or segments[0] not in ("track", "album"):
        return None
    slug = matching(_BANDCAMP_SLUG, segments[1])
    return item("bandcamp", segments[0], f"{sub}/{segments[0]}/{slug}" if slug else None)
