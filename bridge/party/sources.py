"""What a party plays: the music tab's view (``top`` / ``recent``, its first 20 songs), music
links, or an album / playlist link whose tracks are listed by the platform (TrackLister)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from bridge.music.keys import link_key
from bridge.music.links.find import find_music_links
from bridge.music.model import Metadata, ProviderUnavailable
from bridge.music.resolve import Resolver
from bridge.party.model import MAX_QUEUE
from bridge.ports import MusicStore
from bridge.records import MusicItem

log = logging.getLogger(__name__)
TAB_VIEWS = ("top", "recent")
FROM_TAB = 20
COLLECTIONS = ("album", "playlist")


class TrackLister(Protocol):
    async def tracks_of(self, platform: str, kind: str, platform_id: str) -> list[Metadata]:
        """An album's or playlist's tracks, in order (raises ProviderUnavailable)."""
        ...


@dataclass(frozen=True, slots=True)
class Found:
    songs: list[MusicItem]
    problems: list[str]  # what could not be played, said in the reply


class SongFinder:
    def __init__(
        self,
        store: MusicStore,
        resolver: Resolver | None = None,
        lister: TrackLister | None = None,
    ) -> None:
        self.store = store
        self.resolver = resolver
        self.lister = lister

    async def find(self, group_id: int, source: str) -> Found:
        view = source.strip().lower()
        if view in TAB_VIEWS:
            return await self.from_tab(group_id, view)
        return await self.from_links(source)

    async def from_tab(self, group_id: int, sort: str) -> Found:
        entries, _ = await self.store.music_tab(group_id, sort=sort, limit=FROM_TAB * 2)
        songs = [e.item for e in entries if e.item is not None and e.item.kind == "track"]
        problems = [] if songs else [f"the music tab has no songs to play ({sort})"]
        return Found(songs[:FROM_TAB], problems)

    async def from_links(self, text: str) -> Found:
        songs: list[MusicItem] = []
        problems: list[str] = []
        links = find_music_links(text)
        if not links:
            return Found([], ["no music link, nor `top` / `recent`"])
        for link in links:
            item = await self._item(link_key(link), link.url)
            if item is None:
                problems.append(f"{link.url} could not be found")
            elif item.kind == "track":
                songs.append(item)
            elif item.kind in COLLECTIONS:
                songs += await self._tracks(item, problems)
            else:
                problems.append(f"{link.url} is not a song, album or playlist")
        return Found(songs[:MAX_QUEUE], problems)

    async def _item(self, key: str, url: str) -> MusicItem | None:
        if self.resolver is None:
            return None
        item_id = await self.resolver.resolve(key, url)
        return await self.store.get_item(item_id) if item_id is not None else None

    async def _tracks(self, collection: MusicItem, problems: list[str]) -> list[MusicItem]:
        if self.lister is None or self.resolver is None:
            problems.append(f"the tracks of {collection.title} cannot be listed here")
            return []
        for link in collection.links:
            if link.kind != collection.kind:
                continue
            try:
                metas = await self.lister.tracks_of(link.platform, link.kind, link.platform_id)
            except ProviderUnavailable as exc:
                log.warning("listing %s %s failed: %s", link.platform, link.platform_id, exc)
                continue
            ids = [await self.resolver.item_for(m) for m in metas[:MAX_QUEUE]]
            items = [await self.store.get_item(i) for i in ids]
            return [i for i in items if i is not None]
        problems.append(f"the tracks of {collection.title} could not be listed")
        return []
