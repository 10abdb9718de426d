"""Spotify Web API catalog endpoints under ``/spotify/v1``: tracks, albums, artists, search, me.

Playlists live in ``spotify_playlists``; auth, rate limits, errors and the February-2026
removed endpoints in ``spotify_api``.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from emulators.music import spotify_playlists
from emulators.music.catalog import Query, fold
from emulators.music.spotify_api import API, Call, SpotifyError, install_removed, wrap
from emulators.music.spotify_objects import paging
from emulators.music.state import MusicState

SEARCH_TYPES = ("album", "artist", "playlist", "track", "show", "episode", "audiobook")
FILTER_RE = re.compile(r'(\w+):(?:"([^"]*)"|(\S+))')
FILTERS = ("track", "artist", "album", "isrc", "upc", "year")


def install(app: web.Application, state: MusicState) -> None:
    routes: list[tuple[str, str, Any, int]] = [
        ("GET", "/tracks/{id}", get_track, 200),
        ("GET", "/albums/{id}", get_album, 200),
        ("GET", "/albums/{id}/tracks", get_album_tracks, 200),
        ("GET", "/artists/{id}", get_artist, 200),
        ("GET", "/search", search, 200),
        ("GET", "/me", get_me, 200),
        *spotify_playlists.ROUTES,
    ]
    for method, path, endpoint, status in routes:
        handler = wrap(state, endpoint, status=status)
        app.router.add_route(method, API + path, handler)
        app.router.add_route(method, API + path + "/", handler)  # spotipy calls "me/"
    install_removed(app, state)


async def get_track(call: Call) -> Any:
    track = call.state.catalog.find("spotify", "track", call.spotify_id())
    if track is None:
        raise SpotifyError(404, "Resource not found")
    return call.render.track(track)


async def get_album(call: Call) -> Any:
    album = call.state.catalog.find("spotify", "album", call.spotify_id())
    if album is None:
        raise SpotifyError(404, "Resource not found")
    return call.render.album(album)


async def get_album_tracks(call: Call) -> Any:
    album = call.state.catalog.find("spotify", "album", call.spotify_id())
    if album is None:
        raise SpotifyError(404, "Resource not found")
    limit = call.int_arg("limit", 20, 1, 50)
    offset = call.int_arg("offset", 0, 0, 10_000)
    tracks = call.state.catalog.tracks_of(album, "spotify")
    return call.render.album_tracks(
        album, tracks[offset : offset + limit], limit=limit, offset=offset
    )


async def get_artist(call: Call) -> Any:
    artist = call.state.catalog.artist("spotify", call.spotify_id())
    if artist is None:
        raise SpotifyError(404, "Resource not found")
    return call.render.artist(artist)


async def get_me(call: Call) -> Any:
    return {**call.render.user(call.user()), "images": []}


# -- search ---------------------------------------------------------------------------------------
def parse_query(q: str) -> Query:
    """Spotify's field filters (``isrc:``, ``track:``, ``artist:`` ...) plus free words."""
    fields: dict[str, str] = {}
    for match in FILTER_RE.finditer(q):
        name = match.group(1).lower()
        if name in FILTERS:
            fields[name] = match.group(2) if match.group(2) is not None else match.group(3)
    rest = FILTER_RE.sub(lambda m: "" if m.group(1).lower() in FILTERS else m.group(0), q)
    words = tuple(w.strip('"') for w in rest.split() if w.strip('"'))
    title = fields.pop("track", None)
    return Query(words=words, title=title, **fields)


def _search_args(call: Call) -> tuple[str, list[str], int, int]:
    q = call.request.query.get("q", "").strip()
    if not q:
        raise SpotifyError(400, "No search query")
    raw_types = call.request.query.get("type")
    if not raw_types:
        raise SpotifyError(400, "Missing parameter type")
    types = [t.strip() for t in raw_types.split(",")]
    if any(t not in SEARCH_TYPES for t in types):
        raise SpotifyError(400, "Bad search type field")
    limit = call.int_arg("limit", 5, 1, 10)  # Development Mode: at most 10 since 2026
    offset = call.int_arg("offset", 0, 0, 1000)
    return q, types, limit, offset


def _search_items(call: Call, kind: str, query: Query) -> list[dict[str, Any]]:
    catalog, render = call.state.catalog, call.render
    if kind in ("track", "album"):
        found = catalog.search(query, kind=kind, platform="spotify")
        make = render.track if kind == "track" else render.simplified_album
        return [make(item) for item in found]
    if kind == "artist":
        names = [
            a
            for a in catalog.artists.values()
            if _artist_matches(a.name, query) and _has(call, a.name)
        ]
        return [render.artist(a) for a in names]
    if kind == "playlist":
        words = [fold(w) for w in query.words]
        return [
            render.playlist(p, items="ref")
            for p in call.state.playlists.values()
            if p.public and words and all(w in fold(p.name) for w in words)
        ]
    return []


def _artist_matches(name: str, query: Query) -> bool:
    text = fold(name)
    return all(fold(w) in text for w in query.words) and (
        query.artist is None or fold(query.artist) in text
    )


def _has(call: Call, artist: str) -> bool:
    return bool(call.state.catalog.by_artist(artist, platform="spotify"))


async def search(call: Call) -> Any:
    q, types, limit, offset = _search_args(call)
    query = parse_query(q)
    out: dict[str, Any] = {}
    for kind in types:
        found = _search_items(call, kind, query)
        out[kind + "s"] = paging(
            f"{call.render.api}/search",
            found[offset : offset + limit],
            total=len(found),
            limit=limit,
            offset=offset,
            query=q,
            type=kind,
        )
    return out
