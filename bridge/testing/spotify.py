"""The bot's Spotify account and the groups' "Play all on Spotify" playlists, in memory."""

from __future__ import annotations

from dataclasses import replace

from bridge.music.playlist import PlaylistState, SpotifyAccount


class MemorySpotify:
    def __init__(self) -> None:
        self.account: SpotifyAccount | None = None
        self.playlists: dict[int, PlaylistState] = {}

    async def save_spotify_account(self, account: SpotifyAccount) -> None:
        self.account = account

    async def get_spotify_account(self) -> SpotifyAccount | None:
        return self.account

    async def get_spotify_playlist(self, group_id: int) -> PlaylistState | None:
        return self.playlists.get(group_id)

    async def save_spotify_playlist(self, state: PlaylistState) -> None:
        error = state.last_error[:500] if state.last_error else None
        self.playlists[state.group_id] = replace(state, last_error=error)

    async def spotify_playlists(self) -> list[PlaylistState]:
        return [self.playlists[g] for g in sorted(self.playlists)]
