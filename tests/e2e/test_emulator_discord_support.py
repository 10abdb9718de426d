"""Shared harness for the Discord emulator tests: the real discord.py client pointed at the
emulator, plus a small client for the control API. (No tests here; imported by the others.)"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import discord
import pytest
import pytest_asyncio
import yarl
from discord import app_commands

from emulators.server import ThreadedEmulator

WAIT = 5.0


@pytest.fixture(scope="module")
def discord_at_emulator(emulator: ThreadedEmulator) -> Iterator[ThreadedEmulator]:
    """Point discord.py's REST base and gateway at the emulator; restore them afterwards."""
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = f"{emulator.url}/discord/api/v10"
    ws_url = emulator.url.replace("http://", "ws://") + "/discord/gateway"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(ws_url)
    yield emulator
    discord.http.Route.BASE = old_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


class Control:
    """The emulator's control API over real HTTP."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def call(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        async with (
            aiohttp.ClientSession() as session,
            session.request(method, self.url + path, json=body) as response,
        ):
            data = await response.json()
            assert response.status == status, (response.status, data)
            return data

    async def post(self, path: str, body: Any = None, status: int = 200) -> Any:
        return await self.call("POST", path, body, status)

    async def get(self, path: str, status: int = 200) -> Any:
        return await self.call("GET", path, None, status)

    def post_blocking(self, path: str, body: Any) -> Any:
        """A synchronous call: it blocks the test's event loop (and the bot running on it)."""
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=WAIT) as response:
            return json.loads(response.read())

    async def view(self, channel_id: int | str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = await self.get(f"/_emu/discord/channels/{channel_id}/messages")
        return rows

    async def requests(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = await self.get("/_emu/requests?platform=discord")
        return rows


@dataclass
class Bot:
    client: discord.Client
    tree: app_commands.CommandTree[discord.Client]
    world: dict[str, Any]
    control: Control
    messages: asyncio.Queue[discord.Message] = field(default_factory=asyncio.Queue)
    events: dict[str, asyncio.Event] = field(default_factory=dict)

    def event(self, name: str) -> asyncio.Event:
        return self.events.setdefault(name, asyncio.Event())

    @property
    def guild(self) -> discord.Guild:
        return self.client.guilds[0]

    def channel(self, name: str) -> discord.TextChannel:
        found = discord.utils.get(self.guild.text_channels, name=name)
        assert found is not None
        return found

    def user_id(self, username: str) -> str:
        users = self.world["guilds"][0]["users"]
        return str(next(u["id"] for u in users if u["username"] == username))

    def drain(self) -> None:
        while not self.messages.empty():
            self.messages.get_nowait()

    async def next_message(self, *, content: str | None = None) -> discord.Message:
        while True:
            message = await asyncio.wait_for(self.messages.get(), WAIT)
            if content is None or message.content == content:
                return message


class FastClient(discord.Client):
    """discord.py sleeps 5 s before every non-initial IDENTIFY (its documented, overridable
    ``before_identify_hook``); a single local client has no IDENTIFY quota to protect."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


def make_client(bot_holder: dict[str, Bot]) -> discord.Client:
    intents = discord.Intents.default()
    intents.message_content = True
    intents.members = True
    client = FastClient(intents=intents, guild_ready_timeout=0.05, chunk_guilds_at_startup=False)

    @client.event
    async def on_ready() -> None:
        bot_holder["bot"].event("ready").set()

    @client.event
    async def on_resumed() -> None:
        bot_holder["bot"].event("resumed").set()

    @client.event
    async def on_message(message: discord.Message) -> None:
        await bot_holder["bot"].messages.put(message)

    return client


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(discord_at_emulator: ThreadedEmulator) -> AsyncIterator[Bot]:
    """One connected discord.py client per test module (on_ready reached)."""
    emulator = discord_at_emulator
    world = emulator.emu.world()["discord"]
    holder: dict[str, Bot] = {}
    client = make_client(holder)
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
    holder["bot"] = Bot(client, tree, world, Control(emulator.url))
    task = asyncio.create_task(client.start(world["bot_token"]))
    await asyncio.wait_for(holder["bot"].event("ready").wait(), WAIT)
    yield holder["bot"]
    await client.close()
    await asyncio.wait_for(task, WAIT)
