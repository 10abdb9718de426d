"""The Spotify emulator through the real spotipy 2.26 client (pointed at it by ``sp.prefix`` and the
auth managers' ``OAUTH_TOKEN_URL`` / ``OAUTH_AUTHORIZE_URL``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import spotipy
from spotipy.cache_handler import MemoryCacheHandler
from spotipy.oauth2 import SpotifyClientCredentials, SpotifyOAuth, SpotifyOauthError

from emulators.server import ThreadedEmulator

REDIRECT_URI = "http://127.0.0.1:8765/callback"
SCOPES = "playlist-read-private playlist-modify-public playlist-modify-private"
# spotipy's default status_forcelist retries 429 and then raises without headers: keep 429 out.
NO_429_RETRY = (500, 502, 503, 504)


@pytest.fixture(autouse=True)
def fresh(emulator: ThreadedEmulator) -> None:
    requests.post(f"{emulator.url}/_emu/reset", timeout=5).raise_for_status()


@pytest.fixture
def world(emulator: ThreadedEmulator) -> dict[str, Any]:
    return requests.get(f"{emulator.url}/_emu/world", timeout=5).json()  # type: ignore[no-any-return]


@pytest.fixture
def catalog(emulator: ThreadedEmulator) -> list[dict[str, Any]]:
    return requests.get(f"{emulator.url}/_emu/music/catalog", timeout=5).json()["items"]  # type: ignore[no-any-return]


def client(url: str, auth: Any) -> spotipy.Spotify:
    sp = spotipy.Spotify(
        auth_manager=auth, retries=0, status_retries=0, status_forcelist=NO_429_RETRY
    )
    sp.prefix = f"{url}/spotify/v1/"
    return sp


@pytest.fixture
def app_client(emulator: ThreadedEmulator, world: dict[str, Any]) -> spotipy.Spotify:
    auth = SpotifyClientCredentials(
        client_id=world["spotify"]["client_id"],
        client_secret=world["spotify"]["client_secret"],
        cache_handler=MemoryCacheHandler(),
    )
    auth.OAUTH_TOKEN_URL = f"{emulator.url}/spotify-accounts/api/token"
    return client(emulator.url, auth)


@pytest.fixture
def oauth(emulator: ThreadedEmulator, world: dict[str, Any]) -> SpotifyOAuth:
    manager = SpotifyOAuth(
        client_id=world["spotify"]["client_id"],
        client_secret=world["spotify"]["client_secret"],
        redirect_uri=REDIRECT_URI,
        scope=SCOPES,
        state="fanbridge-state",
        cache_handler=MemoryCacheHandler(),
        open_browser=False,
    )
    manager.OAUTH_AUTHORIZE_URL = f"{emulator.url}/spotify-accounts/authorize"
    manager.OAUTH_TOKEN_URL = f"{emulator.url}/spotify-accounts/api/token"
    return manager


@pytest.fixture
def user_client(emulator: ThreadedEmulator, oauth: SpotifyOAuth) -> Iterator[spotipy.Spotify]:
    """Authorization code flow: follow the authorize redirect ourselves, exchange the code."""
    answer = requests.get(oauth.get_authorize_url(), allow_redirects=False, timeout=5)
    assert answer.status_code in (302, 303)
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT_URI)
    state, code = oauth.parse_auth_response_url(location)
    assert state == "fanbridge-state"
    oauth.get_access_token(code, as_dict=False, check_cache=False)
    yield client(emulator.url, oauth)


def tracks(catalog: list[dict[str, Any]], platform: str = "spotify") -> list[dict[str, Any]]:
    return [i for i in catalog if i["kind"] == "track" and platform in i["platforms"]]


def test_track_has_isrc_album_upc_and_artists(
    app_client: spotipy.Spotify, catalog: list[dict[str, Any]]
) -> None:
    song = tracks(catalog)[0]
    track = app_client.track(song["platforms"]["spotify"]["url"])
    assert track["id"] == song["platforms"]["spotify"]["id"]
    assert track["external_ids"]["isrc"] == song["isrc"]
    assert track["name"] == song["title"]
    assert track["duration_ms"] == song["duration_ms"]
    assert [a["name"] for a in track["artists"]] == song["artists"]
    assert track["album"]["name"] == song["album"]
    assert len(track["album"]["images"]) == 3
    album = app_client.album(track["album"]["id"])
    assert album["external_ids"]["upc"].isdigit()
    assert track["id"] in [t["id"] for t in album["tracks"]["items"]]
    artist = app_client.artist(track["artists"][0]["id"])
    assert artist["name"] == song["artists"][0]


def test_search_by_isrc_and_fields(
    app_client: spotipy.Spotify, catalog: list[dict[str, Any]]
) -> None:
    song = tracks(catalog)[5]
    found = app_client.search(f"isrc:{song['isrc']}", type="track", limit=5)["tracks"]
    assert [t["id"] for t in found["items"]] == [song["platforms"]["spotify"]["id"]]
    query = f'track:"{song["title"]}" artist:"{song["artists"][0]}"'
    found = app_client.search(query, type="track", limit=10)["tracks"]
    assert song["platforms"]["spotify"]["id"] in [t["id"] for t in found["items"]]


def test_search_limit_above_10_is_rejected(app_client: spotipy.Spotify) -> None:
    with pytest.raises(spotipy.SpotifyException) as caught:
        app_client.search("glass", type="track", limit=20)
    assert caught.value.http_status == 400


def test_removed_batch_endpoint_fails(
    app_client: spotipy.Spotify, catalog: list[dict[str, Any]]
) -> None:
    ids = [t["platforms"]["spotify"]["id"] for t in tracks(catalog)[:2]]
    with pytest.raises(spotipy.SpotifyException) as caught:
        app_client.tracks(ids)
    assert caught.value.http_status == 403


def test_song_missing_from_spotify_is_not_found(
    app_client: spotipy.Spotify, catalog: list[dict[str, Any]]
) -> None:
    missing = [t for t in catalog if t["kind"] == "track" and "spotify" not in t["platforms"]]
    assert missing
    found = app_client.search(f"isrc:{missing[0]['isrc']}", type="track", limit=1)
    assert found["tracks"]["items"] == []


def test_rate_limit_gives_429_with_retry_after(
    emulator: ThreadedEmulator, app_client: spotipy.Spotify, catalog: list[dict[str, Any]]
) -> None:
    limit = {"limit": 2, "window": 1000}  # scaled by time_scale: still long enough
    requests.post(f"{emulator.url}/_emu/music/spotify/rate-limit", json=limit, timeout=5)
    track_id = tracks(catalog)[0]["platforms"]["spotify"]["id"]
    app_client.track(track_id)
    app_client.track(track_id)
    with pytest.raises(spotipy.SpotifyException) as caught:
        app_client.track(track_id)
    assert caught.value.http_status == 429
    assert int(caught.value.headers["Retry-After"]) >= 1


def test_bad_credentials(emulator: ThreadedEmulator, world: dict[str, Any]) -> None:
    auth = SpotifyClientCredentials(
        client_id=world["spotify"]["client_id"],
        client_secret="wrong",
        cache_handler=MemoryCacheHandler(),
    )
    auth.OAUTH_TOKEN_URL = f"{emulator.url}/spotify-accounts/api/token"
    with pytest.raises(SpotifyOauthError) as caught:
        auth.get_access_token(as_dict=False)
    assert caught.value.error == "invalid_client"
    answer = requests.get(
        f"{emulator.url}/spotify/v1/me", headers={"Authorization": "Bearer nope"}, timeout=5
    )
    assert answer.status_code == 401
    assert answer.json() == {"error": {"status": 401, "message": "Invalid access token"}}


def test_playlist_create_add_list_remove(
    emulator: ThreadedEmulator,
    user_client: spotipy.Spotify,
    oauth: SpotifyOAuth,
    catalog: list[dict[str, Any]],
) -> None:
    me = user_client.me()
    playlist = user_client.current_user_playlist_create("Fan picks", public=False)
    assert playlist["owner"]["id"] == me["id"]
    uris = [f"spotify:track:{t['platforms']['spotify']['id']}" for t in tracks(catalog)[:3]]
    user_client.playlist_add_items(playlist["id"], uris[:2])
    user_client.playlist_add_items(playlist["id"], uris[2:], position=0)
    items = user_client.playlist_items(playlist["id"])
    assert [row["item"]["uri"] for row in items["items"]] == [uris[2], uris[0], uris[1]]
    user_client.playlist_remove_all_occurrences_of_items(playlist["id"], [uris[0]])
    items = user_client.playlist_items(playlist["id"])
    assert [row["track"]["uri"] for row in items["items"]] == [uris[2], uris[1]]
    mine = user_client.current_user_playlists()
    assert playlist["id"] in [p["id"] for p in mine["items"]]
    token = oauth.cache_handler.get_cached_token()
    assert token is not None
    assert oauth.refresh_access_token(token["refresh_token"])["access_token"]
    log = requests.get(f"{emulator.url}/_emu/requests?platform=music", timeout=5).json()
    assert [r for r in log if r["violations"]] == []


def test_curated_playlist_items_are_owner_only(
    app_client: spotipy.Spotify, catalog: list[dict[str, Any]]
) -> None:
    curated = next(i for i in catalog if i["kind"] == "playlist" and "spotify" in i["platforms"])
    playlist = app_client.playlist(curated["platforms"]["spotify"]["id"])
    assert playlist["name"] == curated["title"]
    assert "items" not in playlist
    with pytest.raises(spotipy.SpotifyException) as caught:
        app_client.playlist_items(playlist["id"])
    assert caught.value.http_status == 403
