"""Test helpers for end-to-end runs: the emulator's control API over real HTTP, waiting on the
emulator's live event stream (no sleeps), and a bridge Runtime wired to the emulator."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from adapters.config import Config, config_from_dict
from adapters.runtime import Runtime
from bridge.ids import Role, UserRef
from storage.repos import SqlStore

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
    links: Sequence[tuple[str, ...]] | None = None,
) -> Config:
    """A config for the emulated world: one group linking Discord #general and Slack #general
    unless ``links`` (platform, workspace, channel[, direction]) says otherwise."""
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
                    "channels": [_channel_seed(link) for link in links],
                }
            ],
        }
    )


def _channel_seed(link: tuple[str, ...]) -> dict[str, str]:
    seed = {"platform": link[0], "workspace": link[1], "channel": link[2]}
    if len(link) > 3:
        seed["direction"] = link[3]
    return seed


async def start_bridge(config: Config, *, caught_up: bool = True, **options: Any) -> Runtime:
    """A started Runtime; ``options`` go to its constructor (e.g. ``outbox=OutboxSettings``).
    With ``caught_up`` it returns once every linked channel's history has been read, so what a
    test does next is live (and `/fangroup info` no longer says "catching up")."""
    runtime = Runtime(config, web_port=0, **options)
    await runtime.start()
    if caught_up and runtime.catchup is not None:
        await asyncio.wait_for(runtime.catchup.idle(), timeout=60)
    return runtime


class Chats:
    """The linked channels of the default world as the people in them use them: post as a fan,
    read what is shown, count copies. ``d_channel``/``s_channel`` default to each #general."""

    def __init__(self, emu: Emu, world: dict[str, Any]) -> None:
        self.emu = emu
        self.world = world
        guild = world["discord"]["guilds"][0]
        team = world["slack"]["workspaces"][0]
        self.guild_id = str(guild["id"])
        self.team_id = str(team["id"])
        self.d_channel = str(guild["channels"][0]["id"])
        self.s_channel = str(team["channels"][0]["id"])
        self.d_users = {u["username"]: u["id"] for u in guild["users"]}
        self.s_users = {u["name"]: u["id"] for u in team["users"]}

    async def discord_post(
        self, user: str, content: str, *, channel: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        body = {
            "channel_id": channel or self.d_channel,
            "user_id": self.d_users.get(user, user),
            "content": content,
        }
        return await self.emu.post("/_emu/discord/messages", body | extra)  # type: ignore[no-any-return]

    async def slack_post(
        self, user: str, text: str, *, channel: str | None = None, **extra: Any
    ) -> str:
        body = {"channel": channel or self.s_channel, "user": self.s_users[user], "text": text}
        return str((await self.emu.post("/_emu/slack/messages", body | extra))["ts"])

    async def discord_texts(self, channel: str | None = None) -> list[str]:
        rows = await self.emu.discord_messages(channel or self.d_channel)
        return [str(r.get("content") or "") for r in rows]

    async def slack_texts(self, channel: str | None = None) -> list[str]:
        rows = await self.emu.slack_messages(channel or self.s_channel)
        return [str(r.get("text") or "") for r in rows]

    async def wait_for(
        self, texts: Callable[[], Awaitable[list[str]]], needle: str, timeout: float = 15.0
    ) -> list[str]:
        """Wait until a message containing ``needle`` is shown; returns every text shown."""

        async def shown() -> list[str] | None:
            current = await texts()
            return current if any(needle in t for t in current) else None

        return await self.emu.until(shown, timeout=timeout, what=repr(needle))


def count(texts: list[str], needle: str) -> int:
    return sum(1 for t in texts if needle in t)


def channel_pair(world: dict[str, Any], index: int) -> list[tuple[str, str, str]]:
    """Links for the ``index``-th channel of the first guild and of the first workspace
    (0 = #general, 1 = #music in the default world)."""
    guild = world["discord"]["guilds"][0]
    team = world["slack"]["workspaces"][0]
    return [
        ("discord", guild["id"], guild["channels"][index]["id"]),
        ("slack", team["id"], team["channels"][index]["id"]),
    ]


@asynccontextmanager
async def running_bridge(
    emulator_url: str,
    db_dir: Path,
    *,
    channel: int | None = None,
    **options: Any,
) -> AsyncIterator[tuple[Emu, dict[str, Any], Runtime]]:
    """A bridge on a fresh SQLite file, wired to the emulator's world (one group linking
    #general on both sides, or the ``channel``-th channel pair), stopped on exit."""
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator_url, session)
        world = await emu.world()
        links = channel_pair(world, channel) if channel is not None else None
        config = bridge_config(world, emulator_url, db_dir / "bridge.db", links=links)
        runtime = await start_bridge(config, **options)
        try:
            yield emu, world, runtime
        finally:
            await runtime.stop()


async def grant(store: SqlStore, user: UserRef, name: str, role: Role, slug: str = "fans") -> None:
    """Give ``user`` (shown as ``name``) ``role`` in group ``slug``, as `/fangroup` would."""
    group = await store.get_group(slug)
    assert group is not None, slug
    account = await store.upsert_account(user=user, display_name=name)
    await store.grant_role(group_id=group.id, member_id=account.member_id, role=role)


class JumpClock:
    """Real time plus an offset a test moves forward: the bridge sees hours pass at once."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


class CommandScene:
    """A running bridge's default world as people in it run `/fangroup`: channels and people by
    name (``d``/``s`` channels, ``du``/``su`` users), a command's reply on either platform."""

    def __init__(self, emu: Emu, world: dict[str, Any], runtime: Runtime) -> None:
        self.emu, self.runtime = emu, runtime
        guild, team = world["discord"]["guilds"][0], world["slack"]["workspaces"][0]
        self.guild, self.team = str(guild["id"]), str(team["id"])
        self.d = {c["name"]: str(c["id"]) for c in guild["channels"]}
        self.s = {c["name"]: str(c["id"]) for c in team["channels"]}
        self.du = {u["username"]: str(u["id"]) for u in guild["users"]}
        self.su = {u["name"]: str(u["id"]) for u in team["users"]}

    async def discord_command(self, who: str, channel: str, path: str, **options: str) -> str:
        body = {
            "channel_id": self.d[channel],
            "user_id": self.du[who],
            "name": f"fangroup {path}",
            "options": options,
        }
        return str((await self.emu.post("/_emu/discord/commands", body))["data"]["content"])

    async def slack_command(self, who: str, channel: str, text: str) -> str:
        body = {"command": "/fangroup", "text": text, "user": self.su[who]}
        answer = await self.emu.post("/_emu/slack/commands", body | {"channel": self.s[channel]})
        return str(answer["responses"][0]["text"])
