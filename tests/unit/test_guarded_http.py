"""The guarded HTTP client's decisions: the allowlist (with lookalikes and userinfo tricks), the
address check (loopback, private, link-local, IPv4-mapped IPv6), the emulator URL mapping, the DNS
guard end to end, and redirect/size/time caps against a tiny local origin (real aiohttp sockets)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from yarl import URL

from adapters.music.guard import Refused, check_url, host_allowed, is_public_address, to_emulator
from adapters.music.http import GuardedHttp, NotFound, retry_after
from adapters.music.resolver import PublicOnlyResolver
from bridge.music.model import ProviderUnavailable

EMU = "http://127.0.0.1:8765"


# -- allowlist ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "https://spotify.link/abc",
        "https://open.spotify.com/track/8TP1UbMr6CiksfDipcQiBl",
        "https://api.deezer.com/track/3135556",
        "https://dzr.page.link/xyz",
        "https://link.deezer.com/s/abc",
        "https://on.soundcloud.com/abc",
        "https://soundcloud.app.goo.gl/abc",
        "https://ghostorchard.bandcamp.com/track/slow-lamp",
        "https://OPEN.SPOTIFY.COM./track/x",  # case and the trailing root dot
        "https://music.apple.com:443/us/album/x/1",
        "https://oembed.tidal.com/?url=https://tidal.com/browse/track/1",
    ],
)
def test_allowlisted_urls_pass(url: str) -> None:
    assert check_url(url).scheme == "https"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://open.spotify.com.evil.example/track/x", "not allowlisted"),
        ("https://evilspotify.link/x", "not allowlisted"),
        ("https://spotify.link.evil.example/x", "not allowlisted"),
        ("https://spotify.link@evil.example/", "userinfo"),
        ("https://user:pw@spotify.link/x", "userinfo"),
        ("https://soundcloud.com@evil.example/a/b", "userinfo"),
        ("http://open.spotify.com/track/x", "not https"),
        ("http://127.0.0.1:22/", "not https"),
        ("http://169.254.169.254/latest/meta-data/", "not https"),
        ("https://127.0.0.1/", "not allowlisted"),
        ("https://[::1]/", "not allowlisted"),
        ("https://2130706433/", "not allowlisted"),
        ("https://evil.example/x", "not allowlisted"),
        ("https://spotify.link:8443/x", "port"),
        ("ftp://spotify.link/x", "not https"),
        ("javascript:alert(1)", "not https"),
        ("//spotify.link/x", "not https"),
        ("https://a.b.bandcamp.com/track/x", "not allowlisted"),
        ("https://bandcamp.com.evil.example/", "not allowlisted"),
        ("https://evilbandcamp.com/", "not allowlisted"),
        ("https://spotify.l\u0456nk/x", "not allowlisted"),  # Cyrillic i: a homograph
        ("https://open.spotify.com%2F@evil.example/", "userinfo"),
    ],
)
def test_refused_urls(url: str, reason: str) -> None:
    with pytest.raises(Refused) as caught:
        check_url(url)
    assert reason in caught.value.reason


def test_bandcamp_subdomains_only_one_label_deep() -> None:
    assert host_allowed("some-artist.bandcamp.com")
    assert not host_allowed(".bandcamp.com")
    assert not host_allowed("x_y.bandcamp.com")


# -- addresses ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.0.0.5",
        "172.16.3.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.10",
        "::1",
        "::",
        "fe80::1%eth0",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::ffff:10.1.2.3",
        "2002:7f00:0001::1",  # 6to4 around 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 around 169.254.169.254
        "not an address",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_pass(address: str) -> None:
    assert is_public_address(address)


# -- emulator mapping -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("real", "mapped"),
    [
        ("https://api.spotify.com/v1/tracks/abc", "/spotify/v1/tracks/abc"),
        ("https://accounts.spotify.com/api/token", "/spotify-accounts/api/token"),
        ("https://api.deezer.com/track/isrc:USAT21001269", "/deezer/track/isrc:USAT21001269"),
        ("https://itunes.apple.com/lookup?id=1&entity=song", "/itunes/lookup?id=1&entity=song"),
        (
            "https://www.youtube.com/oembed?url=https%3A%2F%2Fyoutu.be%2Fx&format=json",
            "/youtube/oembed?url=https://youtu.be/x&format=json",  # same query, normalised
        ),
        ("https://soundcloud.com/oembed?url=u", "/soundcloud/oembed?url=u"),
        ("https://oembed.tidal.com/?url=u", "/tidal/oembed?url=u"),
        (
            "https://musicbrainz.org/ws/2/isrc/X?fmt=json&inc=artist-credits+releases",
            "/musicbrainz/ws/2/isrc/X?fmt=json&inc=artist-credits+releases",
        ),
        ("https://spotify.link/abc", "/web/spotify.link/abc"),
        ("https://link.deezer.com/s/abc", "/web/link.deezer.com/s/abc"),
        ("https://www.youtube.com/watch?v=x", "/web/www.youtube.com/watch?v=x"),
        ("https://soundcloud.com/a/b", "/web/soundcloud.com/a/b"),
        ("https://itunes.apple.com/us/album/x/1", "/web/itunes.apple.com/us/album/x/1"),
        ("https://x.bandcamp.com/track/y", "/web/x.bandcamp.com/track/y"),
        ("https://x.bandcamp.com", "/web/x.bandcamp.com/"),
    ],
)
def test_real_urls_map_onto_the_emulator(real: str, mapped: str) -> None:
    assert str(to_emulator(check_url(real), EMU + "/")) == EMU + mapped


def test_retry_after_forms() -> None:
    assert retry_after("7") == 7.0
    assert retry_after("1.5") == 1.5
    assert retry_after(None) is None
    assert retry_after("soon") is None
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past


# -- the DNS guard, end to end (no request can leave: the resolver refuses first) ------------------
def fake_dns(answers: dict[str, str], asked: list[str]) -> Callable[..., Awaitable[Any]]:
    async def getaddrinfo(host: str, port: int, **_: Any) -> list[Any]:
        asked.append(host)
        family = socket.AF_INET6 if ":" in answers[host] else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (answers[host], port))]

    return getaddrinfo


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "::1"])
async def test_allowlisted_name_resolving_to_private_address_is_refused(address: str) -> None:
    asked: list[str] = []
    resolver = PublicOnlyResolver(fake_dns({"spotify.link": address}, asked))
    http = GuardedHttp(None, resolver=resolver)
    try:
        with pytest.raises(Refused, match="non-public"):
            await http.get_text("https://spotify.link/abc")
        assert await http.expand("https://spotify.link/abc") is None
    finally:
        await http.close()
    assert asked == ["spotify.link", "spotify.link"]


async def test_resolver_refuses_when_any_address_is_private() -> None:
    async def mixed(host: str, port: int, **_: Any) -> list[Any]:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("8.8.8.8", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.0.1", port)),
        ]

    with pytest.raises(Refused):
        await PublicOnlyResolver(mixed).resolve("open.spotify.com", 443)


async def test_resolver_returns_checked_public_addresses() -> None:
    asked: list[str] = []
    resolver = PublicOnlyResolver(fake_dns({"api.deezer.com": "8.8.4.4"}, asked))
    [result] = await resolver.resolve("api.deezer.com", 443)
    assert (result["host"], result["port"], result["hostname"]) == (
        "8.8.4.4",
        443,
        "api.deezer.com",
    )


# -- redirects, size and time caps against a local origin standing in for the emulator -------------
class Origin:
    """A tiny origin in emulator mode: /web/spotify.link/hop<N> redirects to hop<N+1>."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.paths: list[str] = []

    async def hop(self, request: web.Request) -> web.Response:
        self.paths.append(request.path)
        n = int(request.match_info["n"])
        if n == 0:
            location = "https://open.spotify.com/track/8TP1UbMr6CiksfDipcQiBl"
        else:
            location = f"https://spotify.link/hop{n - 1}"
        return web.Response(status=302, headers={"Location": location})

    async def big(self, request: web.Request) -> web.StreamResponse:
        self.paths.append(request.path)
        response = web.StreamResponse()  # chunked: no Content-Length to trust
        await response.prepare(request)
        for _ in range(64):
            await response.write(b"x" * 1024)
        await response.write_eof()
        return response

    async def hang(self, request: web.Request) -> web.Response:
        self.paths.append(request.path)
        await self.release.wait()
        return web.Response(text="late")

    async def status(self, request: web.Request) -> web.Response:
        self.paths.append(request.path)
        code = int(request.match_info["code"])
        return web.Response(status=code, headers={"Retry-After": "3"}, text="{}")


@pytest.fixture
async def origin() -> AsyncIterator[tuple[Origin, str]]:
    state = Origin()
    app = web.Application()
    app.router.add_get("/web/spotify.link/hop{n}", state.hop)
    app.router.add_get("/web/x.bandcamp.com/big", state.big)
    app.router.add_get("/web/x.bandcamp.com/hang", state.hang)
    app.router.add_get("/deezer/status/{code}", state.status)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield state, f"http://127.0.0.1:{port}"
    state.release.set()
    await runner.cleanup()


async def test_five_redirects_are_followed_six_are_refused(origin: tuple[Origin, str]) -> None:
    state, url = origin
    http = GuardedHttp(url)
    try:
        final = await http.follow("https://spotify.link/hop4")  # 5 redirects
        assert final == "https://open.spotify.com/track/8TP1UbMr6CiksfDipcQiBl"
        assert len(state.paths) == 5
        with pytest.raises(Refused, match="more than 5 redirects"):
            await http.follow("https://spotify.link/hop6")  # 7 redirects
    finally:
        await http.close()
    # hop6 .. hop1 answered 6 redirects; the 6th target (hop0) was never requested
    assert state.paths[5:] == [f"/web/spotify.link/hop{n}" for n in (6, 5, 4, 3, 2, 1)]


async def test_body_over_the_cap_is_refused_while_streaming(origin: tuple[Origin, str]) -> None:
    _, url = origin
    http = GuardedHttp(url, max_bytes=16 * 1024)
    try:
        with pytest.raises(Refused, match="larger than"):
            await http.get_text("https://x.bandcamp.com/big")
    finally:
        await http.close()


async def test_total_time_cap(origin: tuple[Origin, str]) -> None:
    _, url = origin
    http = GuardedHttp(url, timeout=0.2)
    try:
        with pytest.raises(ProviderUnavailable, match="timeout"):
            await http.get_text("https://x.bandcamp.com/hang")
    finally:
        await http.close()


@pytest.mark.parametrize(("code", "wait"), [(429, 3.0), (503, 3.0)])
async def test_429_and_5xx_are_unavailable(
    origin: tuple[Origin, str], code: int, wait: float
) -> None:
    _, url = origin
    http = GuardedHttp(url)
    try:
        with pytest.raises(ProviderUnavailable) as caught:
            await http.get_json(f"https://api.deezer.com/status/{code}")
        assert caught.value.retry_after == wait
        with pytest.raises(NotFound):
            await http.get_json("https://api.deezer.com/status/404")
    finally:
        await http.close()


async def test_refused_url_makes_no_request(origin: tuple[Origin, str]) -> None:
    state, url = origin
    http = GuardedHttp(url)
    try:
        for bad in ("https://evil.example/x", "https://spotify.link@evil.example/hop0"):
            with pytest.raises(Refused):
                await http.get_text(bad)
            assert await http.expand(bad) is None
    finally:
        await http.close()
    assert state.paths == []


def test_yarl_parses_userinfo_the_way_the_guard_expects() -> None:
    parsed = URL("https://spotify.link@evil.example/")
    assert (parsed.user, parsed.host) == ("spotify.link", "evil.example")
