"""Play all on Spotify, end to end: a running bridge, then `fanbridge spotify login` against the
emulated Accounts service (picked up without a restart), and the group's shares kept as a Spotify
playlist in the tab's order, public as the group is, checked as Spotify itself shows the playlist
(the emulator's ``/_emu/music/spotify/playlists``).
The tests run in order and build on each other's shares."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aiohttp
import pytest
import pytest_asyncio

from adapters.cli import main
from adapters.config import SpotifyConfig
from adapters.music.playlist_sync import SyncTiming
from adapters.runtime import Runtime
from emulators.server import ThreadedEmulator
from storage.repos import SqlStore
from tests.e2e.harness import Chats, Emu, bridge_config, start_bridge
from tests.postgres import POSTGRES_URL, fresh_schema

pytestmark = pytest.mark.asyncio(loop_scope="module")

NAME = "Fans — fanbridge"
STATE = "test-state-123"
TIMING = SyncTiming(debounce=0.05, interval=600.0, min_backoff=0.2, max_backoff=2.0, check=0.1)


@dataclass
class Scene:
    emu: Emu
    chats: Chats
    runtime: Runtime
    catalog: list[dict[str, Any]]
    config_file: Path
    login_output: str = ""
    used: int = 0
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    order: list[dict[str, Any]] = field(default_factory=list)  # the playlist, newest first

    def song(self) -> dict[str, Any]:
        """A Spotify track not shared yet in this module."""
        found = [
            i
            for i in self.catalog
            if i["kind"] == "track" and "spotify" in i["platforms"] and "deezer" in i["platforms"]
        ]
        self.used += 1
        return found[self.used - 1]

    async def share(self, song: dict[str, Any], platform: str = "spotify") -> dict[str, Any]:
        url = song["platforms"][platform]["url"]
        return await self.chats.discord_post("alice", f"listen to this {url}")

    async def playlist(self) -> dict[str, Any] | None:
        rows = (await self.emu.get("/_emu/music/spotify/playlists"))["playlists"]
        return next((p for p in rows if p["name"] == NAME), None)

    async def until_uris(self, *songs: dict[str, Any], timeout: float = 15.0) -> dict[str, Any]:
        """Wait until the group's playlist holds exactly these songs, in this order."""
        wanted = [f"spotify:track:{s['platforms']['spotify']['id']}" for s in songs]

        async def matches() -> dict[str, Any] | None:
            playlist = await self.playlist()
            return playlist if playlist is not None and playlist["uris"] == wanted else None

        return await self.emu.until(matches, timeout=timeout, what=f"playlist == {wanted}")


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["spotify", "login", *args])
    return code, out.getvalue(), err.getvalue()


async def cli(*args: str) -> tuple[int, str, str]:
    """The real `fanbridge spotify login` (its own event loop, in a thread)."""
    return await asyncio.to_thread(_cli, *args)


def write_config(path: Path, db: Path, emulator_url: str, world: dict[str, Any]) -> Path:
    spotify = world["spotify"]
    path.write_text(
        f'[database]\nurl = "sqlite+aiosqlite:///{db}"\n'
        f'[spotify]\nclient_id = "{spotify["client_id"]}"\n'
        f'client_secret = "{spotify["client_secret"]}"\n'
        f'[network]\nemulator = "{emulator_url}"\n'
    )
    return path


async def follow_authorize(session: aiohttp.ClientSession, url: str) -> str:
    """What the person's browser does: open the URL, agree, land on the redirect URI."""
    async with session.get(url, allow_redirects=False) as response:
        assert response.status == 302, await response.text()
        return response.headers["Location"]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def scene(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Scene]:
    tmp = Path(tmp_path_factory.mktemp("spotify"))
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        world = await emu.world()
        catalog = (await emu.get("/_emu/music/catalog"))["items"]
        db = tmp / "bridge.db"
        config_file = write_config(tmp / "config.toml", db, emulator.url, world)
        spotify = SpotifyConfig(
            client_id=world["spotify"]["client_id"], client_secret=world["spotify"]["client_secret"]
        )
        config = bridge_config(world, emulator.url, db).model_copy(update={"spotify": spotify})
        runtime = await start_bridge(config, playlist_timing=TIMING)  # before any login
        try:
            yield Scene(emu, Chats(emu, world), runtime, catalog, config_file)
        finally:
            await runtime.stop()


async def test_a_login_while_the_bridge_runs_starts_the_sync(scene: Scene) -> None:
    assert scene.runtime.playlists is None  # no login stored yet: no sync
    config = str(scene.config_file)
    code, printed, _ = await cli("--config", config, "--url-only", "--state", STATE)
    assert code == 0
    redirect = await follow_authorize(scene.emu.session, printed.strip())
    code, output, err = await cli("--config", config, "--state", STATE, "--redirect-url", redirect)
    assert code == 0, err
    scene.login_output = output

    async def syncing() -> bool:
        return scene.runtime.playlists is not None

    await scene.emu.until(syncing, what="the running bridge picks up the new login")
    # no restart: the very first share after the login becomes the group's playlist
    song = scene.song()
    await scene.share(song)
    playlist = await scene.until_uris(song)
    assert playlist["owner"] == "fanbridge-dj"
    scene.order = [song]


async def test_login_stores_the_bots_spotify_account(scene: Scene) -> None:
    assert scene.login_output.strip() == "Logged in to Spotify as Fanbridge DJ (fanbridge-dj)."
    store = scene.runtime.store
    assert store is not None
    account = await store.get_spotify_account()
    assert account is not None and account.user_id == "fanbridge-dj"
    assert set(account.scopes) == {
        "playlist-modify-public",
        "playlist-modify-private",
        "playlist-read-private",  # to read a private group's playlist back
    }
    assert account.refresh_token not in scene.login_output
    assert scene.runtime.playlists is not None  # the sync runs because a login is stored
    # the login asked who logged in with the access token of the code exchange: it did not
    # refresh (which may rotate the refresh token, leaving a stale one stored)
    rows = await scene.emu.get("/_emu/requests", platform="music")
    grants = [r for r in rows if r["path"] == "/spotify-accounts/api/token"]
    code_at = next(
        i
        for i, r in enumerate(rows)
        if (r["body"] or {}).get("grant_type") == ("authorization_code")
    )
    me_at = next(i for i, r in enumerate(rows) if i > code_at and r["path"] == "/spotify/v1/me")
    between = [r for r in rows[code_at + 1 : me_at] if r in grants]
    assert between == [] and rows[me_at]["status"] == 200


async def test_login_errors_are_one_line(scene: Scene, tmp_path: Path) -> None:
    config = str(scene.config_file)
    url = "http://127.0.0.1:8080/spotify/callback"
    code, _, err = await cli(
        "--config", config, "--state", "b", "--redirect-url", f"{url}?code=x&state=a"
    )
    assert code == 2 and "state mismatch" in err and err.count("\n") == 1
    denied = f"{url}?error=access_denied&state=s"
    code, _, err = await cli("--config", config, "--state", "s", "--redirect-url", denied)
    assert code == 2 and "denied" in err
    code, _, err = await cli(
        "--config", config, "--state", "s", "--redirect-url", f"{url}?code=bad&state=s"
    )
    assert code == 2 and "Spotify refused the code" in err
    bare = tmp_path / "bare.toml"
    bare.write_text('[database]\nurl = "sqlite+aiosqlite:///x.db"\n')
    code, _, err = await cli("--config", str(bare), "--url-only")
    assert code == 2 and "no [spotify] section" in err


async def _login(scene: Scene, drop_scope: str | None = None) -> tuple[int, str, str]:
    """`fanbridge spotify login` in full; ``drop_scope``: as an older fanbridge asked."""
    config = str(scene.config_file)
    code, printed, _ = await cli("--config", config, "--url-only", "--state", STATE)
    assert code == 0
    parts = urlsplit(printed.strip())
    query = dict(parse_qsl(parts.query))
    if drop_scope is not None:
        query["scope"] = " ".join(s for s in query["scope"].split() if s != drop_scope)
    url = urlunsplit(parts._replace(query=urlencode(query)))
    redirect = await follow_authorize(scene.emu.session, url)
    return await cli("--config", config, "--state", STATE, "--redirect-url", redirect)


class Warnings(logging.Handler):
    """Warnings of one logger; ``seen`` is set once one contains ``text``."""

    def __init__(self, text: str) -> None:
        super().__init__(logging.WARNING)
        self.text = text
        self.messages: list[str] = []
        self.seen = asyncio.Event()
        self.loop = asyncio.get_running_loop()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        self.messages.append(message)
        if self.text in message:
            self.loop.call_soon_threadsafe(self.seen.set)


async def test_a_login_without_playlist_read_private_is_told_to_log_in_again(
    scene: Scene,
) -> None:
    logger = logging.getLogger("adapters.music.spotify_user")
    warnings = Warnings("run `fanbridge spotify login` again")
    logger.addHandler(warnings)
    try:
        code, _, err = await _login(scene, drop_scope="playlist-read-private")
        assert code == 0, err
        await asyncio.wait_for(warnings.seen.wait(), timeout=10)
        assert any("playlist-read-private" in m for m in warnings.messages)
        warnings.messages.clear()
        code, _, err = await _login(scene)  # logged in again, with every scope
        assert code == 0, err
    finally:
        logger.removeHandler(warnings)
    store = scene.runtime.store
    assert store is not None
    account = await store.get_spotify_account()
    assert account is not None and "playlist-read-private" in account.scopes
    sync = scene.runtime.playlists
    assert sync is not None

    async def switched() -> bool:
        return sync.client.refresh_token == account.refresh_token

    await scene.emu.until(switched, what="the new login is used")
    assert not any("playlist-read-private" in m for m in warnings.messages)


@pytest.mark.skipif(not POSTGRES_URL, reason="FANBRIDGE_TEST_POSTGRES_URL is not set")
async def test_login_stores_the_account_in_the_configured_postgresql_schema(
    scene: Scene, tmp_path: Path
) -> None:
    assert POSTGRES_URL is not None
    async with fresh_schema(POSTGRES_URL) as schema:
        text = scene.config_file.read_text().replace(
            scene.config_file.read_text().splitlines()[1],
            f'url = "{POSTGRES_URL}"\nschema_name = "{schema}"',
        )
        pg_config = tmp_path / "pg.toml"
        pg_config.write_text(text)
        code, printed, _ = await cli("--config", str(pg_config), "--url-only", "--state", STATE)
        assert code == 0
        redirect = await follow_authorize(scene.emu.session, printed.strip())
        code, _, err = await cli(
            "--config", str(pg_config), "--state", STATE, "--redirect-url", redirect
        )
        assert code == 0, err
        store = await SqlStore.open(POSTGRES_URL, schema=schema, migrate=False)
        try:
            account = await store.get_spotify_account()
        finally:
            await store.close()
        assert account is not None and account.user_id == "fanbridge-dj"


async def test_shared_tracks_become_a_public_playlist_newest_first(scene: Scene) -> None:
    first, second = scene.song(), scene.song()
    scene.posts["first"] = await scene.share(first)
    await scene.until_uris(first, *scene.order)
    scene.posts["second"] = await scene.share(second)
    playlist = await scene.until_uris(second, first, *scene.order)
    assert playlist["public"] is True and playlist["owner"] == "fanbridge-dj"
    scene.order = [second, first, *scene.order]
    store = scene.runtime.store
    assert store is not None
    group = await store.get_group("fans")
    assert group is not None
    shown = await scene.runtime.spotify_playlist(group)  # what the web tab's button opens
    assert shown is not None
    assert shown.url == f"https://open.spotify.com/playlist/{playlist['id']}"
    assert shown.unmatched == ()


async def test_a_new_share_is_added_and_a_deleted_one_removed(scene: Scene) -> None:
    second, first, *rest = scene.order
    third = scene.song()
    await scene.share(third)
    await scene.until_uris(third, second, first, *rest)
    await scene.emu.post(f"/_emu/discord/messages/{scene.posts['second']['id']}/delete")
    await scene.until_uris(third, first, *rest)
    scene.order = [third, first, *rest]


async def test_sharing_a_song_again_moves_it_to_the_top(scene: Scene) -> None:
    third, first, *rest = scene.order
    before = len(await scene.emu.get("/_emu/requests", platform="music"))
    await scene.share(first)
    await scene.until_uris(first, third, *rest)
    rows = (await scene.emu.get("/_emu/requests", platform="music"))[before:]
    writes = [r for r in rows if r["path"].endswith("/items") and r["method"] != "GET"]
    # one move of one track on the items endpoint, not a rewrite of the playlist
    assert [(r["method"], (r["body"] or {}).get("range_length")) for r in writes] == [("PUT", 1)]
    scene.order = [first, third, *rest]


async def test_deezer_shares_are_matched_by_isrc_or_listed_unmatched(scene: Scene) -> None:
    on_both = scene.song()
    # the resolver's own Spotify ISRC search fails once, so the item has no Spotify link:
    # the playlist sync finds the track by ISRC itself
    fault = {"platform": "music", "method": "GET", "path_glob": "/spotify/v1/search"}
    await scene.emu.post("/_emu/faults", fault | {"status": 503, "count": 1})
    await scene.share(on_both, platform="deezer")
    await scene.until_uris(on_both, *scene.order)
    searches = [
        r["status"]
        for r in await scene.emu.get("/_emu/requests", platform="music")
        if r["path"] == "/spotify/v1/search" and on_both["isrc"] in str(r["query"])
    ]
    assert searches == [503, 200]
    scene.order = [on_both, *scene.order]
    nowhere = next(
        i
        for i in scene.catalog
        if i["kind"] == "track"
        and i.get("isrc")
        and "deezer" in i["platforms"]
        and "spotify" not in i["platforms"]
    )
    await scene.share(nowhere, platform="deezer")
    store = scene.runtime.store
    assert store is not None
    group = await store.get_group("fans")
    assert group is not None

    async def listed() -> Any:
        state = await store.get_spotify_playlist(group.id)
        found = [u for u in state.unmatched if u.title == nowhere["title"]] if state else []
        return found[0] if found else None

    unmatched = await scene.emu.until(listed, what="the Deezer-only song listed as unmatched")
    assert unmatched.reason == "not found on Spotify by ISRC"
    assert unmatched.url == nowhere["platforms"]["deezer"]["url"]
    playlist = await scene.until_uris(*scene.order)  # and nothing else was added
    assert len(playlist["uris"]) == len(scene.order)
    # the web tab lists it next to "Play all on Spotify"
    assert scene.runtime.web is not None
    async with scene.emu.session.get(scene.runtime.web.url + "/g/fans") as response:
        page = await response.text()
    assert response.status == 200 and 'id="play-spotify"' in page
    assert "1 song is not on Spotify" in page and nowhere["title"] in page


async def test_a_429_is_waited_out_and_the_playlist_ends_right(scene: Scene) -> None:
    fault = {
        "platform": "music",
        "method": "POST",
        "path_glob": "/spotify/v1/playlists/*/items",
        "status": 429,
        "retry_after": 0.5,
        "count": 2,
    }
    await scene.emu.post("/_emu/faults", fault)
    song = scene.song()
    await scene.share(song)
    await scene.until_uris(song, *scene.order)
    scene.order = [song, *scene.order]
    rows = await scene.emu.get("/_emu/requests", platform="music")
    adds = [r["status"] for r in rows if r["method"] == "POST" and r["path"].endswith("/items")]
    assert adds[-3:] == [429, 429, 201]
    assert scene.runtime.playlists is not None and scene.runtime.playlists.client.waited_429 >= 2


async def test_an_expired_access_token_is_refreshed(scene: Scene) -> None:
    sync = scene.runtime.playlists
    assert sync is not None
    before = sync.client.refreshes
    expired = await scene.emu.post("/_emu/music/spotify/expire-tokens", {"user": "fanbridge-dj"})
    assert expired["expired"] >= 1
    song = scene.song()
    await scene.share(song)
    await scene.until_uris(song, *scene.order)
    scene.order = [song, *scene.order]
    assert sync.client.refreshes > before
    rows = await scene.emu.get("/_emu/requests", platform="music")
    assert any(r["status"] == 401 and r["path"].startswith("/spotify/v1/") for r in rows)


async def test_an_html_502_from_the_accounts_service_is_retried(scene: Scene) -> None:
    sync = scene.runtime.playlists
    assert sync is not None
    fault = {
        "platform": "music",
        "method": "POST",
        "path_glob": "/spotify-accounts/api/token",
        "status": 502,
        "mode": "html",  # a gateway's error page, not Spotify's JSON
        "count": 2,
    }
    await scene.emu.post("/_emu/faults", fault)
    await scene.emu.post("/_emu/music/spotify/expire-tokens", {"user": "fanbridge-dj"})
    logger = logging.getLogger("adapters.music.playlist_sync")
    warnings = Warnings("HTTP 502")
    logger.addHandler(warnings)
    try:
        song = scene.song()
        await scene.share(song)
        await scene.until_uris(song, *scene.order)  # the sync kept going and caught up
    finally:
        logger.removeHandler(warnings)
    scene.order = [song, *scene.order]
    # told as the gateway's error (a Spotify error, not a crash of the sync)
    assert warnings.seen.is_set() and not any("unexpected" in m for m in warnings.messages)
    assert any("502 Bad Gateway" in m for m in warnings.messages)
    rows = await scene.emu.get("/_emu/requests", platform="music")
    refreshes = [
        r["status"]
        for r in rows
        if r["path"] == "/spotify-accounts/api/token"
        and (r["body"] or {}).get("grant_type") == "refresh_token"
    ]
    assert refreshes[-3:] == [502, 502, 200]


async def test_a_refused_playlist_is_not_replaced_by_a_new_one(scene: Scene) -> None:
    before = await scene.playlist()
    assert before is not None
    fault = {
        "platform": "music",
        "method": "GET",
        "path_glob": f"/spotify/v1/playlists/{before['id']}",
        "status": 403,
        "count": 2,
    }
    await scene.emu.post("/_emu/faults", fault)
    song = scene.song()
    scene.posts["refused"], scene.posts["refused_song"] = await scene.share(song), song
    await scene.until_uris(song, *scene.order)
    scene.order = [song, *scene.order]
    rows = (await scene.emu.get("/_emu/music/spotify/playlists"))["playlists"]
    assert [p["id"] for p in rows if p["name"] == NAME] == [before["id"]]  # the same one
    refused = [
        r["status"]
        for r in await scene.emu.get("/_emu/requests", platform="music")
        if r["method"] == "GET" and r["path"] == f"/spotify/v1/playlists/{before['id']}"
    ]
    assert "403,403,200" in ",".join(map(str, refused))  # refused twice, then read again


async def visibility(scene: Scene, value: str) -> str:
    """``/fangroup visibility <value>`` by alice (Manage Channels) in the linked channel."""
    body = {
        "channel_id": scene.chats.d_channel,
        "user_id": scene.chats.d_users["alice"],
        "name": "fangroup visibility",
        "options": {"value": value},
    }
    answer = await scene.emu.post("/_emu/discord/commands", body)
    return str(answer["data"]["content"])


async def test_the_playlist_follows_the_groups_visibility(scene: Scene) -> None:
    async def public_is(flag: bool) -> dict[str, Any] | None:
        playlist = await scene.playlist()
        return playlist if playlist is not None and playlist["public"] is flag else None

    assert (await visibility(scene, "invite")).startswith("**Fans** is now invite.")
    private = await scene.emu.until(lambda: public_is(False), what="the playlist goes private")
    assert private["uris"] == (await scene.until_uris(*scene.order))["uris"]  # tracks kept
    # still kept while private, which needs its items read back (scope playlist-read-private)
    await scene.emu.post(f"/_emu/discord/messages/{scene.posts['refused']['id']}/delete")
    scene.order = [s for s in scene.order if s is not scene.posts["refused_song"]]
    private = await scene.until_uris(*scene.order)
    assert private["public"] is False
    assert (await visibility(scene, "public")).startswith("**Fans** is now public.")
    await scene.emu.until(lambda: public_is(True), what="the playlist is public again")
    changes = [
        r
        for r in await scene.emu.get("/_emu/requests", platform="music")
        if r["method"] == "PUT" and r["path"] == f"/spotify/v1/playlists/{private['id']}"
    ]
    assert [r["status"] for r in changes] == [200, 200]  # one change each way, no more
