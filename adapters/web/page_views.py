"""What the music tab pages show, as plain values for the templates: rows, shares, the queue.
Pure: no request, no store. Every URL put in a page is checked to be http(s) first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from adapters.tab_text import platform_name, safe_url
from adapters.web.embeds import PlayLink, best_embed, parsed, youtube_video_id
from adapters.web.shapes import iso
from bridge.groups.replies import platform_name as chat_platform_name
from bridge.ids import Platform
from bridge.music.model import PLATFORMS
from bridge.music.playlist import Unmatched
from bridge.music.tab_query import KINDS, SORTS, ShareDetail, TabItem
from bridge.party.model import Moment, Party, PartyState

SORT_LABELS = {"recent": "Most recent", "shared": "Most shared", "reacted": "Most reacted"}
KIND_LABELS = {
    "track": "Track",
    "album": "Album",
    "playlist": "Playlist",
    "artist": "Artist",
    "link": "Link (not identified yet)",
}


@dataclass(frozen=True, slots=True)
class RowView:
    ref: str
    dom_id: str
    href: str
    title: str
    artists: str
    album: str | None
    kind_label: str
    duration: str | None
    duration_spoken: str | None
    artwork_url: str | None
    artwork_alt: str
    links: tuple[tuple[str, str], ...]  # (platform name, url)
    shares_label: str
    reactions_label: str
    sharers: str
    last_iso: str
    last_human: str


@dataclass(frozen=True, slots=True)
class ShareView:
    share_id: int
    sharer: str
    platform_name: str
    channel_name: str | None
    iso: str
    human: str
    quote: str | None
    permalink: str | None
    url: str | None


@dataclass(frozen=True, slots=True)
class MomentView:
    """A timed comment on the item page: "0:42 — name (Discord): text"."""

    position_ms: int
    time: str
    author: str
    platform_name: str
    text: str
    by_artist: bool


@dataclass(frozen=True, slots=True)
class UnmatchedView:
    title: str
    artists: str
    url: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class SpotifyView:
    """ "Play all on Spotify", and the shared songs that are not in the playlist."""

    url: str
    unmatched: tuple[UnmatchedView, ...]

    @property
    def unmatched_label(self) -> str:
        n = len(self.unmatched)
        return f"{plural(n, 'song')} {'is' if n == 1 else 'are'} not on Spotify"


def with_key(path: str, params: Mapping[str, str], key: str | None) -> str:
    """``path`` with these query parameters, and the private-link key kept when there is one."""
    query = dict(params)
    if key:
        query["key"] = key
    return f"{path}?{urlencode(query)}" if query else path


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def chat_name(platform: str) -> str:
    """ "Discord" / "Slack" for a chat platform's value."""
    try:
        return chat_platform_name(Platform(platform))
    except ValueError:
        return platform.title()


def human(ts: float) -> str:
    moment = datetime.fromtimestamp(ts, UTC)
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def duration(ms: int | None) -> tuple[str | None, str | None]:
    """("3:21", "3 minutes 21 seconds") or (None, None)."""
    if not ms or ms < 0:
        return None, None
    total = round(ms / 1000)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    short = f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"
    spoken = [plural(v, w) for v, w in ((hours, "hour"), (minutes, "minute"), (seconds, "second"))]
    return short, " ".join(s for s in spoken if not s.startswith("0 ")) or "0 seconds"


def _artwork(url: str | None) -> str | None:
    return url if url and url.lower().startswith("https://") and safe_url(url) == url else None


def _links(item: TabItem) -> tuple[tuple[str, str], ...]:
    order = {p: i for i, p in enumerate(PLATFORMS)}
    seen: dict[str, str] = {}
    for platform, url in sorted(item.links, key=lambda pu: order.get(pu[0], len(order))):
        safe = safe_url(url)
        if safe and platform not in seen:
            seen[platform] = safe
    return tuple((platform_name(p), u) for p, u in seen.items())


def sharers_text(item: TabItem, limit: int = 5) -> str:
    """ "heidi (Slack), Bob (Discord)": who shared and on which chat platform, first first."""
    if item.shared_by:
        who = [f"{name} ({chat_name(p)})" for name, p in item.shared_by]
    else:
        who = list(item.sharers)
    return ", ".join(who[:limit]) + (" and others" if len(who) > limit else "")


def row_view(item: TabItem, *, group_path: str, key: str | None) -> RowView:
    short, spoken = duration(item.duration_ms)
    artists = ", ".join(item.artists)
    alt = f"Artwork of {item.title}" + (f" by {artists}" if artists else "")
    return RowView(
        ref=item.ref,
        dom_id=f"item-{item.ref}",
        href=with_key(f"{group_path}/item/{item.ref}", {}, key),
        title=item.title if item.resolved else "A shared link",
        artists=artists if item.resolved else item.title,
        album=item.album,
        kind_label=KIND_LABELS.get(item.kind, item.kind.title()),
        duration=short,
        duration_spoken=spoken,
        artwork_url=_artwork(item.artwork_url),
        artwork_alt=alt,
        links=_links(item),
        shares_label=plural(item.shares, "share"),
        reactions_label=plural(item.reactions, "reaction"),
        sharers=sharers_text(item),
        last_iso=iso(item.last_shared_at),
        last_human=human(item.last_shared_at),
    )


def share_view(share: ShareDetail) -> ShareView:
    return ShareView(
        share_id=share.share_id,
        sharer=share.sharer,
        platform_name=chat_name(share.platform),
        channel_name=share.channel_name,
        iso=iso(share.shared_at),
        human=human(share.shared_at),
        quote=share.quote,
        permalink=safe_url(share.permalink) if share.permalink else None,
        url=safe_url(share.url),
    )


def clock_text(ms: int) -> str:
    """ "0:42", "3:21", "1:02:03": a position in a song (whole seconds passed, as the players
    show it)."""
    hours, rest = divmod(max(0, ms) // 1000, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


def moment_view(moment: Moment) -> MomentView:
    return MomentView(
        position_ms=moment.position_ms,
        time=clock_text(moment.position_ms),
        author=moment.author or "someone",
        platform_name="the room" if moment.platform == "web" else chat_name(moment.platform),
        text=moment.text,
        by_artist=moment.by_artist,
    )


def moment_data(moment: Moment) -> dict[str, Any]:
    """What the item page's player needs to pop a moment up as a note."""
    return {
        "position_ms": moment.position_ms,
        "author": moment.author,
        "platform": moment.platform,
        "text": moment.text,
        "at": moment.at,
        "by_artist": moment.by_artist,
    }


def spotify_view(url: str, unmatched: Iterable[Unmatched]) -> SpotifyView:
    rows = tuple(
        UnmatchedView(
            title=u.title or u.url,
            artists=", ".join(u.artists),
            url=safe_url(u.url) if u.url else None,
            reason=u.reason,
        )
        for u in unmatched
    )
    return SpotifyView(url=url, unmatched=rows)


def play_links(item: TabItem) -> list[PlayLink]:
    return [parsed(platform, url) for platform, url in item.links if safe_url(url)]


def queue_entry(item: TabItem) -> dict[str, Any] | None:
    """What the in-page player needs for one item; None when it has no link to open."""
    links = play_links(item)
    if not links:
        return None
    chosen = best_embed(links)
    opened = chosen[0] if chosen else links[0]
    return {
        "row": f"item-{item.ref}",
        "title": item.title if item.resolved else "A shared link",
        "artists": ", ".join(item.artists),
        "platform_name": platform_name(opened.platform),
        "open_url": safe_url(opened.url),
        "embed": chosen[1] if chosen else None,
        "embed_name": platform_name(opened.platform),
        "embed_platform": opened.platform,
    }


def queue(items: Iterable[TabItem]) -> list[dict[str, Any]]:
    return [e for e in (queue_entry(i) for i in items) if e is not None]


def youtube_ids(items: Iterable[TabItem]) -> list[str]:
    return [v for v in (youtube_video_id(play_links(i)) for i in items) if v]


def choices() -> dict[str, list[tuple[str, str]]]:
    return {
        "sorts": [(s, SORT_LABELS.get(s, s.title())) for s in SORTS],
        "platforms": [(p, platform_name(p)) for p in PLATFORMS],
        "kinds": [(k, KIND_LABELS.get(k, k.title())) for k in KINDS],
    }


def live_party(party: Party, group_path: str, key: str | None) -> dict[str, str]:
    """A live or scheduled party as the tab's banner links it."""
    when = "on now" if party.state is not PartyState.SCHEDULED else "scheduled"
    return {
        "url": with_key(f"{group_path}/party/{party.id}", {}, key),
        "label": f"Listening party #{party.id} with {party.draft.host_name}",
        "when": when,
    }
