"""The keyless music services, web pages and short links, fetched with aiohttp over real sockets."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from typing import Any

import aiohttp
import pytest

from emulators.server import ThreadedEmulator

ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")
AGENT = {"User-Agent": "fanbridge-tests/1.0 ( https://example.org/fanbridge )"}


class MetaTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.ld: list[Any] = []
        self._in_ld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and (values.get("property") or values.get("name")):
            self.meta[str(values.get("property") or values.get("name"))] = str(values["content"])
        self._in_ld = tag == "script" and values.get("type") == "application/ld+json"

    def handle_data(self, data: str) -> None:
        if self._in_ld and data.strip():
            self.ld.append(json.loads(data))


@pytest.fixture
async def http(emulator: ThreadedEmulator) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(emulator.url) as session:
        async with session.post("/_emu/reset") as answer:
            assert answer.status == 200
        yield session


@pytest.fixture
async def catalog(http: aiohttp.ClientSession) -> list[dict[str, Any]]:
    async with http.get("/_emu/music/catalog") as answer:
        return (await answer.json())["items"]  # type: ignore[no-any-return]


def web_path(url: str) -> str:
    """``https://host/path`` as the emulator serves it: ``/web/host/path``."""
    return "/web/" + url.removeprefix("https://")


def first(catalog: list[dict[str, Any]], platform: str, kind: str = "track") -> dict[str, Any]:
    return next(i for i in catalog if i["kind"] == kind and platform in i["platforms"])


async def test_catalog_has_40_songs_with_isrcs_and_gaps(catalog: list[dict[str, Any]]) -> None:
    songs = [i for i in catalog if i["kind"] == "track"]
    assert len(songs) >= 40
    assert all(ISRC.match(s["isrc"]) for s in songs)
    assert len({s["isrc"] for s in songs}) == len(songs)
    assert any("spotify" not in s["platforms"] for s in songs)
    assert any("tidal" not in s["platforms"] for s in songs)
    assert any(list(s["platforms"]) == ["bandcamp"] for s in songs)
    spotify_ids = [s["platforms"]["spotify"]["id"] for s in songs if "spotify" in s["platforms"]]
    assert all(re.fullmatch(r"[0-9A-Za-z]{22}", i) for i in spotify_ids)
    assert all(s["short_links"] for s in songs if "spotify" in s["platforms"])


async def test_catalog_post_adds_a_song_everywhere(http: aiohttp.ClientSession) -> None:
    song = {"title": "Harbour Lights Reprise", "artists": ["Nadia Okafor"], "duration_ms": 201000}
    async with http.post("/_emu/music/catalog", json=song) as answer:
        stored = (await answer.json())["items"][0]
    assert ISRC.match(stored["isrc"])
    assert re.fullmatch(r"\d+", stored["platforms"]["deezer"]["id"])
    async with http.get(f"/deezer/track/isrc:{stored['isrc']}") as answer:
        track = await answer.json()
    assert track["title"] == "Harbour Lights Reprise"
    assert track["duration"] == 201


async def test_deezer_track_by_isrc(
    http: aiohttp.ClientSession, catalog: list[dict[str, Any]]
) -> None:
    song = first(catalog, "deezer")
    async with http.get(f"/deezer/track/isrc:{song['isrc']}") as answer:
        assert answer.status == 200
        track = await answer.json()
    assert track["id"] == int(song["platforms"]["deezer"]["id"])
    assert track["isrc"] == song["isrc"]
    assert track["link"] == song["platforms"]["deezer"]["url"]
    assert track["artist"]["name"] == song["artists"][0]
    async with http.get("/deezer/track/isrc:USXXX0000000") as answer:
        assert answer.status == 200
        assert (await answer.json())["error"]["code"] == 800


async def test_itunes_lookup(http: aiohttp.ClientSession, catalog: list[dict[str, Any]]) -> None:
    song = first(catalog, "apple_music")
    async with http.get(
        "/itunes/lookup", params={"id": song["platforms"]["apple_music"]["id"]}
    ) as answer:
        assert answer.content_type == "text/javascript"  # like the real iTunes API
        data = await answer.json(content_type=None)
    assert data["resultCount"] == 1
    result = data["results"][0]
    assert (result["kind"], result["trackName"]) == ("song", song["title"])
    assert result["trackTimeMillis"] == song["duration_ms"]
    assert result["trackViewUrl"].startswith(song["platforms"]["apple_music"]["url"])
    assert "isrc" not in result


async def test_youtube_oembed(http: aiohttp.ClientSession, catalog: list[dict[str, Any]]) -> None:
    song = first(catalog, "youtube")
    params = {"url": song["platforms"]["youtube"]["url"], "format": "json"}
    async with http.get("/youtube/oembed", params=params) as answer:
        data = await answer.json()
    assert song["title"] in data["title"]
    assert data["author_name"] == song["artists"][0]
    assert data["provider_name"] == "YouTube"
    assert "<iframe" in data["html"]
    unknown = {"url": "https://www.youtube.com/watch?v=AAAAAAAAAAA", "format": "json"}
    async with http.get("/youtube/oembed", params=unknown) as answer:
        assert answer.status == 404


async def test_musicbrainz_isrc_needs_user_agent(
    emulator: ThreadedEmulator, catalog: list[dict[str, Any]]
) -> None:
    song = first(catalog, "spotify")
    path = f"/musicbrainz/ws/2/isrc/{song['isrc']}"
    params = {"fmt": "json", "inc": "artist-credits+releases"}
    async with (
        aiohttp.ClientSession(emulator.url, headers=AGENT) as session,
        session.get(path, params=params) as answer,
    ):
        data = await answer.json()
    recording = data["recordings"][0]
    assert recording["title"] == song["title"]
    assert recording["length"] == song["duration_ms"]
    assert recording["artist-credit"][0]["name"] == song["artists"][0]
    assert recording["releases"][0]["title"] == song["album"]
    async with (
        aiohttp.ClientSession(emulator.url, skip_auto_headers=["User-Agent"]) as bare,
        bare.get(path, params=params) as answer,
    ):
        assert answer.status == 403


async def test_bandcamp_page_has_open_graph(
    http: aiohttp.ClientSession, catalog: list[dict[str, Any]]
) -> None:
    song = next(i for i in catalog if list(i["platforms"]) == ["bandcamp"])
    url = song["platforms"]["bandcamp"]["url"]
    async with http.get(web_path(url)) as answer:
        assert answer.status == 200
        page = MetaTags()
        page.feed(await answer.text())
    assert page.meta["og:title"] == f"{song['title']}, by {song['artists'][0]}"
    assert page.meta["og:type"] == "song"
    assert page.meta["og:url"] == url
    assert page.meta["og:image"].startswith("https://f4.bcbits.com/img/")
    ld = page.ld[0]
    assert ld["byArtist"]["name"] == song["artists"][0]
    seconds = song["duration_ms"] // 1000
    assert ld["duration"] == f"P00H{seconds // 60:02d}M{seconds % 60:02d}S"
    async with http.get(web_path(url.rsplit("/", 1)[0] + "/no-such-song")) as answer:
        assert answer.status == 404


async def test_short_links_redirect_to_real_urls(
    http: aiohttp.ClientSession, catalog: list[dict[str, Any]]
) -> None:
    song = first(catalog, "spotify")
    link = next(lk for lk in song["short_links"] if lk["platform"] == "spotify")
    async with http.get(web_path(link["url"]), allow_redirects=False) as answer:
        assert answer.status in (301, 302)
        assert answer.headers["Location"].startswith(song["platforms"]["spotify"]["url"] + "?si=")
    async with http.get("/web/spotify.link/doesNotExist", allow_redirects=False) as answer:
        assert answer.status == 404


async def test_dzr_page_link_takes_two_hops(
    http: aiohttp.ClientSession, catalog: list[dict[str, Any]]
) -> None:
    item, link = next(
        (i, lk) for i in catalog for lk in i["short_links"] if lk["url"].startswith("https://dzr.")
    )
    async with http.get(web_path(link["url"]), allow_redirects=False) as answer:
        hop = answer.headers["Location"]
    assert hop.startswith("https://deezer.page.link/")
    async with http.get(web_path(hop), allow_redirects=False) as answer:
        assert answer.headers["Location"].startswith(item["platforms"]["deezer"]["url"] + "?")


async def test_hostile_short_links(http: aiohttp.ClientSession) -> None:
    async with http.get("/_emu/music/catalog") as answer:
        hostile = (await answer.json())["hostile_short_links"]
    locations = {h["location"] for h in hostile}
    assert {"https://evil.example/x", "http://127.0.0.1:22/"} <= locations
    for entry in hostile:
        async with http.get(web_path(entry["url"]), allow_redirects=False) as answer:
            assert answer.headers["Location"] == entry["location"]
