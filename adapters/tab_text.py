"""What both platforms show of a music tab entry, before each platform's own markup: the
headline, the links to every service the item is known on, the counts and the sharers."""

from __future__ import annotations

import re
from collections.abc import Callable

from bridge.groups.commands import PAGE_SIZE
from bridge.music.model import PLATFORMS
from bridge.music.service import PLATFORM_NAMES
from bridge.music.tab_query import TabPage
from bridge.records import TabEntry

SORT_LABELS = {"recent": "Recent", "top": "Top", "reacted": "Most reacted"}
MAX_URL = 400  # longer links are not shown as links (they would crowd out the rest)
MAX_SHARERS = 5
SAFE_URL = re.compile(r"https?://[^\s<>|\"'`]+", re.IGNORECASE)
UNSAFE_IN_URL = {"(": "%28", ")": "%29", "[": "%5B", "]": "%5D"}


def clip(text: str, limit: int, esc: Callable[[str], str] = lambda s: s) -> str:
    """``esc(text)`` within ``limit`` characters: the raw text is cut (ending in "…") before
    escaping, so an escape sequence is never cut in half."""
    out = esc(text)
    while len(out) > limit:
        if not text:
            return ""  # not even "…" fits
        text = text[: max(0, len(text) - (len(out) - limit) - 1)]
        out = esc(text + "…")
    return out


def joined(parts: list[str], budget: int, sep: str = " · ") -> str:
    """As many of ``parts`` as fit in ``budget`` characters, joined."""
    shown: list[str] = []
    for part in parts:
        if len(sep.join([*shown, part])) > budget:
            break
        shown.append(part)
    return sep.join(shown)


def safe_url(url: str) -> str | None:
    """The URL if it can be shown as a link (http(s), no spaces or markup breakers)."""
    if len(url) > MAX_URL or SAFE_URL.fullmatch(url) is None:
        return None
    for char, code in UNSAFE_IN_URL.items():
        url = url.replace(char, code)
    return url


def platform_name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform.replace("_", " ").title())


def links_of(entry: TabEntry) -> list[tuple[str, str]]:
    """(service name, url) for every service the entry is known on, one each, in a fixed order;
    an entry not resolved (yet) has only the link that was shared."""
    found: dict[str, str] = {}
    for link in entry.item.links if entry.item else ():
        url = safe_url(link.url)
        if url and link.platform not in found:
            found[link.platform] = url
    shared = safe_url(entry.url)
    if shared and entry.platform not in found:
        found[entry.platform] = shared
    order = {p: i for i, p in enumerate(PLATFORMS)}
    ranked = sorted(found.items(), key=lambda kv: order.get(kv[0], len(order)))
    return [(platform_name(platform), url) for platform, url in ranked]


def headline(entry: TabEntry) -> str:
    """Title — Artist, Artist for an item; the shared link for an entry not resolved."""
    item = entry.item
    if item is None or not item.title:
        return entry.url
    return f"{item.title} — {', '.join(item.artists)}" if item.artists else item.title


def counts(entry: TabEntry) -> str:
    reactions = "reaction" if entry.reactions == 1 else "reactions"
    return f"shared {entry.shares}× · {entry.reactions} {reactions}"


def sharers(entry: TabEntry) -> str:
    """The sharers as "A, B and 3 more" (raw text: each platform escapes it)."""
    names = list(entry.sharers[:MAX_SHARERS])
    more = len(entry.sharers) - len(names)
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def artwork(tab: TabPage[TabEntry]) -> str | None:
    """The first entry's artwork that can be shown, if any."""
    for entry in tab.items:
        url = safe_url(entry.item.artwork_url or "") if entry.item else None
        if url:
            return url
    return None


def title(tab: TabPage[TabEntry]) -> str:
    return f"🎧 {tab.group_name} — music tab"


def footer(tab: TabPage[TabEntry]) -> str:
    items = "item" if tab.total == 1 else "items"
    sort = SORT_LABELS.get(tab.sort, tab.sort)
    return f"page {tab.page}/{tab.pages} · {sort} · {tab.total} {items}"


EMPTY = (
    "Nothing shared yet: paste a Spotify, Apple Music, YouTube or Deezer link in a linked channel."
)


def position(tab: TabPage[TabEntry], index: int) -> int:
    """The entry's rank in the whole tab (1-based)."""
    return (tab.page - 1) * PAGE_SIZE + index + 1
