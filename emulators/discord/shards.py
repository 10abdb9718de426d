"""Gateway sharding as Discord does it: which shard a guild's events go to, what IDENTIFY may ask
for, and how many shards ``GET /gateway/bot`` recommends.

Several fanbridge workers each connect some shards of one bot; the emulator must route events
exactly like Discord so a worker that holds the wrong shards (or none) is seen in tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

MAX_GUILDS_PER_SHARD = 2500  # Discord closes with 4011 above this
GUILDS_PER_RECOMMENDED_SHARD = 1000
WHOLE = (0, 1)  # a session that sent no "shard" sees every guild

_GUILD_OBJECT_EVENTS = frozenset({"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"})


@dataclass(frozen=True)
class ShardLimits:
    """What tests may change: the recommended shard count (None: computed from the bot's
    guilds) and the most guilds one session may hold before IDENTIFY closes with 4011."""

    recommended: int | None = None
    max_guilds_per_shard: int = MAX_GUILDS_PER_SHARD

    def recommend(self, guild_count: int) -> int:
        if self.recommended is not None:
            return self.recommended
        return max(1, math.ceil(guild_count / GUILDS_PER_RECOMMENDED_SHARD))


def shard_of(guild_id: int, shard_count: int) -> int:
    """Discord's formula: ``(guild_id >> 22) % num_shards``."""
    return (guild_id >> 22) % shard_count


def parse(raw: Any) -> tuple[int, int] | None:
    """The ``shard`` of an IDENTIFY as ``(id, count)``; None when Discord would close with 4010."""
    if not isinstance(raw, list) or len(raw) != 2:
        return None
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in raw):
        return None
    shard_id, count = raw
    if count < 1 or not 0 <= shard_id < count:
        return None
    return shard_id, count


def event_guild(event: str, data: Any) -> int | None:
    """The guild an event belongs to: the guild object itself for GUILD_CREATE/UPDATE/DELETE,
    else its ``guild_id`` (None for DMs and events without a guild, which go to shard 0)."""
    if not isinstance(data, dict):
        return None
    raw = data.get("id") if event in _GUILD_OBJECT_EVENTS else data.get("guild_id")
    return int(raw) if raw is not None and str(raw).isdigit() else None


def holds(shard: tuple[int, int], guild_id: int | None) -> bool:
    """Whether a session on ``shard`` receives the events of ``guild_id``."""
    shard_id, count = shard
    if guild_id is None:
        return shard_id == 0
    return shard_of(guild_id, count) == shard_id
