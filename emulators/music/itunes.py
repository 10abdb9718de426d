"""iTunes Search API under ``/itunes`` (``https://itunes.apple.com``): ``/lookup`` and ``/search``.

Like the real service the JSON is served as ``text/javascript; charset=utf-8`` (clients must not
insist on ``application/json``), results carry no ISRC, and about 20 calls per minute per client
address are allowed (then HTTP 403).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from emulators.music import ids
from emulators.music.catalog import Catalog, Query
from emulators.music.model import Artist, Item
from emulators.music.state import MusicState

PREFIX = "/itunes"
ART = "https://is1-ssl.mzstatic.com/image/thumb/Music126/v4"
PREVIEW = "https://audio-ssl.itunes.apple.com/itunes-assets/AudioPreview"


def _respond(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "text/javascript; charset=utf-8"},
    )


def _results(rows: list[dict[str, Any]]) -> web.Response:
    return _respond({"resultCount": len(rows), "results": rows})


def _artwork(album: Item | None, fallback: str) -> dict[str, str]:
    digest = ids.uuid_from("apple-art:" + (album.key if album else fallback))
    a, b, c = digest[:2], digest[2:4], digest[4:6]
    base = f"{ART}/{a}/{b}/{c}/{digest}/{album.upc if album else 'cover'}.jpg"
    return {f"artworkUrl{n}": f"{base}/{n}x{n}bb.jpg" for n in (30, 60, 100)}


def _artist_fields(name: str) -> dict[str, Any]:
    artist = Artist(name)
    return {
        "artistId": int(artist.apple_id),
        "artistName": name,
        "artistViewUrl": f"https://music.apple.com/us/artist/{ids.slug(name)}/{artist.apple_id}?uo=4",
    }


def _explicitness(explicit: bool) -> str:
    return "explicit" if explicit else "notExplicit"


def collection(catalog: Catalog, album: Item) -> dict[str, Any]:
    tracks = catalog.tracks_of(album, "apple_music")
    return {
        "wrapperType": "collection",
        "collectionType": "Album",
        **_artist_fields(album.artists[0]),
        "collectionId": int(album.pid("apple_music")),
        "collectionName": album.title,
        "collectionCensoredName": album.title,
        "collectionViewUrl": album.platforms["apple_music"]["url"] + "?uo=4",
        **_artwork(album, album.key),
        "collectionPrice": 9.99 if len(tracks) > 3 else 1.29,
        "collectionExplicitness": _explicitness(any(t.explicit for t in tracks)),
        "trackCount": len(album.tracks),
        "copyright": f"℗ {album.release_date[:4]} {album.label}",
        "country": "USA",
        "currency": "USD",
        "releaseDate": f"{album.release_date}T07:00:00Z",
        "primaryGenreName": album.genre,
    }


def song(catalog: Catalog, track: Item) -> dict[str, Any]:
    ref = track.platforms["apple_music"]
    album = catalog.album_of(track)
    explicit = _explicitness(track.explicit)
    return {
        "wrapperType": "track",
        "kind": "song",
        **_artist_fields(track.artists[0]),
        "collectionId": int(ref["album_id"]),
        "trackId": int(ref["id"]),
        "collectionName": track.album or track.title,
        "trackName": track.title,
        "collectionCensoredName": track.album or track.title,
        "trackCensoredName": track.title,
        "collectionViewUrl": ref["url"].split("?")[0] + "?uo=4",
        "trackViewUrl": ref["url"] + "&uo=4",
        "previewUrl": f"{PREVIEW}/{ids.hex_id(track.key, 12)}.m4a",
        **_artwork(album, track.key),
        "collectionPrice": 9.99,
        "trackPrice": 1.29,
        "releaseDate": f"{track.release_date}T07:00:00Z",
        "collectionExplicitness": explicit,
        "trackExplicitness": explicit,
        "discCount": 1,
        "discNumber": 1,
        "trackCount": len(album.tracks) if album else 1,
        "trackNumber": track.track_number,
        "trackTimeMillis": track.duration_ms,
        "country": "USA",
        "currency": "USD",
        "primaryGenreName": album.genre if album else "Pop",
        "isStreamable": True,
    }


def artist_result(catalog: Catalog, artist: Artist) -> dict[str, Any]:
    albums = catalog.by_artist(artist.name, "album", "apple_music")
    return {
        "wrapperType": "artist",
        "artistType": "Artist",
        **_artist_fields(artist.name),
        "artistLinkUrl": _artist_fields(artist.name)["artistViewUrl"],
        "primaryGenreName": albums[0].genre if albums else "Pop",
    }


def _lookup_one(catalog: Catalog, key: str, entity: str | None) -> list[dict[str, Any]]:
    track = catalog.find("apple_music", "track", key)
    if track is not None:
        return [song(catalog, track)]
    album = catalog.find("apple_music", "album", key)
    if album is not None:
        rows = [collection(catalog, album)]
        if entity in ("song", "musicTrack"):
            rows += [song(catalog, t) for t in catalog.tracks_of(album, "apple_music")]
        return rows
    artist = catalog.artist("apple_music", key)
    return [artist_result(catalog, artist)] if artist is not None else []


def lookup(catalog: Catalog, request: web.Request) -> web.Response:
    query = request.query
    entity = query.get("entity")
    if "upc" in query:
        album = catalog.by_upc(query["upc"])
        keys = [album.pid("apple_music")] if album and "apple_music" in album.platforms else []
    elif "isrc" in query:
        keys = [t.pid("apple_music") for t in catalog.by_isrc(query["isrc"], "apple_music")]
    else:
        keys = [k for k in query.get("id", "").split(",") if k]
        if not keys or not all(k.isdigit() for k in keys):
            return _bad_request(dict(query), "id")
    return _results([row for key in keys for row in _lookup_one(catalog, key, entity)])


def _bad_request(query: dict[str, str], key: str) -> web.Response:
    body = {"errorMessage": f"Invalid value(s) for key(s): [{key}]", "queryParameters": query}
    return _respond(body, status=400)


def search(catalog: Catalog, request: web.Request) -> web.Response:
    query = request.query
    term = query.get("term", "").replace("+", " ")
    try:
        limit = min(max(int(query.get("limit", 50)), 1), 200)
    except ValueError:
        return _bad_request(dict(query), "limit")
    words = Query(words=tuple(term.split()))
    entity = query.get("entity", "song")
    if entity == "album":
        rows = [
            collection(catalog, a)
            for a in catalog.search(words, kind="album", platform="apple_music")
        ]
    elif entity == "musicArtist":
        rows = [
            artist_result(catalog, a)
            for a in catalog.artists.values()
            if words.matches(Item(id="", kind="track", title="", artists=[a.name]))
            and catalog.by_artist(a.name, platform="apple_music")
        ]
    else:
        rows = [song(catalog, t) for t in catalog.search(words, platform="apple_music")]
    return _results(rows[:limit] if term.strip() else [])


Endpoint = Callable[[Catalog, web.Request], web.Response]


def handler(
    state: MusicState, endpoint: Endpoint
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        peer = request.remote or "local"
        allowed, _, _ = state.emu.limiter.take(f"itunes:{peer}", limit=20, window=60.0)
        if not allowed:
            return web.Response(status=403, text="Forbidden")
        return endpoint(state.catalog, request)

    return handle


def install(app: web.Application, state: MusicState) -> None:
    app.router.add_get(PREFIX + "/lookup", handler(state, lookup))
    app.router.add_get(PREFIX + "/search", handler(state, search))
