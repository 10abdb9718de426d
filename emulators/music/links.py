"""Short links (spotify.link, on.soundcloud.com, deezer.page.link, ...) and URL normalisation.

Every catalog item gets short codes on the platforms that have short links; each code redirects to
the item's REAL public https URL with the platform's tracking parameters, like the real redirectors.
``dzr.page.link`` codes take two hops (dzr.page.link -> deezer.page.link -> www.deezer.com). A few
hostile codes redirect to a non-allowlisted host, loopback, the cloud metadata address, or loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from emulators.music import ids
from emulators.music.model import Item, Ref

SHORT_HOSTS = {
    "spotify.link": "spotify",
    "link.tospotify.com": "spotify",
    "on.soundcloud.com": "soundcloud",
    "soundcloud.app.goo.gl": "soundcloud",
    "deezer.page.link": "deezer",
    "dzr.page.link": "deezer",
    "link.deezer.com": "deezer",
}

# (short URL, Location) pairs for testing the product's redirect guard.
HOSTILE = (
    ("https://spotify.link/xEvilRedir1", "https://evil.example/x"),
    ("https://on.soundcloud.com/PrivAddr22Loopbk1", "http://127.0.0.1:22/"),
    ("https://deezer.page.link/MetaDataSsrf12345", "http://169.254.169.254/latest/meta-data/"),
    ("https://dzr.page.link/LoopLoopLoopLoop1", "https://dzr.page.link/LoopLoopLoopLoop1"),
)


@dataclass(frozen=True)
class Redirect:
    location: str
    status: int = 302


def short_key(url: str) -> str:
    """``host/path`` of a short URL, without scheme, query or trailing slash."""
    parts = urlsplit(url)
    return f"{parts.netloc.lower()}{parts.path.rstrip('/')}"


def _link(platform: str, host: str, code: str, **extra: Any) -> dict[str, Any]:
    return {"platform": platform, "url": f"https://{host}/{code}", **extra}


def _code(item: Item, host: str, length: int) -> str:
    return ids.chars(f"short:{host}:{item.id}", length, ids.BASE62)


def default_short_links(item: Item) -> list[dict[str, Any]]:
    """At least one short link per platform that has them; some items get the other variants."""
    n = ids.number("variant:" + item.id) % 6
    links: list[dict[str, Any]] = []
    if "spotify" in item.platforms:
        links.append(_link("spotify", "spotify.link", _code(item, "spotify.link", 11)))
        if n % 2 == 0:
            links.append(_link("spotify", "link.tospotify.com", _code(item, "tospotify", 11)))
    if "deezer" in item.platforms:
        links.append(_link("deezer", "deezer.page.link", _code(item, "deezer.page.link", 17)))
        if n % 3 == 0:
            links.append(_link("deezer", "dzr.page.link", _code(item, "dzr", 17), hops=2))
        if n % 3 == 1:
            links.append(_link("deezer", "link.deezer.com", "s/" + _code(item, "ldz", 26)))
    if "soundcloud" in item.platforms:
        links.append(_link("soundcloud", "on.soundcloud.com", _code(item, "on.sc", 17)))
        if n % 2 == 1:
            links.append(_link("soundcloud", "soundcloud.app.goo.gl", _code(item, "goo", 17)))
    return links


def _tracked_spotify(item: Item, ref: Ref) -> str:
    return f"{ref['url']}?si={ids.hex_id('si:' + item.id, 16)}"


def _tracked_deezer(item: Item, ref: Ref) -> str:
    return (
        f"{ref['url']}?host={ids.digits('host:' + item.id, 10)}&utm_campaign=clipboard-generic"
        f"&utm_source=user_sharing&utm_content={item.kind}-{ref['id']}&deferredFl=1"
    )


def _tracked_soundcloud(item: Item, ref: Ref) -> str:
    return (
        f"{ref['url']}?si={ids.hex_id('scsi:' + item.id)}"
        "&utm_source=clipboard&utm_medium=text&utm_campaign=social_sharing"
    )


TRACKED: dict[str, Callable[[Item, Ref], str]] = {
    "spotify": _tracked_spotify,
    "deezer": _tracked_deezer,
    "soundcloud": _tracked_soundcloud,
}


def redirects_for(item: Item) -> dict[str, Redirect]:
    """The redirect table entries of an item's short links (``short_key`` -> Redirect)."""
    out: dict[str, Redirect] = {}
    for link in item.short_links:
        ref = item.platforms.get(str(link.get("platform")))
        make = TRACKED.get(str(link.get("platform")))
        if ref is None or make is None:
            continue
        key, target = short_key(str(link["url"])), make(item, ref)
        if key.startswith("dzr.page.link/"):
            hop = "https://deezer.page.link/" + ids.chars("hop:" + key, 17, ids.BASE62)
            out[key] = Redirect(hop)
            out[short_key(hop)] = Redirect(target)
        else:
            out[key] = Redirect(target, 301 if key.startswith("link.tospotify.com/") else 302)
    return out


def hostile_redirects() -> dict[str, Redirect]:
    return {short_key(url): Redirect(location) for url, location in HOSTILE}


# -- canonical page keys -------------------------------------------------------------------------
def page_key(url: str) -> str:
    """A lookup key for a public page URL: host + path + the query parameters that matter.

    Country/locale segments (``/us/``, ``/intl-de/``, ``/en/``) and slugs are ignored, so
    ``music.apple.com/gb/album/x/123?i=4`` and ``.../us/album/y/123?i=4`` are the same page.
    """
    parts = urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.").removeprefix("m.")
    host = {"listen.tidal.com": "tidal.com", "youtu.be": "youtube.com"}.get(host, host)
    query = parse_qs(parts.query)
    segments = [s for s in parts.path.split("/") if s]
    return KEYERS.get(host, _plain)(host, segments, query)


def _plain(host: str, segments: list[str], query: dict[str, list[str]]) -> str:
    return host + "/" + "/".join(segments)


def _first(query: dict[str, list[str]], name: str) -> str:
    return query.get(name, [""])[0]


def _spotify_key(host: str, segments: list[str], query: dict[str, list[str]]) -> str:
    if segments and segments[0].startswith("intl-"):
        segments = segments[1:]
    return _plain(host, segments[:2], query)


def _apple_key(host: str, segments: list[str], query: dict[str, list[str]]) -> str:
    kinds = [s for s in segments if s in ("album", "playlist", "song")]
    kind = kinds[0] if kinds else "album"
    tail = segments[-1] if segments else ""
    suffix = f"?i={_first(query, 'i')}" if _first(query, "i") else ""
    return f"{host}/{kind}/{tail}{suffix}"


def _youtube_key(host: str, segments: list[str], query: dict[str, list[str]]) -> str:
    if segments and segments[0] in ("watch", "playlist"):
        name = "v" if segments[0] == "watch" else "list"
        return f"{host}/{segments[0]}?{name}={_first(query, name)}"
    if len(segments) == 2 and segments[0] == "shorts":
        return f"{host}/watch?v={segments[1]}"
    return f"{host}/watch?v={segments[0]}" if len(segments) == 1 else _plain(host, segments, query)


def _locale_free(host: str, segments: list[str], query: dict[str, list[str]]) -> str:
    if segments and len(segments[0]) == 2 and len(segments) > 2:
        segments = segments[1:]
    if segments and segments[0] == "browse":
        segments = segments[1:]
    return _plain(host, segments, query)


def _amazon_key(host: str, segments: list[str], query: dict[str, list[str]]) -> str:
    track = _first(query, "trackAsin")
    return _plain(host, segments, query) + (f"?trackAsin={track}" if track else "")


KEYERS: dict[str, Callable[[str, list[str], dict[str, list[str]]], str]] = {
    "open.spotify.com": _spotify_key,
    "music.apple.com": _apple_key,
    "youtube.com": _youtube_key,
    "music.youtube.com": _youtube_key,
    "deezer.com": _locale_free,
    "tidal.com": _locale_free,
    "music.amazon.com": _amazon_key,
}
