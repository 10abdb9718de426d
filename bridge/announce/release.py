"""Release reminders: an announcement that links a track or album the resolver knows shows its
artwork and its links on every platform the item is known on."""

from __future__ import annotations

from typing import Protocol

from bridge.announce.release_card import Release
from bridge.music.links import find_music_links
from bridge.music.service import PLATFORM_NAMES
from bridge.records import MusicItem

KINDS = ("track", "album")


class ReleaseLookup(Protocol):
    async def item_for_link(self, platform: str, kind: str, platform_id: str) -> int | None: ...

    async def get_item(self, item_id: int) -> MusicItem | None: ...


async def release_in(store: ReleaseLookup, text: str) -> Release | None:
    """The first known track or album linked in ``text``, as a release card."""
    for link in find_music_links(text):
        if link.kind not in KINDS or link.id is None:
            continue
        item_id = await store.item_for_link(link.platform, link.kind, link.id)
        item = await store.get_item(item_id) if item_id is not None else None
        if item is not None:
            return _release(item)
    return None


def _release(item: MusicItem) -> Release:
    links: dict[str, str] = {}
    for link in item.links:
        links.setdefault(PLATFORM_NAMES.get(link.platform, link.platform), link.url)
    return Release(
        title=item.title,
        artists=item.artists,
        kind=item.kind,
        artwork_url=item.artwork_url,
        links=tuple(links.items()),
    )
