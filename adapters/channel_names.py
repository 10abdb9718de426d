"""Linked channels' names (``#general``), as the platforms show them: looked up in the
background after start-up for links that have none (config-seeded links, links made before
names were kept), and refreshed on a Discord channel rename (``DiscordAdapter``) and on any
``/fangroup`` command (``bridge.groups.commands``). Only the names of linked channels are kept.

The pass costs in proportion to what is missing: one query finds the unnamed links of each
platform, and a start where every name is known asks no platform anything. Each platform's
``Namer`` writes the names it finds in batches (one transaction per page) and drops only those
links from the cache. Slack's namer (adapters/slack/names.py) paces its reads under the
method's tier and resumes where it stopped."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bridge.ids import ChannelRef, Platform

if TYPE_CHECKING:  # the SDKs are imported by the adapters in use only
    import discord

log = logging.getLogger(__name__)

BATCH = 500  # names written in one transaction when they cost no request (Discord's cache)


class NameStore(Protocol):
    """What the pass reads and writes (``SqlStore``)."""

    async def unnamed_links(self, platform: Platform) -> list[ChannelRef]: ...

    async def set_channel_names(self, names: Mapping[ChannelRef, str]) -> int: ...

    async def get_sync_state(self, key: str) -> list[str] | None: ...

    async def set_sync_state(self, key: str, value: list[str]) -> None: ...


class Namer(Protocol):
    """Names ``channels`` (all of one platform, none named yet); returns how many it named."""

    async def name(self, channels: Sequence[ChannelRef]) -> int: ...


@dataclass(frozen=True)
class NamingSettings:
    """Slack's read budget for names. ``list_per_minute``: ``conversations.list`` (Tier 2, 20
    a minute); ``info_per_minute``: ``conversations.info`` (Tier 3, 50); ``minute``: how long
    a tier's minute lasts (60 s; tests shorten it with the emulator's time scale).
    ``absent_for``: a channel a whole listing did not show (another workspace,
    a private channel the bot is not in) is not looked for again before this many seconds."""

    list_per_minute: int = 20
    info_per_minute: int = 50
    minute: float = 60.0
    page_size: int = 200
    absent_for: float = 24 * 3600.0


class DiscordNames:
    """Names from discord.py's cache (filled by GUILD_CREATE before READY): no request."""

    def __init__(self, client: discord.Client, store: NameStore) -> None:
        self.client = client
        self.store = store

    async def name(self, channels: Sequence[ChannelRef]) -> int:
        found = 0
        for start in range(0, len(channels), BATCH):
            names = {c: n for c in channels[start : start + BATCH] if (n := self._cached(c))}
            found += await self.store.set_channel_names(names)
            await asyncio.sleep(0)  # live traffic first
        return found

    def _cached(self, channel: ChannelRef) -> str | None:
        if not channel.channel.isdigit():
            return None
        name = getattr(self.client.get_channel(int(channel.channel)), "name", None)
        return name if isinstance(name, str) else None


async def fill_channel_names(store: NameStore, namers: Mapping[Platform, Namer]) -> int:
    """Name every linked channel that has none; returns how many were named. A platform that
    fails is logged and left for the next start (or the next command in that channel); the
    others go on."""
    found = 0
    for platform, namer in namers.items():
        missing = await store.unnamed_links(platform)
        if not missing:
            continue
        try:
            found += await namer.name(missing)
        except Exception:  # a network hiccup must not stop the bridge: named next time
            log.warning("channel names: %s stopped for now", platform.value, exc_info=True)
    if found:
        log.info("channel names: %d linked channel(s) named", found)
    return found
