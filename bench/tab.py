"""The web music tab on a big group (figures printed, never asserted).

Seeds one public group with ``--shares`` shares (10,000 by default) in a fresh SQLite file (or a
fresh PostgreSQL schema with ``--db postgres``): about one item per five shares, tracks and
albums with links on one to three platforms, 5 % of the links never resolved, 2 % of the shares
removed by moderation, 60 sharers on Discord and Slack over a year, reactions on a third of the
messages. Rows are bulk-inserted (the product's write path is measured by ``bench.core``).

Then it measures, ``--rounds`` times each, p50/p95 latency of
  1. ``SqlStore.tab_items`` (the query layer alone) for several sorts, filters and a search;
  2. ``GET /api/groups/<slug>/items`` with the same parameters over real HTTP, served by the
     product's ``build_web_app`` (aiohttp, the same process);
  3. ``GET /api/groups/<slug>/items/<id>`` of the most shared item and ``/g/<slug>/export.json``.

``python -m bench.tab [--shares N] [--rounds R] [--db sqlite|postgres]``
"""

from __future__ import annotations

import argparse
import asyncio
import platform as py_platform
import random
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import insert

from adapters.web.app import WebServer, build_web_app
from bench.stats import percentile
from bench.world import database
from bridge.music.tab_query import parse_tab_query
from bridge.text import doc
from storage.repos import SqlStore
from storage.tables import (
    FanGroupRow,
    MessageCopyRow,
    MessageRow,
    MusicItemRow,
    MusicLinkRow,
    ReactionRow,
    ShareRow,
)

SLUG = "bench-tab"
YEAR = 365 * 86_400.0
START = 1_780_000_000.0
LAST_MONTH = datetime.fromtimestamp(START + YEAR - 30 * 86_400, UTC).date().isoformat()
PLATFORMS = ("spotify", "deezer", "youtube", "tidal", "applemusic")
WORDS = ("neon", "rivers", "night", "drive", "golden", "hour", "paper", "moon", "static",
         "bloom", "velvet", "echo", "glass", "harbor", "lights", "slow", "burn", "silver",
         "lining", "wild", "honey", "cold", "fire", "ocean", "avenue")  # fmt: skip
CASES: tuple[tuple[str, dict[str, str]], ...] = (
    ("recent, page 1", {}),
    ("recent, page 20", {"page": "20"}),
    ("shared (top)", {"sort": "shared"}),
    ("reacted", {"sort": "reacted"}),
    ("platform=deezer", {"platform": "deezer"}),
    ("kind=album", {"kind": "album"}),
    ("sharer", {"sharer": "fan7"}),
    ("last 30 days", {"since": LAST_MONTH}),
    ("search q=neon", {"q": "neon"}),
    ("search + shared + 100/page", {"q": "gold", "sort": "shared", "per_page": "100"}),
)


def _seed_rows(shares: int, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    """Every row of the big group, as plain dicts for bulk inserts (ids assigned here)."""
    items = max(1, shares // 5)
    out: dict[str, list[dict[str, Any]]] = {
        "item": [],
        "link": [],
        "message": [],
        "copy": [],
        "share": [],
        "reaction": [],
    }
    for i in range(1, items + 1):
        kind = "album" if i % 10 == 0 else "track"
        title = " ".join(rng.sample(WORDS, 2)).title()
        out["item"].append(
            {
                "id": i,
                "kind": kind,
                "title": title,
                "artists": [f"Artist {i % 300}"],
                "album": None,
                "duration_ms": rng.randint(120_000, 400_000),
                "artwork_url": f"https://img.example/{i}.jpg",
                "created_at": START,
            }
        )
        for platform in rng.sample(PLATFORMS, rng.randint(1, 3)):
            out["link"].append(
                {
                    "item_id": i,
                    "platform": platform,
                    "kind": kind,
                    "platform_id": f"{platform[:2]}{i}",
                    "url": f"https://{platform}.example/{kind}/{i}",
                }
            )
    times = sorted(START + rng.random() * YEAR for _ in range(shares))
    for n, at in enumerate(times, start=1):
        item = rng.randint(1, max(1, items // 20)) if n % 3 == 0 else rng.randint(1, items)
        resolved = rng.random() >= 0.05
        discord = n % 2 == 0
        sharer = rng.randint(0, 59)
        ws, ch = ("900", "901") if discord else ("T1", "C1")
        pid = str(10**17 + n) if discord else f"{int(at)}.{n:06d}"
        out["message"].append(
            {
                "id": n,
                "group_id": 1,
                "author_platform": "discord" if discord else "slack",
                "author_workspace": ws,
                "author_user": f"u{sharer}",
                "origin_platform": "discord" if discord else "slack",
                "origin_workspace": ws,
                "origin_channel": ch,
                "origin_message_id": pid,
                "parent_id": None,
                "text": doc(f"listen to this one, #{n}").to_json(),
                "created_at": at,
            }
        )
        out["copy"].append(
            {
                "message_id": n,
                "platform": "discord" if discord else "slack",
                "workspace_id": ws,
                "channel_id": ch,
                "platform_message_id": pid,
                "part": 0,
                "is_origin": True,
            }
        )
        key = f"spotify:track:sp{item}" if resolved else f"short:https://spoti.fi/{n}"
        out["share"].append(
            {
                "group_id": 1,
                "message_id": n,
                "item_id": item if resolved else None,
                "link_key": key,
                "platform": "spotify",
                "url": f"https://spotify.example/track/{item}"
                if resolved
                else f"https://spoti.fi/{n}",
                "shared_by_platform": "discord" if discord else "slack",
                "shared_by_workspace": ws,
                "shared_by_user": f"u{sharer}",
                "shared_by_name": f"fan{sharer}",
                "shared_at": at,
                "removed_at": at + 60 if rng.random() < 0.02 else None,
            }
        )
        if n % 3 == 0:
            for r in range(rng.randint(1, 5)):
                out["reaction"].append(
                    {
                        "message_id": n,
                        "emoji": "🔥",
                        "platform": "discord",
                        "workspace_id": "900",
                        "channel_id": "901",
                        "user_id": f"r{r}",
                        "emoji_json": "{}",
                        "created_at": at,
                    }
                )
    return out


async def seed(store: SqlStore, shares: int, seed_value: int = 8) -> None:
    rows = _seed_rows(shares, random.Random(seed_value))
    tables = (
        (FanGroupRow, [_group_row()]),
        (MusicItemRow, rows["item"]),
        (MusicLinkRow, rows["link"]),
        (MessageRow, rows["message"]),
        (MessageCopyRow, rows["copy"]),
        (ShareRow, rows["share"]),
        (ReactionRow, rows["reaction"]),
    )
    async with store.engine.begin() as conn:
        for table, values in tables:
            for chunk in range(0, len(values), 2000):
                await conn.execute(insert(table), values[chunk : chunk + 2000])
    if store.engine.dialect.name == "postgresql":
        async with store.engine.begin() as conn:
            for table, _ in tables:
                name = table.__tablename__
                await conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT MAX(id) FROM {name}))"
                )
                await conn.exec_driver_sql(f"ANALYZE {name}")
    else:
        async with store.engine.begin() as conn:
            await conn.exec_driver_sql("ANALYZE")


def _group_row() -> dict[str, Any]:
    return {
        "id": 1,
        "slug": SLUG,
        "name": "Bench tab",
        "kind": "topic",
        "visibility": "public",
        "created_at": START,
        "settings": {},
    }


async def timed(rounds: int, call: Callable[[], Awaitable[object]]) -> list[float]:
    await call()  # warm up
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        await call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def line(label: str, ms: Sequence[float]) -> str:
    return f"{label:<32} {percentile(ms, 50):>8.1f} {percentile(ms, 95):>8.1f}"


async def run(shares: int, rounds: int, db: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with database(db, Path(tmp)) as (url, schema):
            store = await SqlStore.open(url, schema=schema)
            try:
                began = time.perf_counter()
                await seed(store, shares)
                seeded = time.perf_counter() - began
                await report(store, shares, rounds, db, seeded)
            finally:
                await store.close()


async def report(store: SqlStore, shares: int, rounds: int, db: str, seeded: float) -> None:
    group = await store.get_group(SLUG)
    assert group is not None
    first = await store.tab_items(group.id, parse_tab_query({}))
    print(
        f"fanbridge tab benchmark: {shares} shares, {first.total} tab entries, db {db}, "
        f"Python {py_platform.python_version()}, seeded in {seeded:.1f} s, {rounds} rounds each"
    )
    print(f"\n{'store.tab_items (ms)':<32} {'p50':>8} {'p95':>8}")
    for label, params in CASES:
        query = parse_tab_query(params)
        print(line(label, await timed(rounds, partial(store.tab_items, group.id, query))))
    server = WebServer(build_web_app(ready_checks=_ready, store=store), "127.0.0.1", 0)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            await _http_figures(http, server.url, rounds)
    finally:
        await server.stop()


async def _ready() -> dict[str, bool]:
    return {"db": True}


async def _http_figures(http: aiohttp.ClientSession, base: str, rounds: int) -> None:
    async def get(path: str, params: dict[str, str] | None = None) -> None:
        async with http.get(base + path, params=params) as resp:
            assert resp.status == 200, (path, resp.status, await resp.text())
            await resp.read()

    items = f"/api/groups/{SLUG}/items"
    print(f"\n{'GET ' + items + ' (ms)':<32} {'p50':>8} {'p95':>8}")
    for label, params in CASES:
        print(line(label, await timed(rounds, partial(get, items, params))))
    async with http.get(base + items, params={"sort": "shared", "per_page": "1"}) as resp:
        top = (await resp.json())["items"][0]["ref"]
    print(f"\n{'other routes (ms)':<32} {'p50':>8} {'p95':>8}")
    others = (
        ("/api/groups", "/api/groups"),
        ("/api/groups/<slug>/items/<top>", f"{items}/{top}"),
        ("/g/<slug>/export.json (all)", f"/g/{SLUG}/export.json"),
        ("/g/<slug>/export.m3u8 (100)", f"/g/{SLUG}/export.m3u8?per_page=100"),
        ("/g/<slug>/export.xspf (all)", f"/g/{SLUG}/export.xspf"),
        ("/g/<slug>/feed.atom", f"/g/{SLUG}/feed.atom"),
    )
    for label, path in others:
        print(line(label, await timed(rounds, partial(get, path))))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tab", description=__doc__)
    parser.add_argument("--shares", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args(argv)
    asyncio.run(run(args.shares, args.rounds, args.db))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
