"""The bot's Spotify account and the groups' playlists in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from bridge.music.playlist import PlaylistState, SpotifyAccount, Unmatched
from storage.repos import SqlStore

ACCOUNT = SpotifyAccount(
    user_id="dj",
    display_name="The DJ",
    refresh_token="AQ-secret-refresh",
    scopes=("playlist-modify-private", "playlist-modify-public"),
    updated_at=10.0,
)


async def test_the_login_is_stored_once_and_replaced_by_a_new_login(store: SqlStore) -> None:
    assert await store.get_spotify_account() is None
    await store.save_spotify_account(ACCOUNT)
    assert await store.get_spotify_account() == ACCOUNT
    again = SpotifyAccount("dj2", "Other", "AQ-new", ("playlist-modify-public",), 20.0)
    await store.save_spotify_account(again)
    assert await store.get_spotify_account() == again
    assert "AQ-new" not in repr(again)  # the refresh token stays out of logs


async def test_a_groups_playlist_state_round_trips(store: SqlStore) -> None:
    group = await store.create_group(slug="fans", name="Fans")
    other = await store.create_group(slug="others", name="Others")
    assert await store.get_spotify_playlist(group.id) is None
    lost = Unmatched(
        7, "Song", ("Artist",), "https://www.deezer.com/track/1", "no ISRC to match on"
    )
    state = PlaylistState(
        group_id=group.id,
        playlist_id="p" * 22,
        url="https://open.spotify.com/playlist/" + "p" * 22,
        snapshot_id="snap1",
        uris=("spotify:track:" + "a" * 22, "spotify:track:" + "b" * 22),
        unmatched=(lost,),
        last_synced_at=5.0,
    )
    await store.save_spotify_playlist(state)
    assert await store.get_spotify_playlist(group.id) == state
    changed = PlaylistState(group.id, state.playlist_id, state.url, "snap2", (), (), 6.0, "boom")
    await store.save_spotify_playlist(changed)
    await store.save_spotify_playlist(PlaylistState(other.id, "q" * 22, "https://x"))
    assert await store.get_spotify_playlist(group.id) == changed
    assert [p.group_id for p in await store.spotify_playlists()] == [group.id, other.id]
