"""Linked channels' names (``#general``), as the platforms show them: looked up at start-up for
links that have none (config-seeded links, links made before names were kept), and refreshed
on a Discord channel rename (``DiscordAdapter``) and on any ``/fangroup`` command
(``bridge.groups.commands``). Only the names of linked channels are kept."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

from bridge.ids import ChannelRef, Platform
from bridge.ports import GroupStore

if TYPE_CHECKING:  # the SDKs are imported by the adapters in use only
    import discord
    from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

Lookup = Callable[[ChannelRef], Awaitable[str | None]]


def discord_lookup(client: discord.Client) -> Lookup:
    """A channel's name from the gateway's cache (filled by GUILD_CREATE before READY)."""

    async def lookup(channel: ChannelRef) -> str | None:
        found = client.get_channel(int(channel.channel)) if channel.channel.isdigit() else None
        name = getattr(found, "name", None)
        return name if isinstance(name, str) else None

    return lookup


def slack_lookup(client: AsyncWebClient, *, page_size: int = 200) -> Lookup:
    """Names from ``conversations.list`` (Tier 2: one call per ``page_size`` channels, listed
    once), so naming 100 channels costs one request rather than 100 ``conversations.info``
    calls (Tier 3, 50 a minute). A channel the list does not show (another workspace, a private
    channel the bot is not in) has no name here (None)."""

    from slack_sdk.errors import SlackApiError

    names: dict[str, str] = {}
    loaded = False

    async def load() -> None:
        cursor: str | None = None
        while True:
            answer = await client.conversations_list(
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=page_size,
                **({"cursor": cursor} if cursor else {}),
            )
            for info in answer.get("channels") or []:
                if isinstance(info, dict) and isinstance(info.get("name"), str):
                    names[str(info.get("id"))] = info["name"]
            cursor = (answer.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return

    async def lookup(channel: ChannelRef) -> str | None:
        nonlocal loaded
        if not loaded:
            loaded = True
            try:
                await load()
            except SlackApiError as exc:
                log.warning("slack: cannot list channels: %s", exc.response.get("error"))
        return names.get(channel.channel)

    return lookup


async def fill_channel_names(store: GroupStore, lookups: Mapping[Platform, Lookup]) -> int:
    """Look up the name of every linked channel that has none; returns how many were found.
    A failed look-up leaves the link as it was (the next command there names it)."""
    found = 0
    for group in await store.list_groups():
        for link in await store.links_for_group(group.id):
            lookup = lookups.get(link.channel.platform)
            if link.channel_name is not None or lookup is None:
                continue
            try:
                name = await lookup(link.channel)
            except Exception:  # a network hiccup must not stop the bridge: named next time
                log.warning("no name for %s", link.channel, exc_info=True)
                continue
            if name and await store.set_channel_name(link.channel, name):
                found += 1
    if found:
        log.info("channel names: %d linked channel(s) named", found)
    return found
