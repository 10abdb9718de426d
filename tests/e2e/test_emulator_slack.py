"""The Slack emulator with the real slack_bolt app: Events API over signed HTTP (with retries and
signature checks) and over Socket Mode, slash commands, and bolt's self-event filter."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.web.async_client import AsyncWebClient

from emulators.server import ThreadedEmulator

TIMEOUT = 5.0


@dataclass
class Slack:
    url: str
    world: dict[str, Any]
    http: aiohttp.ClientSession

    @property
    def channel(self) -> str:
        return str(self.world["workspaces"][0]["channels"][0]["id"])

    async def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        method = "POST" if body is not None else "GET"
        async with self.http.request(method, f"{self.url}/_emu/slack/{path}", json=body) as resp:
            assert resp.status == 200, await resp.text()
            return await resp.json()

    def client(self) -> AsyncWebClient:
        return AsyncWebClient(token=self.world["bot_token"], base_url=f"{self.url}/slack/api/")


@pytest.fixture
async def slack(emulator: ThreadedEmulator) -> AsyncIterator[Slack]:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emulator.url}/_emu/reset") as resp:
            assert resp.status == 200
        async with http.get(f"{emulator.url}/_emu/world") as resp:
            world = (await resp.json())["slack"]
        yield Slack(emulator.url, world, http)


@dataclass
class BoltServer:
    """A bolt AsyncApp behind bolt's aiohttp adapter, recording what reaches it."""

    app: AsyncApp
    url: str = ""
    requests: list[dict[str, str]] = field(default_factory=list)
    statuses: asyncio.Queue[int] = field(default_factory=asyncio.Queue)
    runner: web.AppRunner | None = None

    async def start(self) -> None:
        async def handle(request: web.Request) -> web.Response:
            self.requests.append(dict(request.headers))
            response = await to_aiohttp_response(
                await self.app.async_dispatch(await to_bolt_request(request))
            )
            self.statuses.put_nowait(response.status)
            return response

        web_app = web.Application()
        web_app.router.add_post("/slack/events", handle)
        self.runner = web.AppRunner(web_app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/slack/events"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


def echo_app(slack: Slack, seen: asyncio.Queue[dict[str, Any]]) -> AsyncApp:
    app = AsyncApp(client=slack.client(), signing_secret=slack.world["signing_secret"])

    @app.event("message")
    async def on_message(event: dict[str, Any], say: Any) -> None:
        await say(text=f"echo: {event.get('text')}")
        await seen.put(event)

    @app.command("/nowplaying")
    async def now_playing(ack: Any, respond: Any, command: dict[str, Any]) -> None:
        await ack(f"Now playing for {command['user_name']}: {command['text']}")
        await respond(text="Queued!", response_type="in_channel")

    return app


async def next_item(queue: asyncio.Queue[Any]) -> Any:
    return await asyncio.wait_for(queue.get(), TIMEOUT)


async def test_http_events_reach_bolt_and_bolt_ignores_its_own_echo(slack: Slack) -> None:
    seen: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    server = BoltServer(echo_app(slack, seen))
    await server.start()
    try:
        target = await slack.control("events/target", {"url": server.url})
        assert target["verified"] is True  # bolt answered url_verification

        await slack.control("messages", {"channel": "general", "user": "frank", "text": "hello"})
        event = await next_item(seen)
        assert event["text"] == "hello" and event["user"] != slack.world["bot_user_id"]

        # the echo's own message event is delivered too, but bolt must filter it out:
        await slack.control("messages", {"channel": "general", "user": "grace", "text": "again"})
        assert (await next_item(seen))["text"] == "again"

        view = await slack.control(f"channels/{slack.channel}/messages")
        texts = [(m["text"], m["username"]) for m in view]
        assert texts == [
            ("hello", "frank"),
            ("echo: hello", "fanbridge"),
            ("again", "grace"),
            ("echo: again", "fanbridge"),
        ]
        assert view[1]["user"] == slack.world["bot_user_id"] and view[1]["bot_id"]
        assert all("X-Slack-Signature" in h for h in server.requests)
        assert not any("X-Slack-Retry-Num" in h for h in server.requests)
    finally:
        await server.stop()


async def test_redeliver_sends_retry_headers_and_fresh_event_ids(slack: Slack) -> None:
    seen: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    server = BoltServer(echo_app(slack, seen))
    await server.start()
    try:
        await slack.control("events/target", {"url": server.url})
        await slack.control("messages", {"channel": "music", "user": "heidi", "text": "tune"})
        await next_item(seen)
        events = await slack.control("events?last=2")
        human = next(e for e in events if e["event"].get("text") == "tune")

        count = len(server.requests)
        await slack.control("events/redeliver", {"last": 2, "retry_num": 2})
        retried = [h for h in server.requests[count:] if "X-Slack-Retry-Num" in h]
        assert [h["X-Slack-Retry-Num"] for h in retried] == ["2", "2"]
        assert retried[0]["X-Slack-Retry-Reason"] == "http_timeout"
        assert (await next_item(seen))["text"] == "tune"  # bolt does not dedupe retries

        before = (await slack.control("events?last=1"))[0]
        result = await slack.control("events/redeliver", {"last": 1, "new_event_id": True})
        assert result["deliveries"][0]["retry_num"] == 0 and result["deliveries"][0]["ok"]
        fresh = (await slack.control("events?last=1"))[0]
        assert fresh["event_id"] not in (before["event_id"], human["event_id"])
        assert fresh["event"] == before["event"]
    finally:
        await server.stop()


async def test_bolt_refuses_unsigned_and_stale_requests(slack: Slack) -> None:
    server = BoltServer(echo_app(slack, asyncio.Queue()))
    await server.start()
    try:
        body = json.dumps({"type": "event_callback", "event": {"type": "message"}}).encode()
        async with slack.http.post(server.url, data=body) as resp:
            assert resp.status == 401
        stale = str(int(time.time()) - 400)
        base = b"v0:" + stale.encode() + b":" + body
        secret = slack.world["signing_secret"].encode()
        headers = {
            "X-Slack-Request-Timestamp": stale,
            "X-Slack-Signature": "v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest(),
            "Content-Type": "application/json",
        }
        async with slack.http.post(server.url, data=body, headers=headers) as resp:
            assert resp.status == 401
    finally:
        await server.stop()


async def test_failed_http_delivery_is_retried_with_retry_num(slack: Slack) -> None:
    arrivals: asyncio.Queue[dict[str, str]] = asyncio.Queue()

    async def flaky(request: web.Request) -> web.Response:
        await request.read()
        arrivals.put_nowait(dict(request.headers))
        return web.Response(status=500 if arrivals.qsize() == 1 else 200)

    web_app = web.Application()
    web_app.router.add_post("/events", flaky)
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        url = f"http://127.0.0.1:{port}/events"
        ts = await _seed(slack)
        await slack.control("events/target", {"url": url, "verify": False})
        reaction = {"channel": "general", "ts": ts, "user": "erin", "reaction": "tada"}
        await slack.control("reactions", reaction)
        first, second = await next_item(arrivals), await next_item(arrivals)
        assert "X-Slack-Retry-Num" not in first
        assert (second["X-Slack-Retry-Num"], second["X-Slack-Retry-Reason"]) == ("1", "http_error")
    finally:
        await runner.cleanup()


async def _seed(slack: Slack) -> str:
    posted = await slack.control("messages", {"channel": "general", "user": "frank", "text": "x"})
    return str(posted["ts"])


async def test_http_slash_command_returns_the_ack_and_response_url_posts(slack: Slack) -> None:
    server = BoltServer(echo_app(slack, asyncio.Queue()))
    await server.start()
    try:
        await slack.control("events/target", {"url": server.url, "verify": False})
        result = await slack.control(
            "commands",
            {"command": "/nowplaying", "text": "Song 2", "user": "erin", "channel": "general"},
        )
        assert result["ok"] is True
        assert result["ack"]["text"] == "Now playing for erin: Song 2"
        assert result["text"] == "Now playing for erin: Song 2"
        assert [r["text"] for r in result["responses"]] == ["Queued!"]
        view = await slack.control(f"channels/{slack.channel}/messages")
        assert view[-1]["text"] == "Queued!" and view[-1]["bot_id"]
    finally:
        await server.stop()


async def test_socket_mode_events_and_commands(slack: Slack) -> None:
    seen: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    handler = AsyncSocketModeHandler(echo_app(slack, seen), slack.world["app_token"])
    hello = asyncio.Event()

    async def on_raw(_: AsyncBaseSocketModeClient, message: dict[str, Any], __: Any) -> None:
        if message.get("type") == "hello":
            hello.set()

    handler.client.message_listeners.append(on_raw)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    try:
        await asyncio.wait_for(hello.wait(), TIMEOUT)
        await slack.control("messages", {"channel": "general", "user": "frank", "text": "sock"})
        assert (await next_item(seen))["text"] == "sock"
        await slack.control("messages", {"channel": "general", "user": "frank", "text": "et"})
        assert (await next_item(seen))["text"] == "et"  # the bot's own echo was filtered

        result = await slack.control(
            "commands",
            {"command": "/nowplaying", "text": "Loser", "user": "grace", "channel": "general"},
        )
        assert result["ack"]["text"] == "Now playing for grace: Loser"
        deliveries = await slack.control("deliveries")
        assert {d["transport"] for d in deliveries} == {"socket"}
        assert all(d["ok"] for d in deliveries)
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
