"""Control routes of the music emulator (not part of any real API).

- ``GET /_emu/music/catalog`` -> ``{"items": [...], "hostile_short_links": [...]}``
- ``POST /_emu/music/catalog`` one item or ``{"items": [...]}`` -> ``{"items": [stored items]}``
- ``GET /_emu/music/spotify/playlists`` -> Spotify playlists (seeded and created) with track ids
- ``POST /_emu/music/spotify/rate-limit`` ``{"limit": N, "window": seconds}`` changes the Spotify
  rolling window (before time_scale); ``DELETE`` restores the default (100 per 30 s).
- ``POST /_emu/music/spotify/expire-tokens`` ``{"user": id}`` (optional) -> ``{"expired": N}``:
  the access tokens issued so far (only that user's, when given) expire now, as if their hour
  had passed; requests with one get 401 "The access token expired"; refresh tokens keep working.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from emulators.core import json_response
from emulators.music.seeding import CatalogInputError
from emulators.music.state import MusicState, SpotifyPlaylist

BASE = "/_emu/music"


def playlist_json(state: MusicState, playlist: SpotifyPlaylist) -> dict[str, Any]:
    uris = []
    for entry in playlist.entries:
        track = state.catalog.get(entry.track_id)
        if track is not None and "spotify" in track.platforms:
            uris.append(f"spotify:track:{track.pid('spotify')}")
    return {
        "id": playlist.id,
        "name": playlist.name,
        "owner": playlist.owner,
        "public": playlist.public,
        "collaborative": playlist.collaborative,
        "description": playlist.description,
        "snapshot_id": playlist.snapshot_id,
        "catalog_id": playlist.catalog_id,
        "tracks": [e.track_id for e in playlist.entries],
        "uris": uris,
    }


async def _json_body(request: web.Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="expected a JSON body") from None


def install(app: web.Application, state: MusicState) -> None:
    routes = web.RouteTableDef()

    @routes.get(BASE + "/catalog")
    async def get_catalog(_: web.Request) -> web.Response:
        return json_response(state.catalog.to_json())

    @routes.post(BASE + "/catalog")
    async def add_catalog(request: web.Request) -> web.Response:
        try:
            stored = state.catalog.add_json(await _json_body(request))
        except CatalogInputError as exc:
            return json_response({"error": str(exc)}, status=400)
        state.sync_playlists()
        state.emu.bus.publish("music.catalog", {"added": [item.id for item in stored]})
        return json_response({"items": [item.to_json() for item in stored]})

    @routes.get(BASE + "/spotify/playlists")
    async def playlists(_: web.Request) -> web.Response:
        rows = [playlist_json(state, p) for p in state.playlists.values()]
        return json_response({"playlists": rows})

    @routes.post(BASE + "/spotify/rate-limit")
    async def set_limit(request: web.Request) -> web.Response:
        data = await _json_body(request)
        try:
            state.set_rate_limit(int(data["limit"]), float(data.get("window", 30.0)))
        except (KeyError, TypeError, ValueError):
            return json_response({"error": 'expected {"limit": N, "window": seconds}'}, status=400)
        return json_response(state.config.to_json()["rate_limit"])

    @routes.post(BASE + "/spotify/expire-tokens")
    async def expire_tokens(request: web.Request) -> web.Response:
        user = (await request.json() if request.can_read_body else {}).get("user")
        now = time.time()
        live = [
            t
            for t in state.tokens.values()
            if t.expires_at > now and (user is None or t.user_id == user)
        ]
        for token in live:
            token.expires_at = now - 1
        return json_response({"expired": len(live)})

    @routes.delete(BASE + "/spotify/rate-limit")
    async def reset_limit(_: web.Request) -> web.Response:
        state.reset_rate_limit()
        return json_response(state.config.to_json()["rate_limit"])

    app.add_routes(routes)
