"""Music links in chat text (pure, no network): ``find_music_links(text)``.

Hosts are matched exactly (``open.spotify.com.evil.example`` or ``evilspotify.com`` are not
Spotify); only ``*.bandcamp.com`` is matched by suffix. The URL forms each platform accepts are
documented on the rules in ``link_rules`` and ``link_rules_more`` and in the README.
"""

from __future__ import annotations

import re

from bridge.music.links import rules
from bridge.music.links import rules_more as more
from bridge.music.links.text import Candidate, candidates
from bridge.music.links.url import Found, Rule, parse_url
from bridge.music.model import MusicLink


def _hosts() -> dict[str, Rule]:
    table: dict[str, Rule] = {
        "open.spotify.com": rules.spotify,
        "play.spotify.com": rules.spotify,
        "embed.spotify.com": rules.spotify_embed,
        "spotify.link": rules.spotify_short,
        "link.tospotify.com": rules.spotify_short,
        "music.apple.com": rules.apple,
        "geo.music.apple.com": rules.apple,
        "embed.music.apple.com": rules.apple,
        "itunes.apple.com": rules.apple,
        "geo.itunes.apple.com": rules.apple,
        "youtube.com": rules.youtube,
        "www.youtube.com": rules.youtube,
        "m.youtube.com": rules.youtube,
        "www.youtube-nocookie.com": rules.youtube,
        "youtu.be": rules.youtu_be,
        "music.youtube.com": rules.youtube_music,
        "deezer.com": more.deezer,
        "www.deezer.com": more.deezer,
        "deezer.page.link": more.deezer_page_link,
        "dzr.page.link": more.deezer_page_link,
        "link.deezer.com": more.deezer_link,
        "tidal.com": more.tidal,
        "www.tidal.com": more.tidal,
        "listen.tidal.com": more.tidal,
        "soundcloud.com": more.soundcloud,
        "www.soundcloud.com": more.soundcloud,
        "m.soundcloud.com": more.soundcloud,
        "on.soundcloud.com": more.soundcloud_short,
        "soundcloud.app.goo.gl": more.soundcloud_short,
    }
    for tld in more.AMAZON_TLDS:
        table[f"music.amazon.{tld}"] = more.amazon_music
        table[f"amazon.{tld}"] = more.amazon_player
        table[f"www.amazon.{tld}"] = more.amazon_player
    return table


HOSTS: dict[str, Rule] = _hosts()
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
    found = rules.spotify_uri(url) if kind == "uri" else _rule_for(url)
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
    if rule is None and host.endswith(more.BANDCAMP_SUFFIX):
        return more.bandcamp
    return rule


def _host_hint(raw: str) -> str:
    """A cheap guess at the host, for rejecting early; ``parse_url`` decides."""
    netloc = _NETLOC.match(raw.partition("://")[2])
    host = netloc.group(0).lower().partition(":")[0] if netloc else ""
    return host.removesuffix(".")
