"""Test helpers for end-to-end runs: the emulator's control API over real HTTP, waiting on the
emulator's live event stream (no sleeps), and a bridge Runtime wired to the emulator."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from adapters.config import Config, config_from_dict
from adapters.runtime import Runtime

T = TypeVar("T")


class Emu:
    """The emulator's control API, as a test (a person) uses it."""

    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        self.url = url
        self.session = session

    async def get(self, path: str, **params: str) -> Any:
        async with self.session.get(self.url + path, params=params) as response:
            assert response.status < 500, await response.text()
            return await response.json(content_type=None)

    async def post(self, path: str, body: Any = None) -> Any:
        async with self.session.post(self.url + path, json=body or {}) as response:
            data = await response.json(content_type=None)
            assert response.status < 400, data
            return data

    async def world(self) -> dict[str, Any]:
        return await self.get("/_emu/world")  # type: ignore[no-any-return]

    async def discord_messages(self, channel_id: str) -> list[dict[str, Any]]:
        return await self.get(f"/_emu/discord/channels/{channel_id}/messages")  # type: ignore[no-any-return]

    async def slack_messages(self, channel: str) -> list[dict[str, Any]]:
        return await self.get(f"/_emu/slack/channels/{channel}/messages")  # type: ignore[no-any-return]

    async def violations(self) -> list[dict[str, Any]]:
        rows = await self.get("/_emu/requests")
        return [r for r in rows if r.get("violations")]

    @asynccontextmanager
    async def events(self) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """The emulator's live change stream (the viewer's SSE feed) as a queue."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        response = await self.session.get(self.url + "/_emu/ui/events", timeout=None)

        async def pump() -> None:
            async for line in response.content:
                text = line.decode().strip()
                if text.startswith("data:"):
                    queue.put_nowait(json.loads(text[5:]))

        task = asyncio.create_task(pump())
        try:
            yield queue
        finally:
            task.cancel()
            response.close()

    async def until(
        self, check: Callable[[], Awaitable[T | None]], timeout: float = 15.0, what: str = ""
    ) -> T:
        """Re-check after every change the emulator reports, until ``check`` returns a value."""
        async with self.events() as queue:
            deadline = asyncio.get_running_loop().time() + timeout
            while True:
                result = await check()
                if result:
                    return result
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    raise AssertionError(f"timed out waiting for {what or check}")
                # re-check at least every second: not every change is announced
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(queue.get(), timeout=min(remaining, 1.0))


def bridge_config(
    world: dict[str, Any],
    emulator_url: str,
    db_path: Path,
    *,
    slack_mode: str = "socket",
    links: list[tuple[str, str, str]] | None = None,
) -> Config:
    """A config for the emulated world: one group linking Discord #general and Slack #general
    unless ``links`` (platform, workspace, channel) says otherwise."""
    discord = world["discord"]
    slack = world["slack"]
    if links is None:
        guild = discord["guilds"][0]
        team = slack["workspaces"][0]
        links = [
            ("discord", guild["id"], guild["channels"][0]["id"]),
            ("slack", team["id"], team["channels"][0]["id"]),
        ]
    return config_from_dict(
        {
            "database": {"url": f"sqlite+aiosqlite:///{db_path}"},
            "discord": {"token": discord["bot_token"]},
            "slack": {
                "bot_token": slack["bot_token"],
                "app_token": slack["app_token"],
                "signing_secret": slack["signing_secret"],
                "mode": slack_mode,
            },
            "web": {"host": "127.0.0.1", "port": 0},
            "network": {"emulator": emulator_url},
            "groups": [
                {
                    "slug": "fans",
                    "name": "Fans",
                    "channels": [
                        {"platform": p, "workspace": w, "channel": c} for p, w, c in links
                    ],
                }
            ],
        }
    )


async def start_bridge(config: Config) -> Runtime:
    runtime = Runtime(config, web_port=0)
    await runtime.start()
    return runtime
