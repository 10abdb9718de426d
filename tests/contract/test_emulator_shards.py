"""The Discord emulator shards its gateway as Discord does, so several workers each holding some
shards of one bot can be tested with the real discord.py client: a guild's events reach only the
client of shard ``(guild_id >> 22) % n``, READY lists only that shard's guilds, a bad ``shard``
closes with 4010, too many guilds on one session with 4011, and ``GET /gateway/bot`` recommends
ceil(guilds / 1000) shards unless the control API says otherwise."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import discord
import pytest

from adapters.discord.client import point_at
from emulators.server import ThreadedEmulator
from tests.e2e.harness import Emu

TIMEOUT = 15.0
SHARDS = 2


def shard_of(guild_id: int | str, count: int = SHARDS) -> int:
    return (int(guild_id) >> 22) % count


@pytest.fixture
async def emu(emulator: ThreadedEmulator) -> AsyncIterator[Emu]:
    """The control API on a freshly reset emulator (reset also restores the shard limits)."""
    async with aiohttp.ClientSession() as session:
        control = Emu(emulator.url, session)
        await control.post("/_emu/reset")
        yield control


@pytest.fixture
def aimed(emulator: ThreadedEmulator) -> Iterator[None]:
    point_at(emulator.url)
    yield
    point_at(None)


async def one_guild_per_shard(emu: Emu) -> dict[int, dict[str, Any]]:
    """New guilds with the bot and the user ``shardfan``, one per shard of 2: they are made
    through the control API until both shards have one (snowflakes are time-based, so the shard
    changes as the milliseconds pass; a few hundred tries is far more than ever needed)."""
    found: dict[int, dict[str, Any]] = {}
    for attempt in range(500):
        if len(found) == SHARDS:
            return found
        made = await emu.post(
            "/_emu/discord/guilds",
            {"name": f"shard test {attempt}", "users": [{"username": "shardfan"}]},
        )
        found.setdefault(shard_of(made["id"]), made)
    raise AssertionError("no guild landed on every shard")


@dataclass
class Shard:
    """One discord.py client holding one shard, and the messages it received."""

    client: discord.Client
    task: asyncio.Task[None]
    messages: asyncio.Queue[discord.Message] = field(default_factory=asyncio.Queue)

    async def until(self, content: str) -> list[str]:
        """The contents received up to and including ``content`` (the gateway keeps order)."""
        seen: list[str] = []
        while not seen or seen[-1] != content:
            message = await asyncio.wait_for(self.messages.get(), TIMEOUT)
            seen.append(message.content)
        return seen


def intents() -> discord.Intents:
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.message_content = True
    return wanted


async def connect(token: str, shard_id: int, shard_count: int) -> Shard:
    client = discord.Client(shard_id=shard_id, shard_count=shard_count, intents=intents())
    queue: asyncio.Queue[discord.Message] = asyncio.Queue()

    async def on_message(message: discord.Message) -> None:
        queue.put_nowait(message)

    client.event(on_message)
    await client.login(token)
    task = asyncio.create_task(client.connect(reconnect=True))
    ready = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait({ready, task}, timeout=TIMEOUT, return_when="FIRST_COMPLETED")
    if ready not in done:
        ready.cancel()
        await client.close()
        raise AssertionError(f"shard {shard_id}: no READY ({task.exception() if done else ''})")
    return Shard(client, task, queue)


async def disconnect(shard: Shard) -> None:
    await shard.client.close()
    await asyncio.wait_for(shard.task, TIMEOUT)


async def identify(url: str, token: str, **fields: Any) -> tuple[int | None, str, list[str]]:
    """IDENTIFY over a raw websocket: the close code and reason, and the events received."""
    gateway = url.replace("http", "ws", 1) + "/discord/gateway?v=10&encoding=json"
    events: list[str] = []
    async with aiohttp.ClientSession() as http, http.ws_connect(gateway) as ws:
        hello = await ws.receive_json(timeout=TIMEOUT)
        assert hello["op"] == 10
        identify = {"token": token, "intents": 1, "properties": {}, **fields}
        await ws.send_json({"op": 2, "d": identify})
        while True:
            msg = await ws.receive(timeout=TIMEOUT)
            if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                return ws.close_code, str(msg.extra or ""), events
            frame = msg.json()
            events.append(frame["t"])
            if frame["t"] == "READY":
                await ws.close()
                return None, "", events


async def test_each_client_gets_only_its_shards_guilds_and_messages(emu: Emu, aimed: None) -> None:
    guilds = await one_guild_per_shard(emu)
    world = (await emu.world())["discord"]
    token = world["bot_token"]
    by_shard = {
        n: {int(g["id"]) for g in world["guilds"] if shard_of(g["id"]) == n} for n in range(2)
    }
    shards = [await connect(token, 0, SHARDS), await connect(token, 1, SHARDS)]
    try:
        for n, shard in enumerate(shards):
            assert {g.id for g in shard.client.guilds} == by_shard[n]
            assert shard.client.shard_id == n
        sessions = await emu.get("/_emu/discord/gateway/sessions")
        assert sorted(s["shard"] for s in sessions if s["connected"]) == [[0, 2], [1, 2]]

        async def post(shard: int, content: str) -> None:
            channel = guilds[shard]["channels"][0]["id"]
            body = {"channel_id": channel, "user_id": "shardfan", "content": content}
            await emu.post("/_emu/discord/messages", body)

        await post(0, "for shard 0")
        await post(1, "for shard 1")
        await post(0, "end 0")
        await post(1, "end 1")
        assert await shards[0].until("end 0") == ["for shard 0", "end 0"]
        assert await shards[1].until("end 1") == ["for shard 1", "end 1"]

        # a resumed session keeps its shard
        resumed = asyncio.Event()
        shards[1].client.event(_set_on("on_resumed", resumed))
        await emu.post("/_emu/discord/gateway/drop", {"resume": True})
        await asyncio.wait_for(resumed.wait(), TIMEOUT)
        await post(0, "after resume 0")
        await post(1, "after resume 1")
        assert await shards[1].until("after resume 1") == ["after resume 1"]
        assert await shards[0].until("after resume 0") == ["after resume 0"]
    finally:
        for shard in shards:
            await disconnect(shard)


def _set_on(name: str, event: asyncio.Event) -> Any:
    async def handler() -> None:
        event.set()

    handler.__name__ = name
    return handler


async def test_ready_lists_the_shards_guilds_and_bad_shards_close_4010(emu: Emu) -> None:
    guilds = await one_guild_per_shard(emu)
    token = (await emu.world())["discord"]["bot_token"]
    code, _, events = await identify(emu.url, token, shard=[1, 2])
    assert code is None and events[0] == "READY"
    for bad in ([2, 2], [0, 0], [-1, 2], [0], "0,1", [0, "1"]):
        code, reason, events = await identify(emu.url, token, shard=bad)
        assert (code, reason, events) == (4010, "Invalid shard", []), bad
    assert guilds[1]["id"]  # shard 1 has a guild, so its READY above was not empty by chance


async def test_ready_payload_carries_the_shard_and_only_its_guilds(emu: Emu) -> None:
    guilds = await one_guild_per_shard(emu)
    token = (await emu.world())["discord"]["bot_token"]
    gateway = emu.url.replace("http", "ws", 1) + "/discord/gateway?v=10&encoding=json"
    async with emu.session.ws_connect(gateway) as ws:
        await ws.receive_json(timeout=TIMEOUT)
        await ws.send_json({"op": 2, "d": {"token": token, "intents": 1, "shard": [0, 2]}})
        ready = await ws.receive_json(timeout=TIMEOUT)
        assert ready["t"] == "READY" and ready["d"]["shard"] == [0, 2]
        listed = {int(g["id"]) for g in ready["d"]["guilds"]}
        assert int(guilds[0]["id"]) in listed and int(guilds[1]["id"]) not in listed
        assert all(shard_of(g) == 0 for g in listed)
        created = []
        for _ in listed:
            frame = await ws.receive_json(timeout=TIMEOUT)
            assert frame["t"] == "GUILD_CREATE"
            created.append(int(frame["d"]["id"]))
        assert set(created) == listed


async def test_too_many_guilds_on_one_session_close_4011(emu: Emu) -> None:
    await one_guild_per_shard(emu)
    token = (await emu.world())["discord"]["bot_token"]
    shards = await emu.get("/_emu/discord/gateway/shards")
    assert shards["max_guilds_per_shard"] == 2500
    total = shards["bot_guilds"]
    await emu.post("/_emu/discord/gateway/shards", {"max_guilds_per_shard": total - 1})
    assert await identify(emu.url, token) == (4011, "Sharding required", [])
    assert await identify(emu.url, token, shard=[0, 1]) == (4011, "Sharding required", [])
    for n in range(SHARDS):  # each half holds fewer guilds than the whole
        code, _, events = await identify(emu.url, token, shard=[n, SHARDS])
        assert code is None and events[0] == "READY"


async def gateway_bot(emu: Emu, token: str) -> int:
    headers = {"Authorization": f"Bot {token}"}
    url = f"{emu.url}/discord/api/v10/gateway/bot"
    async with emu.session.get(url, headers=headers) as response:
        assert response.status == 200
        return int((await response.json())["shards"])


async def test_gateway_bot_recommends_a_shard_per_thousand_guilds(emu: Emu) -> None:
    token = (await emu.world())["discord"]["bot_token"]
    assert await gateway_bot(emu, token) == 1
    await emu.post("/_emu/discord/gateway/shards", {"recommended": 7})
    assert await gateway_bot(emu, token) == 7
    await emu.post("/_emu/discord/gateway/shards", {"recommended": None})
    have = (await emu.get("/_emu/discord/gateway/shards"))["bot_guilds"]

    async def make(index: int) -> None:
        await emu.post("/_emu/discord/guilds", {"name": f"many {index}"})

    for start in range(have, 1001, 100):
        await asyncio.gather(*(make(i) for i in range(start, min(start + 100, 1001))))
    assert (await emu.get("/_emu/discord/gateway/shards"))["bot_guilds"] == 1001
    assert await gateway_bot(emu, token) == 2
    await emu.post("/_emu/discord/gateway/shards", {"recommended": 3})
    await emu.post("/_emu/reset")
    assert await gateway_bot(emu, token) == 1  # reset forgets the override and the guilds
