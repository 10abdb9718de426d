"""Music links in chat text (pure, no network): ``find_music_links(text)``.

Hosts are matched exactly (``open.spotify.com.evil.example`` or ``evilspotify.com`` are not
Spotify); only a host a platform writes with a leading dot (``.bandcamp.com``) is matched by
suffix. Each platform's URL forms are documented on its rules, one module per platform
(``spotify``, ``youtube``, ``apple``, ...), and in docs/music-links.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bridge.music.links import amazon, apple, bandcamp, deezer, soundcloud, spotify, tidal, youtube
from bridge.music.links.text import Candidate, candidates
from bridge.music.links.url import Found, Hosts, Rule, parse_url
from bridge.music.model import MusicLink

# The registry: one host table per platform module. A new platform is a module with its rules
# and its ``HOSTS``, and one line here.
PLATFORMS: tuple[Hosts, ...] = (
    spotify.HOSTS,
    youtube.HOSTS,
    apple.HOSTS,
    deezer.HOSTS,
    tidal.HOSTS,
    amazon.HOSTS,
    soundcloud.HOSTS,
    bandcamp.HOSTS,
)


def host_tables(platforms: Iterable[Hosts]) -> tuple[dict[str, Rule], dict[str, Rule]]:
    """(exact hosts, subdomain suffixes) of every platform; a host claimed twice is an error."""
    exact: dict[str, Rule] = {}
    suffixes: dict[str, Rule] = {}
    for hosts in platforms:
        for host, rule in hosts.items():
            if host in exact or host in suffixes:
                raise ValueError(f"two platforms claim the host {host!r}")
            (suffixes if host.startswith(".") else exact)[host] = rule
    return exact, suffixes


HOSTS, SUFFIXES = host_tables(PLATFORMS)
_SUFFIX_TUPLE = tuple(SUFFIXES)
_NETLOC = re.compile(r"[^/?#]*")


def find_music_links(text: str) -> list[MusicLink]:
    """The music links in ``text``, in order of appearance, each item once (same platform, kind
    and id; short links by URL). Never raises; linear in the length of ``text``."""
    if "://" not in text and "spotify:" not in text:
        return []
    found: list[MusicLink] = []
    seen: set[tuple[str, str | None, str | None]] = set()
    for candidate in candidates(text):
        link = music_link(candidate)
        if link is None:
            continue
        key = (
            (link.platform, None, link.url)
            if link.short_link
            else (link.platform, link.kind, link.id)
        )
        if key not in seen:
            seen.add(key)
            found.append(link)
    return found


def music_link(candidate: Candidate) -> MusicLink | None:
    """The music link ``candidate`` is, if any (its ASCII prefix as a second chance)."""
    link = _link(candidate.url, candidate.kind)
    if link is None and candidate.fallback is not None:
        link = _link(candidate.fallback, candidate.kind)
    return link


def _link(url: str, kind: str) -> MusicLink | None:
    found = spotify.spotify_uri(url) if kind == "uri" else _rule_for(url)
    if found is None:
        return None
    platform, item_kind, item_id = found
    return MusicLink(platform, item_kind, item_id, item_kind is None, url)


def _rule_for(raw: str) -> Found | None:
    if _rule_for_host(_host_hint(raw)) is None:  # most URLs in chat are not music: skip early
        return None
    url = parse_url(raw)
    if url is None:
        return None
    rule = _rule_for_host(url.host)
    return rule(url) if rule is not None else None


def _rule_for_host(host: str) -> Rule | None:
    rule = HOSTS.get(host)
    if rule is None and host.endswith(_SUFFIX_TUPLE):
        rule = next(r for suffix, r in SUFFIXES.items() if host.endswith(suffix))
    return rule


def _host_hint(raw: str) -> str:
    """A cheap guess at the host, for rejecting early; ``parse_url`` decides."""
    netloc = _NETLOC.match(raw.partition("://")[2])
    host = netloc.group(0).lower().partition(":")[0] if netloc else ""
    return host.removesuffix(".")
