"""The machinery of the emulated Spotify Web API: bearer-token auth, the rolling rate window,
errors ``{"error": {"status", "message"}}``, query-parameter checks."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from emulators.core import json_response
from emulators.music.spotify_objects import Render
from emulators.music.state import MusicState, SpotifyPlaylist, Token

API = "/spotify/v1"
ID_RE = re.compile(r"^[0-9A-Za-z]{22}$")


class SpotifyError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def error_response(*, status: int, message: str, retry_after: float | None = None) -> web.Response:
    headers = {"Retry-After": str(max(1, math.ceil(retry_after)))} if retry_after else None
    return json_response(
        {"error": {"status": status, "message": message}}, status=status, headers=headers
    )


@dataclass
class Call:
    """One authenticated Web API request."""

    request: web.Request
    state: MusicState
    token: Token
    render: Render
    body: Any

    def arg(self, name: str) -> str:
        return self.request.match_info[name]

    def int_arg(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.request.query.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise SpotifyError(400, f"Invalid {name}") from None
        if not low <= value <= high:
            raise SpotifyError(400, f"Invalid {name}")
        return value

    def user(self) -> str:
        if self.token.user_id is None:
            raise SpotifyError(401, "This request requires user authentication.")
        return self.token.user_id

    def need_scope(self, *any_of: str) -> None:
        if not self.token.scopes.intersection(any_of):
            raise SpotifyError(403, "Insufficient client scope")

    def spotify_id(self, name: str = "id") -> str:
        value = self.arg(name)
        if not ID_RE.match(value):
            raise SpotifyError(400, "Invalid base62 id")
        return value

    def playlist(self) -> SpotifyPlaylist:
        playlist = self.state.playlists.get(self.spotify_id())
        if playlist is None:
            raise SpotifyError(404, "Resource not found")
        return playlist

    def is_member(self, playlist: SpotifyPlaylist) -> bool:
        """Owner or collaborator (the only users who see a playlist's items since 2026)."""
        user = self.token.user_id
        return user is not None and (playlist.owner == user or playlist.collaborative)


Endpoint = Callable[[Call], Awaitable[Any]]


def origin(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def wrap(state: MusicState, endpoint: Endpoint, *, status: int = 200) -> Handler:
    """An aiohttp handler: authenticate, take a rate-limit slot, run, render the result."""

    async def handler(request: web.Request) -> web.StreamResponse:
        try:
            token = authenticate(state, request)
            take_slot(state, token)
            render = Render(state.catalog, origin(request) + API, state.display_names())
            call = Call(request, state, token, render, await read_json(request))
            result = await endpoint(call)
        except SpotifyError as exc:
            response = error_response(status=exc.status, message=exc.message)
            response.headers.update(exc.headers)
            return response
        if result is None:
            return web.Response(status=status)
        return json_response(result, status=status)

    return handler


def authenticate(state: MusicState, request: web.Request) -> Token:
    header = request.headers.get("Authorization", "")
    if not header:
        raise SpotifyError(401, "No token provided")
    scheme, _, value = header.partition(" ")
    token = state.token(value.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        expired = state.tokens.get(value.strip())
        raise SpotifyError(401, "The access token expired" if expired else "Invalid access token")
    return token


def take_slot(state: MusicState, token: Token) -> None:
    """Spotify's rolling 30-second window per app (scaled by the emulator's time_scale)."""
    config = state.config
    key = f"spotify:{token.client_id}:{state.limit_generation}"
    allowed, _, reset_after = state.emu.limiter.take(
        key, limit=config.rate_limit, window=config.rate_window
    )
    if not allowed:
        retry = str(max(1, math.ceil(reset_after)))
        raise SpotifyError(429, "API rate limit exceeded", {"Retry-After": retry})


async def read_json(request: web.Request) -> Any:
    if request.method in ("GET", "HEAD"):
        return None
    raw = await request.read()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise SpotifyError(400, "Error parsing JSON.") from None


# -- endpoints removed for Development-Mode apps in February 2026 ---------------------------------
REMOVED = (
    ("GET", r"/tracks/?"),
    ("GET", r"/albums/?"),
    ("GET", r"/artists/?"),
    ("GET", r"/artists/[^/]+/(top-tracks|related-artists)"),
    ("GET", r"/users/[^/]+"),
    ("GET", r"/users/[^/]+/playlists"),
    ("GET", r"/browse/.*"),
    ("GET", r"/markets"),
    ("GET", r"/recommendations.*"),
    ("GET", r"/audio-(features|analysis).*"),
    ("*", r"/playlists/[^/]+/tracks"),
    ("*", r"/playlists/[^/]+/followers.*"),
    ("*", r"/me/following.*"),
)
_REMOVED = [(method, re.compile(f"^{pattern}$")) for method, pattern in REMOVED]


def is_removed(method: str, rel_path: str) -> bool:
    return any(m in ("*", method) and rx.match(rel_path) for m, rx in _REMOVED)


async def removed(call: Call) -> Any:
    raise SpotifyError(403, "Forbidden")


async def not_found(request: web.Request) -> web.Response:
    return error_response(status=404, message="Service not found")


def install_removed(app: web.Application, state: MusicState) -> None:
    """Register the removed endpoints (403 like the real API) and the catch-all 404."""
    handler = wrap(state, removed)

    async def maybe_removed(request: web.Request) -> web.StreamResponse:
        rel = request.path[len(API) :]
        if is_removed(request.method, rel):
            return await handler(request)
        return await not_found(request)

    app.router.add_route("*", API + "/{tail:.*}", maybe_removed)
