"""The music services' emulator: Spotify Web API + Accounts, Deezer, iTunes, oEmbed (YouTube,
SoundCloud, TIDAL), MusicBrainz, and public web pages (Bandcamp, short-link redirectors), all
sharing one deterministic seeded catalog. Registered as the platform ``music``.

| prefix | stands in for |
|---|---|
| /spotify/v1 | https://api.spotify.com/v1 |
| /spotify-accounts | https://accounts.spotify.com |
| /deezer | https://api.deezer.com |
| /itunes | https://itunes.apple.com |
| /youtube/oembed | https://www.youtube.com/oembed |
| /soundcloud/oembed | https://soundcloud.com/oembed |
| /tidal/oembed | https://oembed.tidal.com/ |
| /musicbrainz/ws/2 | https://musicbrainz.org/ws/2 |
| /web/<host>/<path> | https://<host>/<path> (pages and short-link redirectors) |
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from aiohttp.web import AppKey, Application, Request

from emulators.core import Emulator, Platform
from emulators.music import accounts, control, deezer, itunes, musicbrainz, oembed, spotify
from emulators.music import web as web_pages  # the pages module, not aiohttp.web
from emulators.music.spotify_api import API, error_response, is_removed
from emulators.music.state import MusicState

ITEMS_RE = re.compile(r"^/playlists/[^/]+/items/?$")
MUSIC_STATE = AppKey("music", MusicState)
PREFIXES = (
    API,
    accounts.PREFIX,
    deezer.PREFIX,
    itunes.PREFIX,
    "/youtube",
    "/soundcloud",
    "/tidal",
    "/musicbrainz",
    web_pages.PREFIX,
)


def _validator(emu: Emulator) -> Callable[[Request, Any], list[str]]:
    def validate(request: Request, body: Any) -> list[str]:
        if emu.contracts is None or not request.path.startswith(API + "/"):
            return []
        rel = request.path[len(API) :]
        if is_removed(request.method, rel):
            return []  # answered 403 like the real Development-Mode API
        if isinstance(body, list) and ITEMS_RE.match(rel) and request.method == "POST":
            body = {"uris": body}  # the real API accepts a bare array (spotipy sends one)
        violations: list[str] = emu.contracts.spotify(
            request.method, rel, dict(request.query), body
        )
        return violations

    return validate


def install(app: Application, emu: Emulator, world: dict[str, Any] | None) -> MusicState:
    state = MusicState(emu, world)
    emu.register(
        Platform(
            name="music",
            prefixes=PREFIXES,
            render_error=error_response,
            reset=state.reset,
            world=state.world,
            validate=_validator(emu),
        )
    )
    app[MUSIC_STATE] = state
    for module in (accounts, spotify, deezer, itunes, oembed, musicbrainz, web_pages, control):
        module.install(app, state)
    return state
