"""The music providers and the guarded HTTP client against the emulator's music services, over
real sockets: spotipy 2.26 for Spotify, aiohttp (through GuardedHttp) for everything else.

Items come from ``GET /_emu/music/catalog``; what reached the emulator is read back from
``GET /_emu/requests``. Every test also checks that none of its requests broke the official spec.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import spotipy
from spotipy.cache_handler import MemoryCacheHandler
from spotipy.oauth2 import SpotifyClientCredentials

from adapters.music import GuardedHttp, Refused, build_providers, isrc_searchers
from adapters.music.bandcamp import BandcampProvider
from adapters.music.deezer import DeezerProvider
from adapters.music.itunes import ItunesProvider
from adapters.music.musicbrainz import MusicBrainzSearch
from adapters.music.oembed import OEmbedProvider
from adapters.music.spotify import SpotifyProvider
from bridge.music.model import Metadata, MusicProvider, ProviderUnavailable
from emulators.server import ThreadedEmulator

Item = dict[str, Any]


# -- fixtures -------------------------------------------------------------------------------------
@pytest.fixture
async def control(emulator: ThreadedEmulator) -> AsyncIterator[aiohttp.ClientSession]:
    """The emulator's control API; reset before each test, spec violations checked after it."""
    async with aiohttp.ClientSession(emulator.url) as session:
        async with session.post("/_emu/reset") as answer:
            assert answer.status == 200
        yield session
        async with session.get("/_emu/requests", params={"platform": "music"}) as answer:
            log = await answer.json()
        assert [(r["path"], r["violations"]) for r in log if r["violations"]] == []


@pytest.fixture
async def catalog(control: aiohttp.ClientSession) -> dict[str, Any]:
    async with control.get("/_emu/music/catalog") as answer:
        return await answer.json()  # type: ignore[no-any-return]


@pytest.fixture
async def credentials(control: aiohttp.ClientSession) -> tuple[str, str]:
    async with control.get("/_emu/world") as answer:
        spotify = (await answer.json())["spotify"]
    return spotify["client_id"], spotify["client_secret"]


@pytest.fixture
async def http(emulator: ThreadedEmulator) -> AsyncIterator[GuardedHttp]:
    client = GuardedHttp(emulator.url)
    yield client
    await client.close()


@pytest.fixture
def providers(
    http: GuardedHttp, emulator: ThreadedEmulator, credentials: tuple[str, str]
) -> dict[str, MusicProvider]:
    return build_providers(http, emulator=emulator.url, spotify=credentials)


@pytest.fixture
def spotify(providers: dict[str, MusicProvider]) -> SpotifyProvider:
    provider = providers["spotify"]
    assert isinstance(provider, SpotifyProvider)
    return provider


# -- helpers --------------------------------------------------------------------------------------
def items(catalog: dict[str, Any], kind: str, platform: str) -> list[Item]:
    return [i for i in catalog["items"] if i["kind"] == kind and platform in i["platforms"]]


async def resolve(provider: MusicProvider, item: Item, platform: str) -> Metadata | None:
    ref = item["platforms"][platform]
    return await provider.lookup(item["kind"], ref["id"], ref["url"])


async def request_log(control: aiohttp.ClientSession) -> list[dict[str, Any]]:
    async with control.get("/_emu/requests", params={"platform": "music"}) as answer:
        return await answer.json()  # type: ignore[no-any-return]


async def add_fault(control: aiohttp.ClientSession, **fault: Any) -> None:
    async with control.post("/_emu/faults", json={"platform": "music", **fault}) as answer:
        assert answer.status == 200


def assert_song(found: Metadata | None, item: Item, platform: str) -> Metadata:
    assert found is not None
    assert (found.platform, found.kind, found.id) == (
        platform,
        item["kind"],
        item["platforms"][platform]["id"],
    )
    assert found.title == item["title"]
    assert list(found.artists) == item["artists"]
    return found


# -- Spotify --------------------------------------------------------------------------------------
async def test_spotify_resolves_each_kind_one_request_per_item(
    spotify: SpotifyProvider,
    catalog: dict[str, Any],
    credentials: tuple[str, str],
    emulator: ThreadedEmulator,
    control: aiohttp.ClientSession,
) -> None:
    song = items(catalog, "track", "spotify")[0]
    track = assert_song(await resolve(spotify, song, "spotify"), song, "spotify")
    assert (track.isrc, track.duration_ms, track.album) == (
        song["isrc"],
        song["duration_ms"],
        song["album"],
    )
    assert track.url == song["platforms"]["spotify"]["url"]
    record = items(catalog, "album", "spotify")[0]
    album = assert_song(await resolve(spotify, record, "spotify"), record, "spotify")
    assert album.upc == record["upc"]
    playlist = items(catalog, "playlist", "spotify")[0]
    found = await resolve(spotify, playlist, "spotify")
    assert found is not None and found.title == playlist["title"]
    artist_id = (await asyncio.to_thread(spotipy_track, emulator.url, credentials, song))[0]
    artist = await spotify.lookup("artist", artist_id, "")
    assert artist is not None and artist.title == song["artists"][0]
    paths = [r["path"] for r in await request_log(control) if "/spotify/v1/" in r["path"]]
    assert not [p for p in paths if p.rstrip("/").endswith(("/tracks", "/albums"))]  # no batch


def spotipy_track(url: str, credentials: tuple[str, str], song: Item) -> list[str]:
    """The test's own spotipy client: a track's artist ids (the catalog lists only names)."""
    auth = SpotifyClientCredentials(*credentials, cache_handler=MemoryCacheHandler())
    auth.OAUTH_TOKEN_URL = f"{url}/spotify-accounts/api/token"
    sp = spotipy.Spotify(auth_manager=auth, retries=0, status_retries=0)
    sp.prefix = f"{url}/spotify/v1/"
    track = sp.track(song["platforms"]["spotify"]["id"])
    return [a["id"] for a in track["artists"]]


async def test_spotify_finds_by_isrc_and_upc(
    spotify: SpotifyProvider, catalog: dict[str, Any], control: aiohttp.ClientSession
) -> None:
    song = items(catalog, "track", "spotify")[3]
    found = assert_song(await spotify.by_isrc(song["isrc"]), song, "spotify")
    assert found.isrc == song["isrc"]
    record = items(catalog, "album", "spotify")[1]
    album = await spotify.by_upc(record["upc"])
    assert album is not None and (album.id, album.upc) == (
        record["platforms"]["spotify"]["id"],
        record["upc"],
    )
    missing = next(
        t for t in catalog["items"] if t["kind"] == "track" and "spotify" not in t["platforms"]
    )
    assert await spotify.by_isrc(missing["isrc"]) is None
    searches = [r for r in await request_log(control) if r["path"].endswith("/search")]
    assert all(int(r["query"]["limit"]) <= 10 for r in searches)


async def test_spotify_429_is_unavailable_with_retry_after(
    spotify: SpotifyProvider, catalog: dict[str, Any], control: aiohttp.ClientSession
) -> None:
    async with control.post(
        "/_emu/music/spotify/rate-limit", json={"limit": 1, "window": 1000}
    ) as answer:
        assert answer.status == 200
    songs = items(catalog, "track", "spotify")
    assert await resolve(spotify, songs[0], "spotify") is not None
    with pytest.raises(ProviderUnavailable) as caught:
        await resolve(spotify, songs[1], "spotify")
    assert caught.value.retry_after is not None and caught.value.retry_after >= 1
    statuses = [r["status"] for r in await request_log(control) if "/tracks/" in r["path"]]
    assert statuses == [200, 429]  # spotipy did not retry the 429 itself


async def test_spotify_outage_is_unavailable(
    spotify: SpotifyProvider, catalog: dict[str, Any], control: aiohttp.ClientSession
) -> None:
    await add_fault(control, path_glob="/spotify/v1/tracks/*", status=503, count=1)
    song = items(catalog, "track", "spotify")[0]
    with pytest.raises(ProviderUnavailable):
        await resolve(spotify, song, "spotify")
    assert_song(await resolve(spotify, song, "spotify"), song, "spotify")  # back after it


async def test_spotify_missing_or_malformed_is_none(
    spotify: SpotifyProvider, control: aiohttp.ClientSession
) -> None:
    assert await spotify.lookup("track", "A" * 22, "") is None
    assert await spotify.lookup("track", "not-an-id", "") is None
    assert await spotify.lookup("show", "A" * 22, "") is None
    paths = [r["path"] for r in await request_log(control) if "/v1/" in r["path"]]
    assert paths == ["/spotify/v1/tracks/" + "A" * 22]


async def test_spotify_needs_credentials(http: GuardedHttp, emulator: ThreadedEmulator) -> None:
    providers = build_providers(http, emulator=emulator.url, spotify=None)
    assert "spotify" not in providers
    assert "amazon_music" not in providers  # no keyless API: link only
    assert set(providers) == {
        "deezer",
        "apple_music",
        "youtube",
        "youtube_music",
        "soundcloud",
        "tidal",
        "bandcamp",
    }
    order = [s.platform for s in isrc_searchers(providers, http)]
    assert order == ["deezer", "apple_music", "musicbrainz"]


async def test_spotify_bad_credentials_are_unavailable(
    http: GuardedHttp, emulator: ThreadedEmulator, catalog: dict[str, Any]
) -> None:
    provider = SpotifyProvider("nobody", "wrong", emulator=emulator.url)
    with pytest.raises(ProviderUnavailable):
        await resolve(provider, items(catalog, "track", "spotify")[0], "spotify")


# -- Deezer ---------------------------------------------------------------------------------------
async def test_deezer_resolves_each_kind(
    providers: dict[str, MusicProvider], catalog: dict[str, Any], http: GuardedHttp
) -> None:
    deezer = providers["deezer"]
    song = items(catalog, "track", "deezer")[2]
    track = assert_song(await resolve(deezer, song, "deezer"), song, "deezer")
    assert track.isrc == song["isrc"]
    assert track.duration_ms == song["duration_ms"] // 1000 * 1000
    record = items(catalog, "album", "deezer")[0]
    assert (
        assert_song(await resolve(deezer, record, "deezer"), record, "deezer").upc
        == (record["upc"])
    )
    playlist = items(catalog, "playlist", "deezer")[0]
    found = await resolve(deezer, playlist, "deezer")
    assert found is not None and found.title == playlist["title"]
    raw = await http.get_json(f"https://api.deezer.com/track/{track.id}")
    artist = await deezer.lookup("artist", str(raw["artist"]["id"]), "")
    assert artist is not None and artist.title == song["artists"][0]


async def test_deezer_finds_by_isrc_and_upc(
    providers: dict[str, MusicProvider], catalog: dict[str, Any]
) -> None:
    deezer = providers["deezer"]
    assert isinstance(deezer, DeezerProvider)
    song = items(catalog, "track", "deezer")[4]
    assert_song(await deezer.by_isrc(song["isrc"]), song, "deezer")
    record = items(catalog, "album", "deezer")[2]
    assert_song(await deezer.by_upc(record["upc"]), record, "deezer")
    assert await deezer.by_isrc("USXXX0000000") is None
    assert await deezer.by_isrc("not an isrc") is None


async def test_deezer_not_found_and_outage(
    providers: dict[str, MusicProvider], control: aiohttp.ClientSession
) -> None:
    deezer = providers["deezer"]
    assert await deezer.lookup("track", "1", "") is None  # HTTP 200 {"error": {"code": 800}}
    assert await deezer.lookup("track", "12a", "") is None
    await add_fault(control, path_glob="/deezer/*", status=503, count=1)
    with pytest.raises(ProviderUnavailable):
        await deezer.lookup("track", "1", "")


# -- Apple Music (iTunes lookup) ------------------------------------------------------------------
async def test_itunes_resolves_songs_albums_artists(
    providers: dict[str, MusicProvider], catalog: dict[str, Any], http: GuardedHttp
) -> None:
    apple = providers["apple_music"]
    song = items(catalog, "track", "apple_music")[1]
    track = assert_song(await resolve(apple, song, "apple_music"), song, "apple_music")
    assert (track.duration_ms, track.album, track.isrc) == (
        song["duration_ms"],
        song["album"],
        None,
    )
    assert track.url == song["platforms"]["apple_music"]["url"]  # without the uo= parameter
    record = items(catalog, "album", "apple_music")[0]
    album = assert_song(await resolve(apple, record, "apple_music"), record, "apple_music")
    assert album.duration_ms == record["duration_ms"]
    raw = await http.get_json("https://itunes.apple.com/lookup", params={"id": track.id})
    artist_id = str(raw["results"][0]["artistId"])
    artist = await apple.lookup("artist", artist_id, "")
    assert artist is not None and artist.title == song["artists"][0]
    playlist = items(catalog, "playlist", "apple_music")[0]
    assert await resolve(apple, playlist, "apple_music") is None  # link only


async def test_itunes_album_by_upc_and_throttling(
    providers: dict[str, MusicProvider], catalog: dict[str, Any], control: aiohttp.ClientSession
) -> None:
    apple = providers["apple_music"]
    assert isinstance(apple, ItunesProvider)
    record = items(catalog, "album", "apple_music")[1]
    found = assert_song(await apple.by_upc(record["upc"]), record, "apple_music")
    assert found.upc == record["upc"]
    assert await apple.lookup("track", "1", "") is None
    await add_fault(control, path_glob="/itunes/lookup", status=403, count=1)  # iTunes' throttle
    with pytest.raises(ProviderUnavailable):
        await apple.lookup("track", "1", "")


# -- oEmbed ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("platform", ["youtube", "youtube_music", "soundcloud", "tidal"])
async def test_oembed_tracks_and_albums(
    providers: dict[str, MusicProvider], catalog: dict[str, Any], platform: str
) -> None:
    provider = providers[platform]
    assert isinstance(provider, OEmbedProvider)
    song = items(catalog, "track", platform)[0]
    assert_song(await resolve(provider, song, platform), song, platform)
    record = items(catalog, "album", platform)[0]
    assert_song(await resolve(provider, record, platform), record, platform)


async def test_oembed_unknown_is_none(
    providers: dict[str, MusicProvider], control: aiohttp.ClientSession
) -> None:
    assert await providers["youtube"].lookup("track", "AAAAAAAAAAA", "") is None
    assert await providers["soundcloud"].lookup("track", "nobody/nothing", "") is None
    assert await providers["tidal"].lookup("track", "1", "") is None
    channel = "UCabcdefghijklmnopqrstuv"
    assert await providers["youtube_music"].lookup("artist", channel, "") is None
    paths = [r["path"] for r in await request_log(control)]
    assert paths == ["/youtube/oembed", "/soundcloud/oembed", "/tidal/oembed"]


# -- Bandcamp -------------------------------------------------------------------------------------
async def test_bandcamp_pages(
    providers: dict[str, MusicProvider], catalog: dict[str, Any], emulator: ThreadedEmulator
) -> None:
    bandcamp = providers["bandcamp"]
    assert isinstance(bandcamp, BandcampProvider)
    song = next(i for i in catalog["items"] if list(i["platforms"]) == ["bandcamp"])
    track = assert_song(await resolve(bandcamp, song, "bandcamp"), song, "bandcamp")
    assert (track.duration_ms, track.album) == (song["duration_ms"] // 1000 * 1000, song["album"])
    assert track.artwork_url is not None and track.artwork_url.startswith("https://f4.bcbits")
    record = items(catalog, "album", "bandcamp")[0]
    assert_song(await resolve(bandcamp, record, "bandcamp"), record, "bandcamp")
    sub = song["platforms"]["bandcamp"]["id"].split("/")[0]
    assert await bandcamp.lookup("track", f"{sub}/track/no-such-song", "") is None
    small = GuardedHttp(emulator.url, max_bytes=512)
    try:
        assert (
            await BandcampProvider(small).lookup("track", song["platforms"]["bandcamp"]["id"], "")
            is None
        )
        with pytest.raises(Refused, match=r"larger than|too large"):
            await small.get_text(song["platforms"]["bandcamp"]["url"])
    finally:
        await small.close()


# -- MusicBrainz ----------------------------------------------------------------------------------
async def test_musicbrainz_by_isrc(
    http: GuardedHttp, catalog: dict[str, Any], control: aiohttp.ClientSession
) -> None:
    search = MusicBrainzSearch(http, min_interval=0.05)
    song = items(catalog, "track", "spotify")[0]
    found = await search.by_isrc(song["isrc"])
    assert found is not None
    assert (found.title, list(found.artists), found.album, found.duration_ms) == (
        song["title"],
        song["artists"],
        song["album"],
        song["duration_ms"],
    )
    assert found.id == song["mbid"] and found.isrc == song["isrc"]
    assert await search.by_isrc("USXXX0000000") is None
    statuses = [r["status"] for r in await request_log(control)]
    assert statuses == [200, 404]  # the User-Agent was accepted, the pace respected


# -- short links ----------------------------------------------------------------------------------
async def test_short_links_expand_to_the_real_canonical_url(
    http: GuardedHttp, catalog: dict[str, Any]
) -> None:
    checked = 0
    for item in catalog["items"][:20]:
        for link in item["short_links"]:
            final = await http.expand(link["url"])
            canonical = item["platforms"][link["platform"]]["url"]
            assert final is not None and final.startswith(canonical + "?"), (link, final)
            checked += 1
    assert checked >= 20


async def test_two_hop_deezer_short_link(
    http: GuardedHttp, catalog: dict[str, Any], control: aiohttp.ClientSession
) -> None:
    item, link = next(
        (i, lk) for i in catalog["items"] for lk in i["short_links"] if "dzr.page.link" in lk["url"]
    )
    final = await http.expand(link["url"])
    assert final is not None and final.startswith(item["platforms"]["deezer"]["url"] + "?")
    paths = [r["path"] for r in await request_log(control)]
    assert [p.split("/")[2] for p in paths] == ["dzr.page.link", "deezer.page.link"]
    assert not [p for p in paths if "www.deezer.com" in p]  # the final page is not fetched


async def test_hostile_short_links_are_refused_before_any_request(
    http: GuardedHttp, catalog: dict[str, Any], control: aiohttp.ClientSession
) -> None:
    hostile = catalog["hostile_short_links"]
    assert len(hostile) >= 4
    for entry in hostile:
        assert await http.expand(entry["url"]) is None
        with pytest.raises(Refused):
            await http.follow(entry["url"])
    paths = [r["path"] for r in await request_log(control)]
    short_paths = ["/web/" + e["url"].removeprefix("https://") for e in hostile]
    assert sorted(paths) == sorted(short_paths * 2)  # only the short links themselves
    for target in ("evil.example", "127.0.0.1", "169.254.169.254"):
        assert not [p for p in paths if target in p]


async def test_guard_refuses_before_sending(
    http: GuardedHttp, control: aiohttp.ClientSession
) -> None:
    for url in (
        "https://evil.example/x",
        "https://spotify.link@evil.example/",
        "https://open.spotify.com.evil.example/track/x",
        "http://api.deezer.com/track/3135556",
        "https://127.0.0.1/",
        "https://169.254.169.254/latest/meta-data/",
    ):
        with pytest.raises(Refused):
            await http.get_json(url)
    assert await request_log(control) == []


async def test_timeout_is_unavailable(
    emulator: ThreadedEmulator, control: aiohttp.ClientSession
) -> None:
    await add_fault(control, path_glob="/deezer/*", mode="timeout", retry_after=2, count=1)
    quick = GuardedHttp(emulator.url, timeout=0.3)
    try:
        with pytest.raises(ProviderUnavailable, match="timeout"):
            await DeezerProvider(quick).lookup("track", "1", "")
    finally:
        await quick.close()


# -- pure parsing ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "title", "author", "expected"),
    [
        ("track", "Marlow Vance - Glass Harbor (Official Video)", "Marlow Vance", "Glass Harbor"),
        (
            "track",
            "Marlow Vance – Glass Harbor [Official Music Video] (HD)",
            "VEVO",
            "Glass Harbor",
        ),
        ("track", "Glass Harbor", "Marlow Vance - Topic", "Glass Harbor"),
        ("album", "Album - Glass Harbor", "Marlow Vance - Topic", "Glass Harbor"),
        ("track", "Glass Harbor (Lyric Video)", "Marlow Vance", "Glass Harbor"),
        ("track", "Live at Dover (Remix)", "Marlow Vance", "Live at Dover (Remix)"),
    ],
)
def test_youtube_titles(kind: str, title: str, author: str, expected: str) -> None:
    from adapters.music.oembed import split_youtube

    name, artists = split_youtube(kind, title, author)
    assert name == expected
    assert artists == ("Marlow Vance",)


def test_durations_and_deezer_errors() -> None:
    from adapters.music.bandcamp import parse_duration
    from adapters.music.deezer import unwrap

    assert parse_duration("P00H03M48S") == 228_000
    assert parse_duration("PT1H2M3.5S") == 3_723_500
    assert parse_duration("soon") is None
    assert unwrap({"error": {"code": 800, "message": "no data"}}) is None
    assert unwrap({"id": 3, "title": "x"}) == {"id": 3, "title": "x"}
    with pytest.raises(ProviderUnavailable) as caught:
        unwrap({"error": {"code": 4, "message": "Quota limit exceeded"}})
    assert caught.value.retry_after == 5.0
