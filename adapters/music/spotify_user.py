"""The Spotify Web API as the bot's own Spotify user (authorization-code login, refresh token).

aiohttp, so nothing blocks the event loop. Only two fixed origins are ever contacted (the Web
API and the Accounts service, or the emulator's stand-ins for them). The access token is
refreshed before it expires and again when a request answers 401. A 429 waits ``Retry-After``
seconds (up to ``max_wait``; longer waits raise ``SpotifyRateLimited`` so the caller can come
back later instead of holding anything); 5xx answers are retried a few times with backoff.
Tokens are never logged.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import aiohttp

from adapters.music.http import retry_after

log = logging.getLogger(__name__)

# playlist-read-private: reading a private playlist's items back (``GET /playlists/{id}/items``)
SCOPES = ("playlist-modify-public", "playlist-modify-private", "playlist-read-private")
RETRY_STATUSES = frozenset({500, 502, 503, 504})
EARLY_REFRESH = 60.0  # refresh this long before the token expires


class SpotifyError(Exception):
    """An error answer of the Web API or the Accounts service."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


class SpotifyRateLimited(SpotifyError):
    def __init__(self, retry_after: float) -> None:
        super().__init__(429, f"rate limited for {retry_after:.0f}s")
        self.retry_after = retry_after


class SpotifyAuthError(SpotifyError):
    """The refresh token was refused: someone has to run ``fanbridge spotify login`` again."""


@dataclass(frozen=True, slots=True)
class SpotifyEndpoints:
    api: str = "https://api.spotify.com/v1"
    accounts: str = "https://accounts.spotify.com"

    @classmethod
    def for_emulator(cls, emulator: str | None) -> SpotifyEndpoints:
        if not emulator:
            return cls()
        origin = emulator.rstrip("/")
        return cls(api=f"{origin}/spotify/v1", accounts=f"{origin}/spotify-accounts")


Sleep = Callable[[float], Awaitable[None]]
TokenSaver = Callable[[str], Awaitable[None]]


def error_message(body: Any) -> str:
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or "")
        return str(body.get("error_description") or error or "")
    return str(body or "")[:200]


def missing_scopes(granted: Iterable[str]) -> list[str]:
    """The scopes the playlist sync needs that a stored login was not granted."""
    have = set(granted)
    return [scope for scope in SCOPES if scope not in have]


def warn_missing_scopes(granted: Iterable[str]) -> bool:
    """Log what to do when the stored login lacks a scope; True when one is missing."""
    missing = missing_scopes(granted)
    if missing:
        log.warning(
            "spotify: the stored login lacks the scope(s) %s (private playlists cannot be read "
            "back): run `fanbridge spotify login` again",
            " ".join(missing),
        )
    return bool(missing)


async def request_token(
    session: aiohttp.ClientSession,
    endpoints: SpotifyEndpoints,
    auth: tuple[str, str],
    form: dict[str, str],
) -> dict[str, Any]:
    """POST /api/token with HTTP Basic client authentication; the answer is a JSON object with
    an ``access_token``. Anything else (an HTML error page from a proxy, a truncated body, an
    error) is a SpotifyError (SpotifyAuthError for ``invalid_grant``)."""
    basic = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    url = endpoints.accounts + "/api/token"
    headers = {"Authorization": f"Basic {basic}"}
    async with session.post(url, data=form, headers=headers) as response:
        status = response.status
        text = await response.text(errors="replace")
    try:
        body: Any = json.loads(text)
    except ValueError:
        raise SpotifyError(status, text.strip()[:200] or "an empty answer") from None
    if not isinstance(body, dict):
        raise SpotifyError(status, f"not a JSON object: {text.strip()[:200]}")
    if status >= 400:
        error = str(body.get("error") or "")
        cls = SpotifyAuthError if error == "invalid_grant" else SpotifyError
        raise cls(status, error_message(body) or error)
    if not isinstance(body.get("access_token"), str) or not body["access_token"]:
        raise SpotifyError(status, "the token answer has no access_token")
    return body


def _expires_in(body: dict[str, Any]) -> float:
    try:
        return max(0.0, float(body.get("expires_in") or 3600))
    except (TypeError, ValueError):
        return 3600.0


class SpotifyUserClient:
    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        endpoints: SpotifyEndpoints,
        on_new_refresh_token: TokenSaver | None = None,
        max_wait: float = 60.0,
        attempts: int = 6,
        timeout: float = 10.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._auth = (client_id, client_secret)
        self._refresh = refresh_token
        self._had = {refresh_token}  # every refresh token this client has used
        self.endpoints = endpoints
        self._save_refresh = on_new_refresh_token
        self.max_wait = max_wait
        self.attempts = attempts
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._sleep = sleep
        self._session: aiohttp.ClientSession | None = None
        self._access: str | None = None
        self._expires_at = 0.0
        self._token_lock = asyncio.Lock()
        self.refreshes = 0
        self.waited_429 = 0

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    # -- tokens ---------------------------------------------------------------------------------
    @property
    def refresh_token(self) -> str:
        return self._refresh

    def use_refresh_token(self, refresh_token: str) -> bool:
        """Switch to a new login's refresh token (``fanbridge spotify login`` run again while the
        bridge runs). False, and nothing changes, for a token this client already had (its own
        rotated token, or an older one read back before the rotation was saved)."""
        if refresh_token in self._had:
            return False
        self._had.add(refresh_token)
        self._refresh = refresh_token
        self._access = None
        self._expires_at = 0.0
        return True

    async def _token(self, *, stale: str | None = None) -> str:
        async with self._token_lock:
            fresh = self._access is not None and time.time() < self._expires_at - EARLY_REFRESH
            if fresh and self._access != stale:
                assert self._access is not None
                return self._access
            form = {"grant_type": "refresh_token", "refresh_token": self._refresh}
            body = await request_token(self._http(), self.endpoints, self._auth, form)
            self._access = str(body["access_token"])
            self._expires_at = time.time() + _expires_in(body)
            self.refreshes += 1
            rotated = body.get("refresh_token")
            if isinstance(rotated, str) and rotated and rotated != self._refresh:
                self._refresh = rotated
                self._had.add(rotated)
                if self._save_refresh is not None:
                    await self._save_refresh(rotated)
            log.debug("spotify: access token refreshed")
            return self._access

    # -- requests -------------------------------------------------------------------------------
    async def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: Any = None,
    ) -> Any:
        """One Web API request, with token refresh, 429 waits and 5xx retries."""
        stale: str | None = None
        for attempt in range(self.attempts):
            token = await self._token(stale=stale)
            status, headers, body = await self._send(method, path, token, params, json)
            if status == 401 and stale is None:
                stale = token  # expired or revoked: refresh once and try again
                continue
            if status == 429:
                wait = retry_after(headers.get("Retry-After"))
                await self._wait(1.0 if wait is None else wait)
                continue
            if status in RETRY_STATUSES and attempt + 1 < self.attempts:
                await self._sleep(min(30.0, 0.5 * 2**attempt))
                continue
            if status >= 400:
                raise SpotifyError(status, error_message(body))
            return body
        raise SpotifyError(503, f"{method} {path}: gave up after {self.attempts} attempts")

    async def _wait(self, seconds: float) -> None:
        if seconds > self.max_wait:
            raise SpotifyRateLimited(seconds)
        self.waited_429 += 1
        log.info("spotify: 429, waiting %.1fs", seconds)
        await self._sleep(seconds)

    async def _send(
        self, method: str, path: str, token: str, params: dict[str, str] | None, json: Any
    ) -> tuple[int, dict[str, str], Any]:
        url = self.endpoints.api + path
        headers = {"Authorization": f"Bearer {token}"}
        async with self._http().request(
            method, url, params=params, json=json, headers=headers
        ) as response:
            raw = await response.read()
            body: Any = None
            if raw.strip():
                try:
                    body = await response.json(content_type=None)
                except ValueError:
                    body = raw.decode(errors="replace")
            return response.status, dict(response.headers), body

    # -- the calls the playlist sync needs ------------------------------------------------------
    async def me(self) -> dict[str, Any]:
        body = await self.call("GET", "/me")
        return body if isinstance(body, dict) else {}

    async def create_playlist(self, name: str, *, public: bool, description: str) -> dict[str, Any]:
        payload = {"name": name, "public": public, "description": description}
        body = await self.call("POST", "/me/playlists", json=payload)
        return body if isinstance(body, dict) else {}

    async def playlist(self, playlist_id: str) -> dict[str, Any] | None:
        """The playlist's details (``snapshot_id``, ``public``, ...), or None when it is gone
        (404). Any other error, a 403 included, is raised: a new playlist is made only for one
        that is really gone, never on every pass while access is refused."""
        params = {"fields": "id,snapshot_id,public"}
        try:
            body = await self.call("GET", f"/playlists/{playlist_id}", params=params)
        except SpotifyError as exc:
            if exc.status == 404:
                return None
            raise
        return body if isinstance(body, dict) else None

    async def snapshot(self, playlist_id: str) -> str | None:
        """The playlist's snapshot_id, or None when it is gone (404)."""
        body = await self.playlist(playlist_id)
        return str(body.get("snapshot_id") or "") if body is not None else None

    async def set_public(self, playlist_id: str, public: bool) -> None:
        """Make the playlist public or private (Change Playlist Details)."""
        await self.call("PUT", f"/playlists/{playlist_id}", json={"public": public})

    async def playlist_uris(self, playlist_id: str) -> list[str]:
        uris: list[str] = []
        offset = 0
        while True:
            params = {"limit": "50", "offset": str(offset)}
            page = await self.call("GET", f"/playlists/{playlist_id}/items", params=params)
            rows = (page or {}).get("items") or []
            for row in rows:
                track = (row or {}).get("item") or (row or {}).get("track") or {}
                if isinstance(track, dict) and track.get("uri"):
                    uris.append(str(track["uri"]))
            offset += len(rows)
            if not rows or offset >= int((page or {}).get("total") or 0):
                return uris

    async def add(self, playlist_id: str, uris: list[str], position: int) -> str:
        payload = {"uris": uris, "position": position}
        body = await self.call("POST", f"/playlists/{playlist_id}/items", json=payload)
        return str((body or {}).get("snapshot_id") or "")

    async def remove(self, playlist_id: str, uris: list[str]) -> str:
        payload = {"items": [{"uri": u} for u in uris]}
        body = await self.call("DELETE", f"/playlists/{playlist_id}/items", json=payload)
        return str((body or {}).get("snapshot_id") or "")

    async def move(self, playlist_id: str, range_start: int, insert_before: int) -> str:
        payload = {"range_start": range_start, "insert_before": insert_before, "range_length": 1}
        body = await self.call("PUT", f"/playlists/{playlist_id}/items", json=payload)
        return str((body or {}).get("snapshot_id") or "")

    async def track_by_isrc(self, isrc: str) -> str | None:
        """The URI of a Spotify track with this ISRC, or None."""
        params = {"q": f"isrc:{isrc}", "type": "track", "limit": "1"}
        body = await self.call("GET", "/search", params=params)
        items = (((body or {}).get("tracks") or {}).get("items")) or []
        uri = items[0].get("uri") if items and isinstance(items[0], dict) else None
        return str(uri) if uri else None
