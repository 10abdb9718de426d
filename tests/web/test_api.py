"""The JSON API, the exports and the Atom feed over real HTTP: the product's ``build_web_app``
with a real ``SqlStore`` (SQLite in tmp_path) seeded through the store's own methods. A ban
closing a personal link is checked on the pages too."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters.web.access import allow_private_links
from adapters.web.app import WebServer, build_web_app
from adapters.web.pages import PageSettings
from adapters.web.signing import GroupLinks, sign_grant
from bridge.ids import ChannelRef, Platform, UserRef, Visibility
from bridge.music.model import Metadata
from bridge.records import ItemLink, ShareDraft
from bridge.text import doc
from storage.repos import SqlStore

DISCORD = ChannelRef(Platform.DISCORD, "900", "901")
SLACK = ChannelRef(Platform.SLACK, "T1", "C1")
ALICE = UserRef(Platform.DISCORD, "900", "10")
ERIN = UserRef(Platform.SLACK, "T1", "U1")
MOD_VICTIM = UserRef(Platform.DISCORD, "900", "66")
DAY = 86_400.0
START = 1_767_225_600.0  # 2026-01-01T00:00:00Z
XSPF = "{http://xspf.org/ns/0/}"
ATOM = "{http://www.w3.org/2005/Atom}"


class Clock:
    def __init__(self) -> None:
        self.t = START

    def now(self) -> float:
        return self.t


@dataclass
class World:
    base: str
    http: aiohttp.ClientSession
    store: SqlStore
    items: dict[str, int]

    async def get(self, path: str, **params: str) -> tuple[int, Any]:
        async with self.http.get(self.base + path, params=params) as resp:
            body = await resp.text()
            kind = resp.headers.get("Content-Type", "")
            return resp.status, json.loads(body) if "json" in kind else body

    async def ok(self, path: str, **params: str) -> Any:
        status, body = await self.get(path, **params)
        assert status == 200, body
        return body

    async def titles(self, **params: str) -> list[str]:
        page = await self.ok("/api/groups/fans/items", **params)
        return [i["title"] for i in page["items"]]


def meta(platform: str, kind: str, pid: str, title: str, artist: str, ms: int) -> Metadata:
    return Metadata(
        platform=platform,
        kind=kind,
        id=pid,
        url=f"https://{platform}.example/{kind}/{pid}",
        title=title,
        artists=(artist,),
        duration_ms=ms,
        artwork_url=f"https://img.example/{pid}.jpg",
    )


async def new_item(store: SqlStore, m: Metadata, *others: str) -> int:
    item = await store.create_item(m, match_key=None)
    await store.add_item_link(item, ItemLink(m.platform, m.kind, m.id, m.url))
    for platform in others:
        url = f"https://{platform}.example/{m.kind}/{m.id}"
        await store.add_item_link(item, ItemLink(platform, m.kind, m.id, url))
    return item


async def share(
    store: SqlStore,
    clock: Clock,
    group_id: int,
    key: str,
    item: int | None,
    where: ChannelRef,
    who: UserRef,
    name: str,
    text: str,
    pid: str,
) -> int:
    clock.t += DAY
    message, _ = await store.record_message(
        group_id=group_id, author=who, origin=where, origin_message_id=pid, text=doc(text).to_json()
    )
    platform, _, rest = key.partition(":")
    url = rest if platform == "short" else f"https://{platform}.example/x/{rest}"
    draft = ShareDraft(key, "spotify" if platform == "short" else platform, url)
    await store.add_shares(
        group_id=group_id, message_id=message.id, shared_by=who, shared_by_name=name, drafts=[draft]
    )
    if item is not None:
        await store.mark_link(key, status="ok", item_id=item)
    return message.id


async def seed(store: SqlStore, clock: Clock) -> dict[str, int]:
    fans = await store.create_group(slug="fans", name="Lumen <Fans> & Friends")
    await store.create_group(slug="empty", name="Empty")
    secret = await store.create_group(slug="secret", name="Secret", visibility=Visibility.INVITE)
    neon = await new_item(
        store, meta("spotify", "track", "n1", "Neon Rivers", "Lumen Twins", 201_000), "deezer"
    )
    joga = await new_item(store, meta("deezer", "track", "b1", "Jóga", "Björk", 305_000))
    album = await new_item(
        store, meta("deezer", "album", "a1", "Night Drive", "Lumen Twins", 2_400_000)
    )
    rock = await new_item(store, meta("deezer", "track", "r1", "Rock & Roll <Live>", "=cmd", 1000))
    gone = await new_item(store, meta("deezer", "track", "g1", "Removed Song", "Spammer", 99_000))
    g = fans.id
    await store.link_channel(group_id=g, channel=DISCORD, channel_name="general")
    await share(store, clock, g, "spotify:track:n1", neon, DISCORD, ALICE, "Alice",
                "listen to this", "1001")  # fmt: skip  # Jan 2
    await share(store, clock, g, "deezer:album:a1", album, SLACK, ERIN, "erin",
                "whole album", "1767400000.000100")  # fmt: skip  # Jan 3
    joga_msg = await share(store, clock, g, "deezer:track:b1", joga, DISCORD, ALICE, "Alice",
                           "a classic <3", "1002")  # fmt: skip  # Jan 4
    spam = await share(store, clock, g, "deezer:track:g1", gone, DISCORD, MOD_VICTIM, "victim",
                       "buy followers", "1003")  # fmt: skip  # Jan 5
    await share(store, clock, g, "spotify:track:n1", neon, SLACK, ERIN, "erin",
                "again!", "1767600000.000200")  # fmt: skip  # Jan 6
    await share(store, clock, g, "deezer:track:r1", rock, SLACK, ERIN, "erin",
                "escaping test", "1767700000.000300")  # fmt: skip  # Jan 7
    await share(store, clock, g, "short:https://spoti.fi/xyz", None, DISCORD, ALICE, "Alice",
                "what is this", "1004")  # fmt: skip  # Jan 8
    await share(store, clock, secret.id, "spotify:track:n1", neon, DISCORD, ALICE, "Alice",
                "private share", "2001")  # fmt: skip
    for user in ("20", "21", "22"):
        await store.set_reaction(
            message_id=joga_msg,
            emoji="🔥",
            emoji_json="{}",
            user=UserRef(Platform.DISCORD, "900", user),
            channel=DISCORD,
            add=True,
        )
    await store.mark_deleted(spam, at=clock.now())
    await store.remove_shares(spam, at=clock.now())  # what moderation's delete does
    return {"neon": neon, "joga": joga, "album": album, "rock": rock, "gone": gone}


# Every test only reads: one seeded store and server for the module.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    clock = Clock()
    db = tmp_path_factory.mktemp("api") / "web.db"
    store = await SqlStore.open(f"sqlite+aiosqlite:///{db}", clock=clock)
    items = await seed(store, clock)
    server = WebServer(build_web_app(ready_checks=_ready, store=store), "127.0.0.1", 0)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            yield World(server.url, http, store, items)
    finally:
        await server.stop()
        await store.close()


async def _ready() -> dict[str, bool]:
    return {"db": True}


# -- /api/groups ---------------------------------------------------------------------------
async def test_groups_lists_public_groups_only(world: World) -> None:
    body = await world.ok("/api/groups")
    assert [g["slug"] for g in body["groups"]] == ["fans", "empty"]
    fans = body["groups"][0]
    assert fans["name"] == "Lumen <Fans> & Friends"
    assert fans["items_url"] == f"{world.base}/api/groups/fans/items"
    assert fans["web_url"] == f"{world.base}/g/fans"


# -- /api/groups/{slug}/items --------------------------------------------------------------
async def test_items_recent_first_with_every_field(world: World) -> None:
    page = await world.ok("/api/groups/fans/items")
    assert page["total"] == 5 and page["pages"] == 1 and page["per_page"] == 24
    assert [i["title"] for i in page["items"]] == [
        "https://spoti.fi/xyz",
        "Rock & Roll <Live>",
        "Neon Rivers",
        "Jóga",
        "Night Drive",
    ]
    neon = page["items"][2]
    assert neon == {
        "ref": str(world.items["neon"]),
        "resolved": True,
        "kind": "track",
        "title": "Neon Rivers",
        "artists": ["Lumen Twins"],
        "album": None,
        "duration_ms": 201_000,
        "artwork_url": "https://img.example/n1.jpg",
        "links": [
            {"platform": "spotify", "url": "https://spotify.example/track/n1"},
            {"platform": "deezer", "url": "https://deezer.example/track/n1"},
        ],
        "shares": 2,
        "reactions": 0,
        "sharers": ["Alice", "erin"],
        "shared_by": [
            {"name": "Alice", "platform": "discord"},
            {"name": "erin", "platform": "slack"},
        ],
        "first_shared_at": "2026-01-02T00:00:00Z",
        "last_shared_at": "2026-01-06T00:00:00Z",
        "web_url": f"{world.base}/g/fans/item/{world.items['neon']}",
        "api_url": f"{world.base}/api/groups/fans/items/{world.items['neon']}",
    }
    link = page["items"][0]
    assert link["resolved"] is False and link["kind"] == "link" and link["ref"].startswith("l")
    assert page["links"]["next"] is None and page["links"]["prev"] is None


async def test_sorts(world: World) -> None:
    assert (await world.titles(sort="shared"))[0] == "Neon Rivers"
    assert (await world.titles(sort="top"))[0] == "Neon Rivers"
    reacted = await world.ok("/api/groups/fans/items", sort="reacted")
    assert (reacted["items"][0]["title"], reacted["items"][0]["reactions"]) == ("Jóga", 3)
    assert reacted["query"]["sort"] == "reacted"


async def test_each_filter_and_search(world: World) -> None:
    assert await world.titles(platform="spotify") == ["https://spoti.fi/xyz", "Neon Rivers"]
    assert await world.titles(kind="album") == ["Night Drive"]
    assert await world.titles(kind="link") == ["https://spoti.fi/xyz"]
    by_erin = await world.ok("/api/groups/fans/items", sharer="Erin")
    assert [(i["title"], i["shares"]) for i in by_erin["items"]] == [
        ("Rock & Roll <Live>", 1),
        ("Neon Rivers", 1),
        ("Night Drive", 1),
    ]
    assert await world.titles(since="2026-01-04", until="2026-01-05") == ["Jóga"]
    assert await world.titles(since="2026-01-06T12:00:00Z") == [
        "https://spoti.fi/xyz",
        "Rock & Roll <Live>",
    ]
    assert await world.titles(q="björk") == ["Jóga"]
    assert await world.titles(q="LUMEN", sort="shared") == ["Neon Rivers", "Night Drive"]
    assert await world.titles(q="lumen", kind="album", platform="deezer") == ["Night Drive"]
    assert await world.titles(q="no such song") == []


async def test_paging_with_links(world: World) -> None:
    first = await world.ok("/api/groups/fans/items", per_page="2")
    assert first["pages"] == 3 and len(first["items"]) == 2 and first["links"]["prev"] is None
    assert first["links"]["next"] == f"{world.base}/api/groups/fans/items?per_page=2&page=2"
    async with world.http.get(first["links"]["next"]) as resp:
        second = await resp.json()
    assert second["page"] == 2 and second["links"]["prev"] is not None
    assert [i["title"] for i in second["items"]] == ["Neon Rivers", "Jóga"]
    last = await world.ok("/api/groups/fans/items", per_page="2", page="3")
    assert [i["title"] for i in last["items"]] == ["Night Drive"] and last["links"]["next"] is None
    beyond = await world.ok("/api/groups/fans/items", per_page="2", page="9")
    assert beyond["items"] == [] and beyond["total"] == 5


# -- /api/groups/{slug}/items/{ref} --------------------------------------------------------
async def test_item_with_the_conversation_around_each_share(world: World) -> None:
    body = await world.ok(f"/api/groups/fans/items/{world.items['neon']}")
    assert body["item"]["title"] == "Neon Rivers" and body["group"]["slug"] == "fans"
    assert [
        (s["sharer"], s["platform"], s["quote"], s["permalink"], s["shared_at"])
        for s in body["shares"]
    ] == [
        (
            "erin",
            "slack",
            "again!",
            "https://slack.com/archives/C1/p1767600000000200",
            "2026-01-06T00:00:00Z",
        ),
        (
            "Alice",
            "discord",
            "listen to this",
            "https://discord.com/channels/900/901/1001",
            "2026-01-02T00:00:00Z",
        ),
    ]
    link = (await world.ok("/api/groups/fans/items", kind="link"))["items"][0]
    unresolved = await world.ok(f"/api/groups/fans/items/{link['ref']}")
    assert unresolved["shares"][0]["quote"] == "what is this"


async def test_removed_share_never_shows(world: World) -> None:
    assert "Removed Song" not in await world.titles(per_page="100")
    assert await world.titles(q="removed") == []
    assert await world.titles(sharer="victim") == []
    status, body = await world.get(f"/api/groups/fans/items/{world.items['gone']}")
    assert status == 404 and body["error"]["param"] == "ref"
    csv_text = await world.ok("/g/fans/export.csv")
    assert "Removed Song" not in csv_text and "buy followers" not in csv_text


# -- errors --------------------------------------------------------------------------------
BAD = [
    ({"sort": "loud"}, "sort", "sort must be one of recent, shared, reacted"),
    ({"page": "0"}, "page", "page must be between 1 and"),
    ({"page": "x"}, "page", "page must be a whole number"),
    ({"per_page": "500"}, "per_page", "per_page must be between 1 and 100"),
    ({"since": "yesterday"}, "since", "since must be an ISO date or datetime"),
    ({"since": "2026-02-01", "until": "2026-01-01"}, "until", "until must be after since"),
    ({"kind": "song"}, "kind", "kind must be one of track, album"),
    ({"platform": "<script>"}, "platform", "platform must be a platform name"),
    ({"q": "x" * 300}, "q", "q must be at most 200 characters"),
    ({"color": "red"}, "color", "unknown parameter 'color'"),
]


@pytest.mark.parametrize("path", ["/api/groups/fans/items", "/g/fans/export.json"])
@pytest.mark.parametrize(("params", "param", "message"), BAD)
async def test_bad_parameters_are_clear_400s(
    world: World, path: str, params: dict[str, str], param: str, message: str
) -> None:
    status, body = await world.get(path, **params)
    assert status == 400
    assert body["error"]["param"] == param and message in body["error"]["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/groups?sort=recent",
        "/api/groups/fans/items/1?page=2",
        "/g/fans/feed.atom?page=2",
    ],
)
async def test_routes_without_parameters_reject_them(world: World, path: str) -> None:
    async with world.http.get(world.base + path) as resp:
        assert resp.status == 400
        body = await resp.json()
    assert "unknown parameter" in body["error"]["message"]


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/groups/nope/items", "slug"),
        ("/api/groups/nope/items/1", "slug"),
        ("/api/groups/fans/items/999999", "ref"),
        ("/api/groups/fans/items/abc", "ref"),
        ("/api/groups/fans/items/l999999", "ref"),
        ("/g/nope/export.csv", "slug"),
        ("/g/fans/export.pdf", "format"),
        ("/g/nope/feed.atom", "slug"),
        ("/api/nothing/here", None),
    ],
)
async def test_unknown_things_are_404s(world: World, path: str, param: str | None) -> None:
    status, body = await world.get(path)
    assert status == 404 and body["error"]["param"] == param and body["error"]["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/groups/secret/items",
        "/api/groups/secret/items/{neon}",
        "/g/secret/export.m3u8",
        "/g/secret/export.json",
        "/g/secret/feed.atom",
    ],
)
async def test_private_group_answers_like_a_missing_one(world: World, path: str) -> None:
    status, body = await world.get(path.format(neon=world.items["neon"]))
    assert status == 404 and body == {"error": {"param": "slug", "message": "no group 'secret'"}}


async def test_another_groups_item_is_not_found(world: World) -> None:
    status, _ = await world.get(f"/api/groups/empty/items/{world.items['neon']}")
    assert status == 404


# -- exports -------------------------------------------------------------------------------
async def _export(world: World, fmt: str, **params: str) -> tuple[aiohttp.ClientResponse, bytes]:
    async with world.http.get(f"{world.base}/g/fans/export.{fmt}", params=params) as resp:
        return resp, await resp.read()


async def test_exports_keep_the_tab_order_and_parse(world: World) -> None:
    order = [i["title"] for i in (await world.ok("/api/groups/fans/items", sort="shared"))["items"]]
    resp, body = await _export(world, "json", sort="shared")
    assert resp.content_type == "application/json"
    assert resp.headers["Content-Disposition"] == 'attachment; filename="fans.json"'
    assert [i["title"] for i in json.loads(body)["items"]] == order

    resp, body = await _export(world, "csv", sort="shared")
    assert resp.content_type == "text/csv" and resp.charset == "utf-8"
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert [r["title"] for r in rows] == order
    rock = next(r for r in rows if r["title"] == "Rock & Roll <Live>")
    assert rock["artists"] == "'=cmd"  # a formula-looking cell is quoted for spreadsheets
    assert rows[0]["shares"] == "2" and rows[0]["sharers"] == "Alice; erin"

    resp, body = await _export(world, "xspf", sort="shared")
    assert resp.content_type == "application/xspf+xml"
    root = ET.fromstring(body)
    assert root.tag == f"{XSPF}playlist" and root.findtext(f"{XSPF}title") == (
        "Lumen <Fans> & Friends"
    )
    tracks = root.findall(f"{XSPF}trackList/{XSPF}track")
    assert [t.findtext(f"{XSPF}title") for t in tracks] == order
    neon = tracks[0]
    assert neon.findtext(f"{XSPF}location") == "https://spotify.example/track/n1"
    assert neon.findtext(f"{XSPF}creator") == "Lumen Twins"
    assert neon.findtext(f"{XSPF}duration") == "201000"

    resp, body = await _export(world, "m3u8", sort="shared", platform="deezer")
    assert resp.content_type == "application/vnd.apple.mpegurl"
    lines = body.decode().splitlines()
    assert lines[:4] == [
        "#EXTM3U",
        "#PLAYLIST:Lumen <Fans> & Friends",
        "#EXTINF:201,Lumen Twins - Neon Rivers",
        "https://deezer.example/track/n1",  # the link on the platform filtered on
    ]
    assert len([line for line in lines if line.startswith("#EXTINF")]) == 4


async def test_export_one_page_when_asked(world: World) -> None:
    _, body = await _export(world, "json", per_page="2", page="2")
    assert [i["title"] for i in json.loads(body)["items"]] == ["Neon Rivers", "Jóga"]


# -- feed ----------------------------------------------------------------------------------
FEED_TITLES = [
    "Alice shared https://spoti.fi/xyz",  # not resolved: the link as shared
    "erin shared Rock & Roll <Live> — =cmd",
    "erin shared Neon Rivers — Lumen Twins",  # shared again: an entry of its own
    "Alice shared Jóga — Björk",
    "erin shared Night Drive — Lumen Twins",
    "Alice shared Neon Rivers — Lumen Twins",
]


async def _feed(world: World) -> tuple[bytes, ET.Element]:
    async with world.http.get(f"{world.base}/g/fans/feed.atom") as resp:
        assert resp.status == 200 and resp.content_type == "application/atom+xml"
        body = await resp.read()
    return body, ET.fromstring(body)


async def test_atom_feed_has_one_entry_per_share_newest_first(world: World) -> None:
    body, root = await _feed(world)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title") == "Lumen <Fans> & Friends: music shared"
    assert root.findtext(f"{ATOM}updated") == "2026-01-08T00:00:00Z"
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == FEED_TITLES
    assert [e.findtext(f"{ATOM}updated") for e in entries] == [
        f"2026-01-0{day}T00:00:00Z" for day in (8, 7, 6, 4, 3, 2)
    ]
    assert [e.findtext(f"{ATOM}author/{ATOM}name") for e in entries][:2] == ["Alice", "erin"]
    neon = world.items["neon"]
    pages = [e.find(f"{ATOM}link[@rel='alternate']") for e in entries]
    hrefs = [p.get("href") if p is not None else None for p in pages]
    assert hrefs[2] == hrefs[5] == f"{world.base}/g/fans/item/{neon}"
    assert hrefs[0] is not None and hrefs[0].startswith(f"{world.base}/g/fans/item/l")
    # removed by moderation: no entry, no trace of the message
    assert b"Removed Song" not in body and b"buy followers" not in body


async def test_atom_entry_ids_are_unique_and_stable(world: World) -> None:
    _, first = await _feed(world)
    _, again = await _feed(world)
    ids = [e.findtext(f"{ATOM}id") or "" for e in first.findall(f"{ATOM}entry")]
    assert len(set(ids)) == len(ids) == 6
    assert all(i.startswith("tag:127.0.0.1,2026:fanbridge/fans/share/") for i in ids)
    assert [e.findtext(f"{ATOM}id") for e in again.findall(f"{ATOM}entry")] == ids


async def test_atom_entry_quotes_the_message_and_says_where(world: World) -> None:
    body, root = await _feed(world)
    joga = root.findall(f"{ATOM}entry")[3]
    assert joga.findtext(f"{ATOM}summary") == "a classic <3"
    assert b"a classic &lt;3" in body  # escaped in the XML
    content = joga.find(f"{ATOM}content")
    assert content is not None and content.get("type") == "html"
    html = content.text or ""
    assert "<blockquote>a classic &lt;3</blockquote>" in html  # and once more in the HTML
    assert "Shared by <strong>Alice</strong> in #general on Discord." in html
    assert 'href="https://discord.com/channels/900/901/1002"' in html
    album = root.findall(f"{ATOM}entry")[4].findtext(f"{ATOM}content") or ""
    assert "<strong>erin</strong> on Slack" in album  # a channel whose name is not known


async def test_public_url_makes_absolute_links(world: World) -> None:
    app = build_web_app(ready_checks=_ready, store=world.store, public_url="https://fans.example/")
    server = WebServer(app, "127.0.0.1", 0)
    await server.start()
    try:
        async with world.http.get(f"{server.url}/g/fans/feed.atom") as resp:
            root = ET.fromstring(await resp.read())
        async with world.http.get(f"{server.url}/api/groups") as resp:
            groups = await resp.json()
    finally:
        await server.stop()
    local = [
        link.get("href", "") for link in root.iter(f"{ATOM}link") if link.get("rel") != "related"
    ]
    assert len(local) == 8 and all(h.startswith("https://fans.example/g/fans") for h in local)
    ids = [e.findtext(f"{ATOM}id") or "" for e in root.iter(f"{ATOM}entry")]
    assert all(i.startswith("tag:fans.example,2026:fanbridge/fans/share/") for i in ids)
    assert groups["groups"][0]["web_url"] == "https://fans.example/g/fans"


# -- OpenAPI -------------------------------------------------------------------------------
async def test_openapi_describes_every_registered_route(world: World) -> None:
    document = await world.ok("/api/openapi.json")
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": world.base}]
    app = build_web_app(ready_checks=_ready, store=world.store)
    registered = {
        route.resource.canonical
        for route in app.router.routes()
        if route.method == "GET" and route.resource is not None
    } - {"/healthz", "/readyz", "/api/{tail}"}
    assert set(document["paths"]) == registered
    for path, operations in document["paths"].items():
        responses = operations["get"]["responses"]
        assert "200" in responses
        if "{slug}" in path:
            assert {"400", "404"} <= set(responses)
    error = document["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["param", "message"]


async def test_a_personal_link_opens_a_private_group_and_nothing_else_does(world: World) -> None:
    app = build_web_app(ready_checks=_ready, store=world.store)
    allow_private_links(app, b"s3cret", lambda: 1_000_000.0)
    server = WebServer(app, "127.0.0.1", 0)
    await server.start()
    try:
        good = sign_grant(b"s3cret", "secret", "discord:900:20", 2_000_000.0)
        async with world.http.get(
            f"{server.url}/api/groups/secret/items", params={"key": good}
        ) as resp:
            assert resp.status == 200
            assert [i["title"] for i in (await resp.json())["items"]] == ["Neon Rivers"]
        async with world.http.get(f"{server.url}/g/secret/feed.atom", params={"key": good}) as r:
            assert r.status == 200
            feed = ET.fromstring(await r.read())
        [entry] = feed.findall(f"{ATOM}entry")
        assert entry.findtext(f"{ATOM}title") == "Alice shared Neon Rivers — Lumen Twins"
        page = entry.find(f"{ATOM}link[@rel='alternate']")
        assert page is not None and page.get("href") == (
            f"{server.url}/g/secret/item/{world.items['neon']}?key={good}"
        )
        refused = {
            "expired": sign_grant(b"s3cret", "secret", "u", 999_999.0),
            "another group's": sign_grant(b"s3cret", "fans", "u", 2_000_000.0),
            "forged": sign_grant(b"not-the-secret", "secret", "u", 2_000_000.0),
            "garbage": "abc.def",
        }
        for why, key in refused.items():
            async with world.http.get(
                f"{server.url}/api/groups/secret/items", params={"key": key}
            ) as resp:
                assert resp.status == 404, why
                assert "Neon" not in await resp.text()
    finally:
        await server.stop()


async def test_answers_opened_with_a_personal_link_are_not_cached(world: World) -> None:
    app = build_web_app(ready_checks=_ready, store=world.store)
    allow_private_links(app, b"s3cret", lambda: 1_000_000.0)
    server = WebServer(app, "127.0.0.1", 0)
    await server.start()
    try:
        key = sign_grant(b"s3cret", "secret", "discord:900:20", 2_000_000.0)
        for path in ("/api/groups/secret/items", f"/api/groups/secret/items/{world.items['neon']}"):
            async with world.http.get(server.url + path, params={"key": key}) as resp:
                assert resp.status == 200 and "Neon Rivers" in await resp.text(), path
                assert resp.headers.get("Cache-Control") == "private, no-store", path
        for path in ("/api/groups/fans/items", f"/api/groups/fans/items/{world.items['neon']}"):
            async with world.http.get(server.url + path) as resp:  # a public group: cacheable
                assert resp.status == 200 and "no-store" not in resp.headers.get(
                    "Cache-Control", ""
                ), path
    finally:
        await server.stop()


# -- a ban closes a personal link ----------------------------------------------------------
BOB = UserRef(Platform.DISCORD, "900", "11")
CAROL = UserRef(Platform.SLACK, "T1", "U3")
EVERY_ROUTE = (
    "/g/{slug}",
    "/g/{slug}/item/{ref}",
    "/api/groups/{slug}/items",
    "/api/groups/{slug}/items/{ref}",
    "/g/{slug}/export.m3u8",
    "/g/{slug}/export.xspf",
    "/g/{slug}/export.csv",
    "/g/{slug}/export.json",
    "/g/{slug}/feed.atom",
)


@dataclass
class Hideout:
    """A private group "hideout" on its own store, served with the pages, the API, the exports
    and the feed; Bob and Carol are members with personal links."""

    base: str
    http: aiohttp.ClientSession
    store: SqlStore
    group_id: int
    ref: int
    clock: Clock

    async def answers(self, key: str, slug: str = "hideout") -> dict[str, tuple[int, str]]:
        """Each route's status and body with ``key``, the slug spelled as "SLUG"."""
        found = {}
        for route in EVERY_ROUTE:
            path = route.format(slug=slug, ref=self.ref)
            async with self.http.get(self.base + path, params={"key": key}) as resp:
                found[route] = (resp.status, (await resp.text()).replace(slug, "SLUG"))
        return found

    async def ban(self, member: int, kind: str = "ban") -> None:
        await self.store.record_action(
            group_id=self.group_id, kind=kind, target_member_id=member, target=None,
            actor="discord:900/@1", origin=Platform.DISCORD, at=self.clock.now(),
        )  # fmt: skip


@pytest_asyncio.fixture(loop_scope="module")
async def hideout(tmp_path: Any) -> AsyncIterator[Hideout]:
    clock = Clock()
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path / 'hideout.db'}", clock=clock)
    group = await store.create_group(slug="hideout", name="Hideout", visibility=Visibility.INVITE)
    neon = await new_item(store, meta("spotify", "track", "h1", "Neon Rivers", "Lumen", 201_000))
    await share(store, clock, group.id, "spotify:track:h1", neon, DISCORD, BOB, "Bob",
                "private share", "3001")  # fmt: skip
    pages = PageSettings(store=store, secret=b"s3cret", now=clock.now)
    app = build_web_app(ready_checks=_ready, pages=pages, store=store)
    server = WebServer(app, "127.0.0.1", 0)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            yield Hideout(server.url, http, store, group.id, neon, clock)
    finally:
        await server.stop()
        await store.close()


async def test_banning_a_member_closes_their_personal_link_on_every_route_at_once(
    hideout: Hideout,
) -> None:
    links = GroupLinks("https://fans.example", b"s3cret")
    bob = await hideout.store.upsert_account(user=BOB, display_name="Bob")
    carol = await hideout.store.upsert_account(user=CAROL, display_name="Carol")
    week = hideout.clock.now() + 7 * DAY

    def key(user: UserRef, member: int | None) -> str:
        link = links.personal("hideout", user, week, member)
        assert link is not None
        return link.partition("?key=")[2]

    bobs, bobs_old, carols = key(BOB, bob.member_id), key(BOB, None), key(CAROL, carol.member_id)
    for opened in (bobs, bobs_old, carols):
        for route, (status, body) in (await hideout.answers(opened)).items():
            assert status == 200 and "Neon Rivers" in body, route

    await hideout.ban(bob.member_id)  # no restart, no cache to wait for

    unknown = await hideout.answers(bobs, slug="nosuchgroup")
    assert {status for status, _ in unknown.values()} == {404}
    for banned in (bobs, bobs_old):  # the link made before members were signed too
        assert await hideout.answers(banned) == unknown
    for route, (status, body) in (await hideout.answers(carols)).items():
        assert status == 200 and "Neon Rivers" in body, route  # only the banned person


async def test_a_ban_follows_the_person_when_accounts_are_merged(hideout: Hideout) -> None:
    links = GroupLinks("https://fans.example", b"s3cret")
    bob = await hideout.store.upsert_account(user=BOB, display_name="Bob")
    carol = await hideout.store.upsert_account(user=CAROL, display_name="Carol")
    week = hideout.clock.now() + 7 * DAY
    bobs = links.personal("hideout", BOB, week, bob.member_id)
    assert bobs is not None
    await hideout.ban(bob.member_id)
    await hideout.store.merge_members(keep=carol.member_id, absorb=bob.member_id)
    unknown = await hideout.answers("x", slug="nosuchgroup")
    assert await hideout.answers(bobs.partition("?key=")[2]) == unknown
