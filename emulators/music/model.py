"""Catalog items (tracks, albums, playlists) and their per-platform ids and canonical URLs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from emulators.music import ids

PLATFORMS = (
    "spotify",
    "apple_music",
    "youtube",
    "youtube_music",
    "deezer",
    "tidal",
    "soundcloud",
    "bandcamp",
    "amazon_music",
)
KINDS = ("track", "album", "playlist")

Ref = dict[
    str, str
]  # {"id": ..., "url": ...} plus platform extras (Apple album_id, Amazon album_asin)


@dataclass
class Item:
    """One catalog entry, as ``GET /_emu/music/catalog`` lists it."""

    id: str
    kind: str
    title: str
    artists: list[str]
    album: str | None = None
    duration_ms: int | None = None
    isrc: str | None = None
    upc: str | None = None
    platforms: dict[str, Ref] = field(default_factory=dict)
    short_links: list[dict[str, Any]] = field(default_factory=list)
    tracks: list[str] = field(default_factory=list)  # albums/playlists: catalog ids of tracks
    album_id: str | None = None  # tracks: catalog id of the album
    track_number: int = 1
    release_date: str = "2024-01-01"
    label: str = ""
    genre: str = "Pop"
    album_type: str = "album"  # albums: album | single | ep
    explicit: bool = False
    owner: str = ""
    description: str = ""
    mbid: str = ""

    @property
    def key(self) -> str:
        """The seed every derived id of this item comes from."""
        return f"{self.kind}:{self.artists[0] if self.artists else ''}:{self.title}"

    @property
    def artist(self) -> str:
        return ", ".join(self.artists)

    def ref(self, platform: str) -> Ref | None:
        return self.platforms.get(platform)

    def pid(self, platform: str) -> str:
        return self.platforms[platform]["id"]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "artists": list(self.artists),
            "album": self.album,
            "duration_ms": self.duration_ms,
        }
        out["isrc" if self.kind == "track" else "upc"] = (
            self.isrc if self.kind == "track" else self.upc
        )
        out["platforms"] = {name: dict(ref) for name, ref in self.platforms.items()}
        out["short_links"] = [dict(link) for link in self.short_links]
        out.update(self._extras())
        return out

    def _extras(self) -> dict[str, Any]:
        extras: dict[str, Any] = {"release_date": self.release_date, "mbid": self.mbid}
        if self.kind == "track":
            extras.update(album_id=self.album_id, track_number=self.track_number)
            extras["explicit"] = self.explicit
        else:
            extras["tracks"] = list(self.tracks)
        if self.kind == "album":
            extras.update(label=self.label, genre=self.genre, album_type=self.album_type)
        if self.kind == "playlist":
            extras.update(owner=self.owner, description=self.description)
        return extras


# -- per-platform ids ---------------------------------------------------------------------------
def _youtube_list(item: Item) -> str:
    if item.kind == "album":
        return "OLAK5uy_" + ids.chars("olak:" + item.key, 33, ids.URLSAFE)
    return "PL" + ids.chars("pl:" + item.key, 32, ids.URLSAFE)


def _soundcloud_id(item: Item) -> str:
    user = ids.handle(item.owner or item.artists[0])
    name = ids.slug(item.title, ascii_only=True)
    return f"{user}/{name}" if item.kind == "track" else f"{user}/sets/{name}"


def _bandcamp_id(item: Item) -> str:
    kind = "track" if item.kind == "track" else "album"
    return f"{ids.handle(item.artists[0])}/{kind}/{ids.slug(item.title, ascii_only=True)}"


def _apple_id(item: Item) -> str:
    if item.kind == "playlist":
        return "pl." + ids.hex_id("apple:" + item.key)
    return ids.digits("apple:" + item.key, 10)


def _youtube_video(item: Item, platform: str) -> str:
    return ids.youtube_id(f"{platform}:{item.key}") if item.kind == "track" else _youtube_list(item)


def _digits_for(platform: str, sizes: dict[str, int]) -> Callable[[Item], str]:
    return lambda item: ids.digits(f"{platform}:{item.key}", sizes[item.kind])


ID_MAKERS: dict[str, Callable[[Item], str]] = {
    "spotify": lambda item: ids.base62("spotify:" + item.key),
    "apple_music": _apple_id,
    "youtube": lambda item: _youtube_video(item, "youtube"),
    "youtube_music": lambda item: _youtube_video(item, "youtube_music"),
    "deezer": _digits_for("deezer", {"track": 10, "album": 9, "playlist": 10}),
    "tidal": lambda item: (
        ids.uuid_from("tidal:" + item.key)
        if item.kind == "playlist"
        else ids.digits("tidal:" + item.key, 9)
    ),
    "soundcloud": _soundcloud_id,
    "bandcamp": _bandcamp_id,
    "amazon_music": lambda item: ids.asin("amazon:" + item.key),
}


# -- canonical URLs -----------------------------------------------------------------------------
def _apple_url(item: Item, ref: Ref) -> str:
    if item.kind == "playlist":
        return f"https://music.apple.com/us/playlist/{ids.slug(item.title)}/{ref['id']}"
    if item.kind == "album":
        return f"https://music.apple.com/us/album/{ids.slug(item.title)}/{ref['id']}"
    album_slug = ids.slug(item.album or item.title)
    return f"https://music.apple.com/us/album/{album_slug}/{ref['album_id']}?i={ref['id']}"


def _youtube_url(host: str) -> Callable[[Item, Ref], str]:
    def build(item: Item, ref: Ref) -> str:
        if item.kind == "track":
            return f"https://{host}/watch?v={ref['id']}"
        return f"https://{host}/playlist?list={ref['id']}"

    return build


def _amazon_url(item: Item, ref: Ref) -> str:
    if item.kind == "track":
        return f"https://music.amazon.com/albums/{ref['album_asin']}?trackAsin={ref['id']}"
    section = "albums" if item.kind == "album" else "playlists"
    return f"https://music.amazon.com/{section}/{ref['id']}"


def _bandcamp_url(item: Item, ref: Ref) -> str:
    sub, kind, name = ref["id"].split("/", 2)
    return f"https://{sub}.bandcamp.com/{kind}/{name}"


URL_MAKERS: dict[str, Callable[[Item, Ref], str]] = {
    "spotify": lambda item, ref: f"https://open.spotify.com/{item.kind}/{ref['id']}",
    "apple_music": _apple_url,
    "youtube": _youtube_url("www.youtube.com"),
    "youtube_music": _youtube_url("music.youtube.com"),
    "deezer": lambda item, ref: f"https://www.deezer.com/{item.kind}/{ref['id']}",
    "tidal": lambda item, ref: f"https://tidal.com/browse/{item.kind}/{ref['id']}",
    "soundcloud": lambda item, ref: f"https://soundcloud.com/{ref['id']}",
    "bandcamp": _bandcamp_url,
    "amazon_music": _amazon_url,
}


def complete_refs(item: Item, album: Item | None) -> None:
    """Fill in missing platform ids and URLs (tracks need their album's Apple/Amazon ids)."""
    for platform in list(item.platforms):
        if platform not in ID_MAKERS:
            continue
        ref = item.platforms[platform]
        ref.setdefault("id", ID_MAKERS[platform](item))
        if item.kind == "track" and platform == "apple_music":
            ref.setdefault("album_id", _album_pid(album, platform, item))
        if item.kind == "track" and platform == "amazon_music":
            ref.setdefault("album_asin", _album_pid(album, platform, item))
        ref.setdefault("url", URL_MAKERS[platform](item, ref))


def _album_pid(album: Item | None, platform: str, track: Item) -> str:
    if album is not None and platform in album.platforms:
        return album.pid(platform)
    stand_in = Item(id="", kind="album", title=track.album or track.title, artists=track.artists)
    return ID_MAKERS[platform](stand_in)


# -- artists ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Artist:
    name: str

    @property
    def spotify_id(self) -> str:
        return ids.base62("spotify:artist:" + self.name)

    @property
    def deezer_id(self) -> str:
        return ids.digits("deezer:artist:" + self.name, 7)

    @property
    def apple_id(self) -> str:
        return ids.digits("apple:artist:" + self.name, 9)

    @property
    def mbid(self) -> str:
        return ids.uuid_from("mb:artist:" + self.name)

    @property
    def image_hash(self) -> str:
        return ids.hex_id("image:artist:" + self.name, 24)
