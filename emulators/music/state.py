"""Mutable state of the music emulator: catalog, Spotify app/user, tokens, Spotify playlists."""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from emulators.core import Emulator
from emulators.music import ids
from emulators.music.catalog import Catalog

SEEDED_AT = "2025-01-10T12:00:00Z"


@dataclass
class SpotifyConfig:
    """The emulated Spotify app (Development Mode) and the one user who authorises it."""

    client_id: str = ids.hex_id("fanbridge spotify client id")
    client_secret: str = ids.hex_id("fanbridge spotify client secret")
    user_id: str = "fanbridge-dj"
    display_name: str = "Fanbridge DJ"
    rate_limit: int = 100  # requests per rolling window per app
    rate_window: float = 30.0  # seconds, scaled by the emulator's time_scale

    def to_json(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "user": {"id": self.user_id, "display_name": self.display_name},
            "rate_limit": {"limit": self.rate_limit, "window": self.rate_window},
        }


@dataclass
class Token:
    value: str
    client_id: str
    user_id: str | None
    scopes: frozenset[str]
    expires_at: float


@dataclass
class Grant:
    """An authorization code waiting to be exchanged (single use, 10 minutes)."""

    client_id: str
    redirect_uri: str
    scopes: frozenset[str]
    expires_at: float
    challenge: str | None = None  # PKCE S256 code_challenge


@dataclass
class Entry:
    track_id: str  # catalog id of the track
    added_at: str
    added_by: str


@dataclass
class SpotifyPlaylist:
    id: str
    name: str
    owner: str
    description: str = ""
    public: bool = True
    collaborative: bool = False
    entries: list[Entry] = field(default_factory=list)
    version: int = 1
    catalog_id: str | None = None

    @property
    def snapshot_id(self) -> str:
        raw = f"{self.version:08d}:{ids.hex_id(self.id + str(self.version), 24)}"
        return base64.b64encode(raw.encode()).decode()

    def touch(self) -> None:
        self.version += 1


class MusicState:
    def __init__(self, emu: Emulator, world: dict[str, Any] | None) -> None:
        self.emu = emu
        spotify = (world or {}).get("spotify") or {}
        self.config = SpotifyConfig(
            **{k: spotify[k] for k in ("client_id", "client_secret") if k in spotify}
        )
        self._defaults = (self.config.rate_limit, self.config.rate_window)
        self.extra_items: list[Any] = list(((world or {}).get("music") or {}).get("items", []))
        self.limit_generation = 0
        self.catalog = Catalog(self.extra_items)
        self.tokens: dict[str, Token] = {}
        self.refresh_tokens: dict[str, Token] = {}
        self.grants: dict[str, Grant] = {}
        self.playlists: dict[str, SpotifyPlaylist] = {}
        self.sync_playlists()

    def reset(self) -> None:
        self.catalog = Catalog(self.extra_items)
        self.tokens.clear()
        self.refresh_tokens.clear()
        self.grants.clear()
        self.playlists.clear()
        self.reset_rate_limit()
        self.sync_playlists()

    def reset_rate_limit(self) -> None:
        self.set_rate_limit(*self._defaults)

    def set_rate_limit(self, limit: int, window: float) -> None:
        self.config.rate_limit, self.config.rate_window = limit, window
        self.limit_generation += 1

    def display_names(self) -> dict[str, str]:
        return {self.config.user_id: self.config.display_name, "fanbridge-curator": "Fanbridge"}

    def world(self) -> dict[str, Any]:
        return {"spotify": self.config.to_json(), "music": self.catalog.counts()}

    # -- Spotify playlists ----------------------------------------------------------------------
    def sync_playlists(self) -> None:
        """Catalog playlists on Spotify become Spotify playlists owned by their curator."""
        for item in self.catalog.items.values():
            ref = item.platforms.get("spotify")
            if item.kind != "playlist" or ref is None or ref["id"] in self.playlists:
                continue
            entries = [
                Entry(t.id, SEEDED_AT, item.owner) for t in self.catalog.tracks_of(item, "spotify")
            ]
            self.playlists[ref["id"]] = SpotifyPlaylist(
                id=ref["id"],
                name=item.title,
                owner=item.owner or "spotify",
                description=item.description,
                entries=entries,
                catalog_id=item.id,
            )

    def create_playlist(self, owner: str, body: dict[str, Any]) -> SpotifyPlaylist:
        playlist = SpotifyPlaylist(
            id="".join(secrets.choice(ids.BASE62) for _ in range(22)),
            name=str(body["name"]),
            owner=owner,
            description=str(body.get("description") or ""),
            public=bool(body.get("public", True)),
            collaborative=bool(body.get("collaborative", False)),
        )
        self.playlists[playlist.id] = playlist
        return playlist

    # -- tokens ---------------------------------------------------------------------------------
    def issue_token(
        self, client_id: str, user_id: str | None, scopes: frozenset[str], *, refresh: bool
    ) -> tuple[Token, str | None]:
        token = Token(
            value="BQ" + secrets.token_urlsafe(96)[:112],
            client_id=client_id,
            user_id=user_id,
            scopes=scopes,
            expires_at=time.time() + 3600,
        )
        self.tokens[token.value] = token
        if not refresh:
            return token, None
        value = "AQ" + secrets.token_urlsafe(96)[:126]
        self.refresh_tokens[value] = token
        return token, value

    def token(self, value: str) -> Token | None:
        token = self.tokens.get(value)
        if token is None or token.expires_at < time.time():
            return None
        return token
