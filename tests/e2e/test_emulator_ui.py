"""The viewer page ``/_emu/ui``: served with its script and style, and live over Server-Sent Events.

Everything goes over real sockets: the module's emulator (``emulator`` fixture) for the page and
the bus, and a small aiohttp server of our own for the stream's heartbeat and shutdown.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from emulators.core import Bus
from emulators.server import ThreadedEmulator
from emulators.ui.events import EventStreams, encode

TIMEOUT = 5.0


async def read_line(resp: aiohttp.ClientResponse) -> bytes:
    line = await asyncio.wait_for(resp.content.readline(), TIMEOUT)
    assert line, "the event stream ended"
    return line


async def next_nonblank_line(resp: aiohttp.ClientResponse) -> bytes:
    while (line := await read_line(resp)) == b"\n":
        pass
    return line


async def wait_connected(resp: aiohttp.ClientResponse) -> None:
    """The server subscribes before its first bytes, so after this line events reach us."""
    while await read_line(resp) != b": connected\n":
        pass


async def next_event(resp: aiohttp.ClientResponse, kind_prefix: str = "") -> dict[str, Any]:
    """The next ``data:`` event whose kind starts with ``kind_prefix`` (others are skipped)."""

    async def read() -> dict[str, Any]:
        while True:
            line = await read_line(resp)
            if line.startswith(b"data: "):
                event: dict[str, Any] = json.loads(line[len(b"data: ") :])
                if str(event.get("kind", "")).startswith(kind_prefix):
                    return event

    return await asyncio.wait_for(read(), TIMEOUT)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as session:
        yield session


async def test_page_shows_both_panes_and_links_its_assets(
    emulator: ThreadedEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{emulator.url}/_emu/ui") as resp:
        assert resp.status == 200
        assert resp.content_type == "text/html"
        html = await resp.text()
    for pane in ('id="discord-pane"', 'id="slack-pane"', 'id="discord-composer"', "slack-user"):
        assert pane in html
    assets = re.findall(r'(?:href|src)="(/_emu/ui/static/[^"]+)"', html)
    expected = {"viewer.css": "text/css", "platforms.js": "text/javascript"}
    expected["viewer.js"] = "text/javascript"
    assert sorted(assets) == sorted(f"/_emu/ui/static/{name}" for name in expected)
    for path in assets:
        async with http.get(emulator.url + path) as resp:
            assert resp.status == 200
            assert resp.content_type == expected[path.rsplit("/", 1)[1]]
            assert (await resp.text()).strip()


async def test_page_loads_nothing_from_outside(
    emulator: ThreadedEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{emulator.url}/_emu/ui") as resp:
        policy = resp.headers["Content-Security-Policy"]
        html = await resp.text()
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "http://" not in html and "https://" not in html
    for name in ("platforms.js", "viewer.js"):
        async with http.get(f"{emulator.url}/_emu/ui/static/{name}") as resp:
            script = await resp.text()
        assert "innerHTML" not in script and "https://" not in script


async def test_unknown_assets_are_not_served_and_ui_is_not_recorded(
    emulator: ThreadedEmulator, http: aiohttp.ClientSession
) -> None:
    for name in ("other.txt", "__init__.py", "..%2F__init__.py"):
        async with http.get(f"{emulator.url}/_emu/ui/static/{name}") as resp:
            assert resp.status == 404
    async with http.get(f"{emulator.url}/_emu/ui/", allow_redirects=False) as resp:
        assert resp.status == 302
        assert resp.headers["Location"] == "/_emu/ui"
    async with http.get(f"{emulator.url}/_emu/requests") as resp:
        recorded = await resp.json()
    assert not [r for r in recorded if r["path"].startswith("/_emu/ui")]


async def test_events_stream_what_the_bus_publishes(
    emulator: ThreadedEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{emulator.url}/_emu/ui/events") as resp:
        assert resp.status == 200
        assert resp.content_type == "text/event-stream"
        assert resp.headers["Cache-Control"] == "no-cache"
        await wait_connected(resp)
        await asyncio.to_thread(
            emulator.call, emulator.emu.bus.publish, "discord.message", {"channel_id": "1"}
        )
        event = await next_event(resp, "discord.message")
    assert event == {"kind": "discord.message", "channel_id": "1"}


async def test_each_viewer_gets_every_event(
    emulator: ThreadedEmulator, http: aiohttp.ClientSession
) -> None:
    url = f"{emulator.url}/_emu/ui/events"
    async with http.get(url) as first, http.get(url) as second:
        await wait_connected(first)
        await wait_connected(second)
        payload = {"channel": "C1", "text": "two\nlines <b>&</b>"}
        await asyncio.to_thread(emulator.call, emulator.emu.bus.publish, "slack.message", payload)
        for resp in (first, second):
            assert await next_event(resp, "slack.message") == {"kind": "slack.message", **payload}


async def world_of(emulator: ThreadedEmulator, http: aiohttp.ClientSession) -> dict[str, Any]:
    async with http.get(f"{emulator.url}/_emu/world") as resp:
        assert resp.status == 200
        world: dict[str, Any] = await resp.json()
    return world


def first_channel_and_user(spaces: list[dict[str, Any]]) -> tuple[str, str] | None:
    for space in spaces:
        if space.get("channels") and space.get("users"):
            return str(space["channels"][0]["id"]), str(space["users"][0]["id"])
    return None


async def test_posting_as_a_user_reaches_the_viewer(
    emulator: ThreadedEmulator, http: aiohttp.ClientSession
) -> None:
    """Through the platforms' control API when they are installed; the bus path always."""
    world = await world_of(emulator, http)
    async with http.get(f"{emulator.url}/_emu/ui/events") as resp:
        await wait_connected(resp)
        discord = first_channel_and_user(world.get("discord", {}).get("guilds", []))
        if discord is not None:
            channel, user = discord
            body = {"channel_id": channel, "user_id": user, "content": "hello from the viewer"}
            async with http.post(f"{emulator.url}/_emu/discord/messages", json=body) as posted:
                assert posted.status == 200, await posted.text()
            event = await next_event(resp, "discord.message")
            assert channel in json.dumps(event)
        slack = first_channel_and_user(world.get("slack", {}).get("workspaces", []))
        if slack is not None:
            channel, user = slack
            body = {"channel": channel, "user": user, "text": "hello from the viewer"}
            async with http.post(f"{emulator.url}/_emu/slack/messages", json=body) as posted:
                assert posted.status == 200, await posted.text()
            event = await next_event(resp, "slack.message")
            assert channel in json.dumps(event)
        await asyncio.to_thread(
            emulator.call, emulator.emu.bus.publish, "discord.message", {"channel_id": "2"}
        )
        assert (await next_event(resp, "discord.message"))["channel_id"] == "2"


def test_an_event_is_one_data_line() -> None:
    raw = encode({"kind": "slack.message", "text": "a\nb\r\nc", "ts": object()})
    assert raw.startswith(b"data: ") and raw.endswith(b"\n\n")
    assert raw.count(b"\n") == 2


class WatchedBus(Bus):
    """A bus that says when a viewer's subscription is dropped."""

    def __init__(self) -> None:
        super().__init__()
        self.dropped = asyncio.Event()

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        super().unsubscribe(queue)
        self.dropped.set()


@pytest.fixture
async def stream_server() -> AsyncIterator[tuple[str, WatchedBus, web.AppRunner]]:
    bus = WatchedBus()
    streams = EventStreams(bus, heartbeat=0.05)
    app = web.Application()
    app.router.add_get("/events", streams.handle)
    app.on_shutdown.append(streams.close_all)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/events", bus, runner
    await runner.cleanup()


async def test_stream_sends_heartbeats_and_unsubscribes_when_the_viewer_leaves(
    stream_server: tuple[str, WatchedBus, web.AppRunner], http: aiohttp.ClientSession
) -> None:
    url, bus, _ = stream_server
    async with http.get(url) as resp:
        await wait_connected(resp)
        assert await next_nonblank_line(resp) == b": heartbeat\n"
        assert not bus.dropped.is_set()
    await asyncio.wait_for(bus.dropped.wait(), TIMEOUT)


async def test_shutdown_ends_open_streams(
    stream_server: tuple[str, WatchedBus, web.AppRunner], http: aiohttp.ClientSession
) -> None:
    url, bus, runner = stream_server
    async with http.get(url) as resp:
        await wait_connected(resp)
        await asyncio.wait_for(runner.cleanup(), TIMEOUT)  # does not wait out the viewer
        assert bus.dropped.is_set()

        async def until_eof() -> None:
            while await resp.content.readline():
                pass

        await asyncio.wait_for(until_eof(), TIMEOUT)
