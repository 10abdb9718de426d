"""The music catalog: seeded items plus items added through the control API, with lookups."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from emulators.music import links
from emulators.music.links import Redirect
from emulators.music.model import Artist, Item, complete_refs
from emulators.music.seeding import (
    CatalogInputError,
    catalog_id,
    finish,
    item_from_json,
    seed_items,
)

YOUTUBE_HOSTS = {"youtube": "music.youtube.com", "youtube_music": "www.youtube.com"}


def fold(text: str) -> str:
    """Case- and accent-insensitive form for matching search terms."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass
class Query:
    """A platform-neutral track/album search: free words plus field filters."""

    words: tuple[str, ...] = ()
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    isrc: str | None = None
    upc: str | None = None
    year: str | None = None

    def matches(self, item: Item) -> bool:
        hay = fold(" ".join([item.title, *item.artists, item.album or ""]))
        checks = (
            all(fold(w) in hay for w in self.words),
            self.title is None or fold(self.title) in fold(item.title),
            self.artist is None or any(fold(self.artist) in fold(a) for a in item.artists),
            self.album is None or fold(self.album) in fold(item.album or item.title),
            self.isrc is None or (item.isrc or "").upper() == self.isrc.upper(),
            self.upc is None or item.upc == self.upc,
            self.year is None or item.release_date.startswith(self.year),
        )
        return all(checks)


class Catalog:
    def __init__(self, extra: list[Any] | None = None) -> None:
        self.items: dict[str, Item] = {item.id: item for item in seed_items()}
        self.redirects: dict[str, Redirect] = {}
        self.artists: dict[str, Artist] = {}
        self._refs: dict[tuple[str, str, str], str] = {}
        self._isrc: dict[str, list[str]] = {}
        self._upc: dict[str, str] = {}
        self._pages: dict[str, tuple[str, str]] = {}
        self._artist_refs: dict[tuple[str, str], str] = {}
        self._reindex()
        if extra:
            self.add_json({"items": extra})

    # -- control API ----------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "items": [item.to_json() for item in self.items.values()],
            "hostile_short_links": [
                {"url": url, "location": location} for url, location in links.HOSTILE
            ],
        }

    def counts(self) -> dict[str, int]:
        kinds = [item.kind for item in self.items.values()]
        return {f"{kind}s": kinds.count(kind) for kind in ("track", "album", "playlist")}

    def add_json(self, data: Any) -> list[Item]:
        """Store one item or ``{"items": [...]}``; returns the stored items with generated ids."""
        entries = data.get("items") if isinstance(data, dict) and "items" in data else data
        if not isinstance(entries, list):
            entries = [entries]
        stored = [self._add(item_from_json(entry)) for entry in entries]
        self._reindex()
        return stored

    def _add(self, item: Item) -> Item:
        album = self._album_for(item) if item.kind == "track" else None
        missing = [t for t in item.tracks if t not in self.items]
        if missing:
            raise CatalogInputError(f"unknown track ids: {', '.join(missing)}")
        if item.kind != "track" and item.duration_ms is None:
            item.duration_ms = sum(self.items[t].duration_ms or 0 for t in item.tracks)
        finish(item, album)
        self.items[item.id] = item
        return item

    def _find_album(self, title: str, artists: list[str]) -> Item | None:
        return next(
            (
                i
                for i in self.items.values()
                if i.kind == "album" and i.title == title and i.artists[:1] == artists[:1]
            ),
            None,
        )

    def _album_for(self, track: Item) -> Item:
        """The track's album (created as a single/album when it does not exist yet)."""
        title = track.album or track.title
        track.album = title
        album = self._find_album(title, track.artists)
        if album is None:
            album = Item(
                id=catalog_id("album", track.artists or [""], title),
                kind="album",
                title=title,
                artists=list(track.artists),
                album_type="single" if title == track.title else "album",
                release_date=track.release_date,
            )
            self.items[album.id] = album
        if track.id not in album.tracks:
            album.tracks.append(track.id)
        track.album_id, track.track_number = album.id, album.tracks.index(track.id) + 1
        for platform in track.platforms:
            if platform not in album.platforms and platform != "soundcloud":
                album.platforms[platform] = {}
        complete_refs(album, None)
        finish(album, None)
        others = [self.items[t] for t in album.tracks if t in self.items and t != track.id]
        album.duration_ms = sum(t.duration_ms or 0 for t in [*others, track])
        return album

    # -- indexes --------------------------------------------------------------------------------
    def _reindex(self) -> None:
        for index in (self._refs, self._isrc, self._upc, self._pages, self._artist_refs):
            index.clear()
        self.redirects = links.hostile_redirects()
        self.artists.clear()
        for item in self.items.values():
            self._index(item)

    def _index(self, item: Item) -> None:
        for platform, ref in item.platforms.items():
            self._refs[(platform, item.kind, ref["id"])] = item.id
            self._pages[links.page_key(ref["url"])] = (item.id, platform)
            if platform in YOUTUBE_HOSTS and item.kind == "track":
                other = f"https://{YOUTUBE_HOSTS[platform]}/watch?v={ref['id']}"
                self._pages.setdefault(links.page_key(other), (item.id, platform))
        if item.isrc:
            self._isrc.setdefault(item.isrc.upper(), []).append(item.id)
        if item.upc:
            self._upc[item.upc] = item.id
        for name in item.artists:
            artist = self.artists.setdefault(name, Artist(name))
            self._artist_refs[("spotify", artist.spotify_id)] = name
            self._artist_refs[("deezer", artist.deezer_id)] = name
            self._artist_refs[("apple_music", artist.apple_id)] = name
            self._artist_refs[("musicbrainz", artist.mbid)] = name
        self.redirects.update(links.redirects_for(item))

    # -- lookups --------------------------------------------------------------------------------
    def get(self, item_id: str | None) -> Item | None:
        return self.items.get(item_id) if item_id else None

    def find(self, platform: str, kind: str, pid: str) -> Item | None:
        return self.get(self._refs.get((platform, kind, pid)))

    def find_any(self, platform: str, pid: str) -> Item | None:
        return next(
            (i for kind in ("track", "album", "playlist") if (i := self.find(platform, kind, pid))),
            None,
        )

    def tracks_of(self, item: Item, platform: str | None = None) -> list[Item]:
        tracks = [self.items[t] for t in item.tracks if t in self.items]
        return [t for t in tracks if platform is None or platform in t.platforms]

    def album_of(self, track: Item) -> Item | None:
        return self.get(track.album_id)

    def by_isrc(self, isrc: str, platform: str | None = None) -> list[Item]:
        found = [self.items[i] for i in self._isrc.get(isrc.upper(), [])]
        return [t for t in found if platform is None or platform in t.platforms]

    def by_upc(self, upc: str) -> Item | None:
        return self.get(self._upc.get(upc))

    def page(self, url: str) -> tuple[Item, str] | None:
        hit = self._pages.get(links.page_key(url))
        return (self.items[hit[0]], hit[1]) if hit else None

    def artist(self, platform: str, artist_id: str) -> Artist | None:
        name = self._artist_refs.get((platform, artist_id))
        return self.artists.get(name) if name else None

    def by_artist(self, name: str, kind: str = "track", platform: str | None = None) -> list[Item]:
        return [
            i
            for i in self.items.values()
            if i.kind == kind
            and name in i.artists
            and (platform is None or platform in i.platforms)
        ]

    def search(
        self, query: Query, *, kind: str = "track", platform: str | None = None
    ) -> list[Item]:
        return [
            i
            for i in self.items.values()
            if i.kind == kind and (platform is None or platform in i.platforms) and query.matches(i)
        ]
