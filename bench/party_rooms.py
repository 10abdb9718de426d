"""Open party rooms, as browsers would, in a process of their own (they do not share the bridge's
GIL): N Server-Sent Events streams on ``GET /g/<slug>/party/<id>/events``. Every event is printed
on stdout as one JSON line with the local time it was read: what each room got and when.

``python -m bench.party_rooms URL N`` (the benchmark starts it; it prints ``ready`` once every room
has its first state, and stops on SIGINT or when stdin closes)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import time
from dataclasses import dataclass
from typing import Any

import aiohttp


@dataclass(frozen=True, slots=True)
class RoomEvent:
    room: int
    received: float  # the room's clock (time.time()) when the event was read
    state: str
    index: int  # the party's current track (its place in the queue)
    position_ms: int
    server_now: float
    length_ms: int


def event_line(room: int, received: float, data: dict[str, Any]) -> str:
    track = data.get("track") or {}
    return json.dumps(
        {
            "room": room,
            "received": received,
            "state": data["state"],
            "index": int(data.get("index", -1)),
            "position_ms": int(data["position_ms"]),
            "server_now": float(data["server_now"]),
            "length_ms": int(track.get("length_ms") or 0),
        }
    )


def parse_event(line: str) -> RoomEvent:
    raw = json.loads(line)
    return RoomEvent(**raw)


async def read_room(
    session: aiohttp.ClientSession, url: str, room: int, first: asyncio.Event
) -> None:
    async with session.get(url, timeout=aiohttp.ClientTimeout(total=None)) as response:
        response.raise_for_status()
        async for raw in response.content:
            received = time.time()
            line = raw.decode().strip()
            if not line.startswith("data:"):
                continue
            print(event_line(room, received, json.loads(line[5:])), flush=True)
            first.set()


async def run_rooms(url: str, count: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        firsts = [asyncio.Event() for _ in range(count)]
        rooms = [asyncio.create_task(read_room(session, url, n, firsts[n])) for n in range(count)]
        await asyncio.wait_for(asyncio.gather(*(f.wait() for f in firsts)), timeout=60)
        print("ready", flush=True)
        await stop.wait()
        for task in rooms:
            task.cancel()
        for task in rooms:
            with contextlib.suppress(asyncio.CancelledError, aiohttp.ClientError):
                await task


def main(argv: list[str]) -> int:
    url, count = argv[0], int(argv[1])
    asyncio.run(run_rooms(url, count))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
