"""The benchmark's world: one Discord guild and one Slack workspace with N channels each, created
through the emulator's control API, and the bridge config that links channel i to channel i."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from adapters.config import Config, config_from_dict
from storage.db import normalise_url

FANS = ("ana", "ben", "cleo", "dev")
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class Pair:
    index: int
    discord_channel: str
    slack_channel: str


@dataclass(frozen=True)
class BenchWorld:
    guild_id: str
    team_id: str
    discord_users: tuple[str, ...]
    slack_users: tuple[str, ...]
    pairs: tuple[Pair, ...]
    bot_token: str
    slack_tokens: dict[str, str]


class Control:
    """The emulator's control API over real HTTP (what a person does)."""

    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        self.url = url
        self.session = session

    async def get(self, path: str, **params: str) -> Any:
        async with self.session.get(self.url + path, params=params) as response:
            response.raise_for_status()
            return await response.json(content_type=None)

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        async with self.session.post(self.url + path, json=body) as response:
            data = await response.json(content_type=None)
            if response.status >= 400:
                raise RuntimeError(f"{path} -> {response.status}: {data}")
            return data


async def build_world(control: Control, pairs: int) -> BenchWorld:
    names = [f"bench-{i:02d}" for i in range(pairs)]
    guild = await control.post(
        "/_emu/discord/guilds",
        {"name": "Bench Guild", "channels": names, "users": [{"username": f} for f in FANS]},
    )
    team = await control.post(
        "/_emu/slack/workspaces",
        {"name": "Bench Team", "channels": names, "users": [{"name": f} for f in FANS]},
    )
    world = await control.get("/_emu/world")
    d_channels = {c["name"]: c["id"] for c in guild["channels"]}
    s_channels = {c["name"]: c["id"] for c in team["channels"]}
    return BenchWorld(
        guild_id=str(guild["id"]),
        team_id=str(team["id"]),
        discord_users=tuple(u["id"] for u in guild["users"] if u["username"] in FANS),
        slack_users=tuple(u["id"] for u in team["users"] if u["name"] in FANS),
        pairs=tuple(Pair(i, d_channels[n], s_channels[n]) for i, n in enumerate(names)),
        bot_token=str(world["discord"]["bot_token"]),
        slack_tokens={k: str(world["slack"][k]) for k in ("bot_token", "app_token")},
    )


def bridge_config(world: BenchWorld, emulator_url: str, db_url: str) -> Config:
    """One Fan Group per pair, seeded through ``[[groups]]``."""
    groups = [
        {
            "slug": f"bench-{p.index:02d}",
            "name": f"Bench {p.index}",
            "channels": [
                {"platform": "discord", "workspace": world.guild_id, "channel": p.discord_channel},
                {"platform": "slack", "workspace": world.team_id, "channel": p.slack_channel},
            ],
        }
        for p in world.pairs
    ]
    return config_from_dict(
        {
            "database": {"url": db_url},
            "discord": {"token": world.bot_token},
            "slack": {**world.slack_tokens, "mode": "socket"},
            "web": {"host": "127.0.0.1", "port": 0},
            "network": {"emulator": emulator_url},
            "logging": {"level": "WARNING"},
            "groups": groups,
        }
    )


@contextlib.asynccontextmanager
async def database(kind: str, workdir: Path) -> AsyncIterator[tuple[str, str | None]]:
    """(url, schema): a fresh SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}", None
        return
    import asyncpg

    url = os.environ.get("FANBRIDGE_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    dsn = normalise_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
        yield url, schema
    finally:
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await conn.close()
