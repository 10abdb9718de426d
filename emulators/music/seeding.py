"""Build catalog items from ``seed.json`` (the seeded catalog) and from control-API JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from emulators.music import ids
from emulators.music.links import default_short_links
from emulators.music.model import KINDS, PLATFORMS, Item, complete_refs

SEED_FILE = Path(__file__).with_name("seed.json")
PREFIX = {"track": "trk", "album": "alb", "playlist": "pl"}
DEFAULT_PLAYLIST_PLATFORMS = ("spotify", "deezer", "tidal", "youtube")
DEFAULT_PLATFORMS = tuple(p for p in PLATFORMS if p != "bandcamp")


class CatalogInputError(ValueError):
    """A control-API item that cannot be stored (answered 400)."""


def catalog_id(kind: str, artists: list[str], title: str) -> str:
    owner = ids.handle(artists[0]) if artists else "various"
    return f"{PREFIX[kind]}-{owner}-{ids.slug(title, ascii_only=True)}"


def seed_items() -> list[Item]:
    """The seeded catalog: albums with their tracks, then playlists. Deterministic."""
    data = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    items: list[Item] = []
    by_name: dict[tuple[str, str], Item] = {}
    for spec in data["albums"]:
        album, *tracks = _album_from_seed(spec, data["profiles"])
        items += [album, *tracks]
        by_name.update({(t.artists[0], t.title): t for t in tracks})
    for spec in data["playlists"]:
        items.append(_playlist_from_seed(spec, by_name))
    return items


def _duration(text: str, seed: str) -> int:
    minutes, seconds = text.split(":")
    return (int(minutes) * 60 + int(seconds)) * 1000 + ids.number(seed) % 1000


def _album_from_seed(spec: dict[str, Any], profiles: dict[str, list[str]]) -> tuple[Item, ...]:
    artists = list(spec["artists"])
    available = [p for p in profiles[spec["profile"]] if p not in spec.get("missing", [])]
    album = Item(
        id=catalog_id("album", artists, spec["title"]),
        kind="album",
        title=spec["title"],
        artists=artists,
        release_date=spec["date"],
        label=spec["label"],
        genre=spec["genre"],
        album_type=spec["type"],
    )
    tracks = [
        _track_from_seed(album, entry, number, available, spec["country"])
        for number, entry in enumerate(spec["tracks"], start=1)
    ]
    on_tracks = {p for t in tracks for p in t.platforms}
    album.platforms = {p: {} for p in available if p in on_tracks and _album_on(album, p)}
    album.tracks = [t.id for t in tracks]
    album.duration_ms = sum(t.duration_ms or 0 for t in tracks)
    finish(album, None)
    for track in tracks:
        finish(track, album)
    return (album, *tracks)


def _album_on(album: Item, platform: str) -> bool:
    """Singles have no SoundCloud set."""
    return platform != "soundcloud" or album.album_type != "single"


def _track_from_seed(
    album: Item, entry: Any, number: int, available: list[str], country: str
) -> Item:
    spec = {"title": entry[0], "length": entry[1]} if isinstance(entry, list) else dict(entry)
    platforms = spec.get("only") or [p for p in available if p not in spec.get("missing", [])]
    artists = list(spec.get("artists", album.artists))
    track = Item(
        id=catalog_id("track", artists, spec["title"]),
        kind="track",
        title=spec["title"],
        artists=artists,
        album=album.title,
        album_id=album.id,
        track_number=number,
        release_date=album.release_date,
        explicit=bool(spec.get("explicit", False)),
        platforms={p: {} for p in platforms},
    )
    track.duration_ms = _duration(spec["length"], track.key)
    track.isrc = ids.isrc(track.key, country, album.release_date[:4])
    return track


def _playlist_from_seed(spec: dict[str, Any], by_name: dict[tuple[str, str], Item]) -> Item:
    tracks = [by_name[(artist, title)] for artist, title in spec["tracks"]]
    playlist = Item(
        id=catalog_id("playlist", [spec["owner"]], spec["title"]),
        kind="playlist",
        title=spec["title"],
        artists=[],
        owner=spec["owner"],
        description=spec["description"],
        release_date="2025-01-10",
        platforms={p: {} for p in spec["platforms"]},
        tracks=[t.id for t in tracks],
        duration_ms=sum(t.duration_ms or 0 for t in tracks),
    )
    finish(playlist, None)
    return playlist


def finish(item: Item, album: Item | None) -> None:
    """Derive everything an item lacks: ids, URLs, ISRC/UPC, MBID, short links."""
    complete_refs(item, album)
    if item.kind == "track" and not item.isrc:
        item.isrc = ids.isrc(item.key, "US", item.release_date[:4])
    if item.kind == "album" and not item.upc:
        item.upc = ids.upc("upc:" + item.key)
    item.mbid = item.mbid or ids.uuid_from("mb:" + item.key)
    if not item.short_links:
        item.short_links = default_short_links(item)


# -- control-API input --------------------------------------------------------------------------
def item_from_json(data: Any) -> Item:
    """An item from ``POST /_emu/music/catalog`` JSON (same shape as the listing; ids optional)."""
    if not isinstance(data, dict) or not isinstance(data.get("title"), str):
        raise CatalogInputError("an item needs at least a string 'title'")
    kind = str(data.get("kind", "track"))
    if kind not in KINDS:
        raise CatalogInputError(f"kind must be one of {', '.join(KINDS)}")
    artists = data.get("artists", [])
    artists = [artists] if isinstance(artists, str) else [str(a) for a in artists]
    owner = str(data.get("owner") or "fanbridge-curator") if kind == "playlist" else ""
    named_by = [owner] if kind == "playlist" else artists or [""]
    item = Item(
        id=str(data.get("id") or catalog_id(kind, named_by, data["title"])),
        kind=kind,
        title=data["title"],
        artists=artists,
        owner=owner,
        platforms=_platforms_from_json(data.get("platforms"), kind),
    )
    _copy_fields(item, data)
    return item


def _platforms_from_json(value: Any, kind: str) -> dict[str, dict[str, str]]:
    if value is None:
        names = DEFAULT_PLAYLIST_PLATFORMS if kind == "playlist" else DEFAULT_PLATFORMS
        return {p: {} for p in names}
    if isinstance(value, list):
        value = {str(p): {} for p in value}
    if not isinstance(value, dict):
        raise CatalogInputError("platforms must be an object or a list of platform names")
    unknown = [p for p in value if p not in PLATFORMS]
    if unknown:
        raise CatalogInputError(f"unknown platforms: {', '.join(unknown)}")
    return {p: {k: str(v) for k, v in (ref or {}).items()} for p, ref in value.items()}


def _copy_fields(item: Item, data: dict[str, Any]) -> None:
    item.album = data.get("album") if item.kind == "track" else None
    duration = data.get("duration_ms")
    item.duration_ms = int(duration) if duration is not None else None
    item.isrc = data.get("isrc")
    if item.isrc is not None and not ids.ISRC_RE.match(item.isrc):
        raise CatalogInputError(f"invalid ISRC {item.isrc!r} (expected CCXXXYYNNNNN)")
    item.upc = data.get("upc")
    item.short_links = list(data.get("short_links") or [])
    item.tracks = [str(t) for t in data.get("tracks", [])]
    for name in ("release_date", "label", "genre", "album_type", "description", "mbid"):
        if data.get(name) is not None:
            setattr(item, name, str(data[name]))
    item.explicit = bool(data.get("explicit", False))
    item.track_number = int(data.get("track_number", 1))
    if item.kind == "track" and item.duration_ms is None:
        item.duration_ms = 150_000 + ids.number(item.key) % 120_000
