"""Spotify playlists: create, read, change details, and the ``/playlists/{id}/items`` endpoints.

Since February 2026 only the owner or a collaborator sees a playlist's items (others get the
playlist without ``items`` and 403 on ``/items``); a playlist is created with ``POST /me/playlists``
(``POST /users/{id}/playlists`` only for the current user). A private playlist's items need the
scope ``playlist-read-private`` (``playlist-read-collaborative`` also does for a collaborative one).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from emulators.music.spotify_api import Call, SpotifyError
from emulators.music.spotify_objects import paging
from emulators.music.state import Entry, SpotifyPlaylist

URI_RE = re.compile(r"^spotify:track:([0-9A-Za-z]{22})$")
MAX_ITEMS = 100
MODIFY = ("playlist-modify-public", "playlist-modify-private")
READ_PRIVATE = ("playlist-read-private",)
READ_COLLABORATIVE = ("playlist-read-collaborative",)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _body(call: Call) -> dict[str, Any]:
    return call.body if isinstance(call.body, dict) else {}


def _publish(call: Call, playlist: SpotifyPlaylist, action: str) -> None:
    call.state.emu.bus.publish(
        "music.playlist",
        {
            "platform": "spotify",
            "action": action,
            "playlist": playlist.id,
            "name": playlist.name,
            "tracks": [e.track_id for e in playlist.entries],
        },
    )


# -- create / list / details ----------------------------------------------------------------------
async def create_for_me(call: Call) -> Any:
    return _create(call, call.user())


async def create_for_user(call: Call) -> Any:
    user = call.user()
    if call.arg("user_id") != user:
        raise SpotifyError(403, "You cannot create a playlist for another user.")
    return _create(call, user)


def _create(call: Call, user: str) -> Any:
    body = _body(call)
    if not isinstance(body.get("name"), str) or not body["name"]:
        raise SpotifyError(400, "Missing required field: name")
    public = bool(body.get("public", True))
    call.need_scope("playlist-modify-public" if public else "playlist-modify-private")
    playlist = call.state.create_playlist(user, body)
    _publish(call, playlist, "created")
    return call.render.playlist(playlist, items="full")


async def my_playlists(call: Call) -> Any:
    user = call.user()
    limit = call.int_arg("limit", 20, 1, 50)
    offset = call.int_arg("offset", 0, 0, 100_000)
    mine = [p for p in call.state.playlists.values() if p.owner == user]
    page = [call.render.playlist(p, items="ref") for p in mine[offset : offset + limit]]
    href = f"{call.render.api}/me/playlists"
    return paging(href, page, total=len(mine), limit=limit, offset=offset)


async def get_playlist(call: Call) -> Any:
    playlist = call.playlist()
    return call.render.playlist(playlist, items="full" if call.is_member(playlist) else "none")


async def change_details(call: Call) -> Any:
    playlist = _editable(call)
    body = _body(call)
    playlist.name = str(body.get("name", playlist.name))
    playlist.description = str(body.get("description", playlist.description))
    if body.get("public") is not None:  # null: "the playlist status is not relevant"
        playlist.public = bool(body["public"])
    if body.get("collaborative") is not None:
        playlist.collaborative = bool(body["collaborative"])
    playlist.touch()
    _publish(call, playlist, "details")
    return None


def _editable(call: Call) -> SpotifyPlaylist:
    playlist = call.playlist()
    if not call.is_member(playlist):
        raise SpotifyError(403, "You cannot modify a playlist you don't own.")
    call.need_scope(*MODIFY)
    return playlist


# -- items ----------------------------------------------------------------------------------------
async def list_items(call: Call) -> Any:
    playlist = call.playlist()
    if not call.is_member(playlist):
        raise SpotifyError(403, "Forbidden")
    if not playlist.public:  # reading a private playlist's items needs playlist-read-private
        call.need_scope(*READ_PRIVATE, *(READ_COLLABORATIVE if playlist.collaborative else ()))
    limit = call.int_arg("limit", 20, 1, 50)
    offset = call.int_arg("offset", 0, 0, 100_000)
    return call.render.playlist_items(playlist, limit=limit, offset=offset)


def _uris(call: Call) -> list[str]:
    if "uris" in call.request.query:
        return [u.strip() for u in call.request.query["uris"].split(",") if u.strip()]
    body = call.body
    uris = body if isinstance(body, list) else _body(call).get("uris")
    if not isinstance(uris, list) or not uris:
        raise SpotifyError(400, "No uris provided")
    return [str(u) for u in uris]


def _tracks(call: Call, uris: list[str]) -> list[str]:
    if len(uris) > MAX_ITEMS:
        raise SpotifyError(400, f"You can add a maximum of {MAX_ITEMS} tracks per request.")
    out = []
    for uri in uris:
        match = URI_RE.match(uri)
        if match is None:
            raise SpotifyError(400, f"Invalid track uri: {uri}")
        track = call.state.catalog.find("spotify", "track", match.group(1))
        if track is None:
            raise SpotifyError(400, "Payload contains a non-existing ID")
        out.append(track.id)
    return out


def _position(call: Call, size: int) -> int:
    raw = call.request.query.get("position", _body(call).get("position"))
    if raw is None:
        return size
    try:
        position = int(raw)
    except (TypeError, ValueError):
        raise SpotifyError(400, "Invalid position") from None
    if not 0 <= position <= size:
        raise SpotifyError(400, "Index out of bounds")
    return position


async def add_items(call: Call) -> Any:
    playlist = _editable(call)
    tracks = _tracks(call, _uris(call))
    position = _position(call, len(playlist.entries))
    user = call.user()
    entries = [Entry(t, _now(), user) for t in tracks]
    playlist.entries[position:position] = entries
    playlist.touch()
    _publish(call, playlist, "added")
    return {"snapshot_id": playlist.snapshot_id}


async def update_items(call: Call) -> Any:
    """PUT: reorder (range_start/insert_before/range_length) or replace (uris)."""
    playlist = _editable(call)
    body = _body(call)
    if "range_start" in body:
        _reorder(playlist, body)
    else:
        uris = [] if body.get("uris") == [] else _uris(call)
        user = call.user()
        playlist.entries = [Entry(t, _now(), user) for t in _tracks(call, uris)]
    playlist.touch()
    _publish(call, playlist, "updated")
    return {"snapshot_id": playlist.snapshot_id}


def _reorder(playlist: SpotifyPlaylist, body: dict[str, Any]) -> None:
    try:
        start = int(body["range_start"])
        length = int(body.get("range_length", 1))
        before = int(body["insert_before"])
    except (KeyError, TypeError, ValueError):
        raise SpotifyError(400, "Missing or invalid range_start/insert_before") from None
    size = len(playlist.entries)
    if start < 0 or length < 1 or start + length > size or not 0 <= before <= size:
        raise SpotifyError(400, "Index out of bounds")
    moved = playlist.entries[start : start + length]
    rest = playlist.entries[:start] + playlist.entries[start + length :]
    at = before if before <= start else before - length
    playlist.entries = rest[:at] + moved + rest[at:]


async def remove_items(call: Call) -> Any:
    playlist = _editable(call)
    body = _body(call)
    rows = body.get("items", body.get("tracks"))
    if not isinstance(rows, list) or not rows:
        raise SpotifyError(400, "Missing items")
    targets = _tracks(call, [str(r.get("uri")) if isinstance(r, dict) else "" for r in rows])
    positions = {
        p for r in rows if isinstance(r, dict) for p in r.get("positions", []) if isinstance(p, int)
    }
    playlist.entries = [
        e
        for i, e in enumerate(playlist.entries)
        if e.track_id not in targets or (positions and i not in positions)
    ]
    playlist.touch()
    _publish(call, playlist, "removed")
    return {"snapshot_id": playlist.snapshot_id}


ROUTES: list[tuple[str, str, Any, int]] = [
    ("POST", "/me/playlists", create_for_me, 201),
    ("GET", "/me/playlists", my_playlists, 200),
    ("POST", "/users/{user_id}/playlists", create_for_user, 201),
    ("GET", "/playlists/{id}", get_playlist, 200),
    ("PUT", "/playlists/{id}", change_details, 200),
    ("GET", "/playlists/{id}/items", list_items, 200),
    ("POST", "/playlists/{id}/items", add_items, 201),
    ("PUT", "/playlists/{id}/items", update_items, 200),
    ("DELETE", "/playlists/{id}/items", remove_items, 200),
]
