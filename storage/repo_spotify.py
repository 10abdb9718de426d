"""The bot's Spotify account and the groups' "Play all on Spotify" playlists."""

from __future__ import annotations

from sqlmodel import col, select

from bridge.music.playlist import PlaylistState, SpotifyAccount, Unmatched
from storage.base import RepoBase
from storage.tables import SpotifyAccountRow, SpotifyPlaylistRow


def _account(row: SpotifyAccountRow) -> SpotifyAccount:
    return SpotifyAccount(
        user_id=row.user_id,
        display_name=row.display_name,
        refresh_token=row.refresh_token,
        scopes=tuple(row.scopes.split()),
        updated_at=row.updated_at,
    )


def _playlist(row: SpotifyPlaylistRow) -> PlaylistState:
    return PlaylistState(
        group_id=row.group_id,
        playlist_id=row.playlist_id,
        url=row.url,
        snapshot_id=row.snapshot_id,
        uris=tuple(row.uris),
        unmatched=tuple(Unmatched.from_json(u) for u in row.unmatched),
        last_synced_at=row.last_synced_at,
        last_error=row.last_error,
    )


class SpotifyRepo(RepoBase):
    async def save_spotify_account(self, account: SpotifyAccount) -> None:
        """Store the account (replacing any earlier login)."""
        async with self.session() as s:
            row = (
                await s.exec(select(SpotifyAccountRow).order_by(col(SpotifyAccountRow.id)))
            ).first()
            row = row or SpotifyAccountRow(user_id="", refresh_token="", updated_at=0.0)
            row.user_id = account.user_id
            row.display_name = account.display_name
            row.refresh_token = account.refresh_token
            row.scopes = " ".join(account.scopes)
            row.updated_at = account.updated_at
            s.add(row)

    async def get_spotify_account(self) -> SpotifyAccount | None:
        async with self.session() as s:
            query = select(SpotifyAccountRow).order_by(col(SpotifyAccountRow.id))
            row = (await s.exec(query)).first()
        return _account(row) if row is not None else None

    async def get_spotify_playlist(self, group_id: int) -> PlaylistState | None:
        async with self.session() as s:
            row = await s.get(SpotifyPlaylistRow, group_id)
        return _playlist(row) if row is not None else None

    async def save_spotify_playlist(self, state: PlaylistState) -> None:
        async with self.session() as s:
            row = await s.get(SpotifyPlaylistRow, state.group_id)
            row = row or SpotifyPlaylistRow(group_id=state.group_id, playlist_id="", url="")
            row.playlist_id = state.playlist_id
            row.url = state.url
            row.snapshot_id = state.snapshot_id
            row.uris = list(state.uris)
            row.unmatched = [u.to_json() for u in state.unmatched]
            row.last_synced_at = state.last_synced_at
            row.last_error = state.last_error[:500] if state.last_error else None
            s.add(row)

    async def spotify_playlists(self) -> list[PlaylistState]:
        async with self.session() as s:
            query = select(SpotifyPlaylistRow).order_by(col(SpotifyPlaylistRow.group_id))
            rows = (await s.exec(query)).all()
        return [_playlist(r) for r in rows]
