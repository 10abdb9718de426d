"""What `/fangroup info` says of a linked channel: whether the bot can deliver there, and the
fix when it cannot. The platforms are asked (Discord: the channel and the bot's permissions in
it; Slack: ``conversations.info``), their answers kept for a short while so ``info`` stays fast;
the store tells whether the last deliveries to the channel failed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from weakref import WeakKeyDictionary

import discord
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bridge.ids import ChannelRef, Platform
from bridge.ports import Clock

CACHE_SECONDS = 30.0
PROBE_TIMEOUT = 5.0
FAILURE_WINDOW = 3600.0
PERMISSIONS_FIX = "give the bot these in the channel's settings (Edit Channel › Permissions)"
DISCORD_GONE = (
    "channel not found (Discord 10003 Unknown Channel: deleted, or the bot left the server): "
    "nothing reaches it; link its replacement with `/fangroup link` there"
)
SLACK_ERRORS = {
    "channel_not_found": (
        "channel not found (Slack channel_not_found: deleted, or private without the app): "
        "nothing reaches it; link its replacement with `/fangroup link` there"
    ),
    "not_in_channel": "the bot is not in this channel: invite it with `/invite @{bot}` there",
    "missing_scope": "the Slack app lacks the channels:read scope: reinstall it from its manifest",
}
NEEDED: tuple[tuple[str, Callable[[discord.Permissions], bool]], ...] = (
    ("View Channel", lambda p: p.view_channel),
    ("Send Messages", lambda p: p.send_messages),
    ("Manage Webhooks", lambda p: p.manage_webhooks),
    ("Read Message History", lambda p: p.read_message_history),
)

Probe = Callable[[str], Awaitable[str]]


class DeliveryFailures(Protocol):
    async def delivery_failures(self, channel: ChannelRef, *, since: float) -> tuple[int, str]: ...


async def discord_problem(client: discord.Client, channel_id: str) -> str:
    """What keeps the bot from delivering in a Discord channel ("" when nothing does)."""
    try:
        channel = await client.fetch_channel(int(channel_id))
    except discord.NotFound:
        return DISCORD_GONE
    except discord.Forbidden:
        return f"the bot cannot see this channel (missing View Channel): {PERMISSIONS_FIX}"
    if not isinstance(channel, discord.abc.GuildChannel | discord.Thread):
        return ""
    # the channel as its guild sees it (roles known): the cached guild of a shard this worker
    # holds, or the guild read over REST (a shard another worker holds)
    guild = client.get_guild(channel.guild.id) or await client.fetch_guild(channel.guild.id)
    channel = await guild.fetch_channel(channel.id)
    me = await _me(client, channel.guild)
    if me is None:
        return DISCORD_GONE
    allowed = channel.permissions_for(me)
    missing = [name for name, has in NEEDED if not has(allowed)]
    if not missing:
        return ""
    return f"the bot is missing {', '.join(missing)} here: {PERMISSIONS_FIX}"


async def _me(client: discord.Client, guild: discord.Guild) -> discord.Member | None:
    if guild.me is not None:
        return guild.me
    assert client.user is not None
    try:
        return await guild.fetch_member(client.user.id)
    except discord.NotFound:
        return None


async def slack_problem(client: AsyncWebClient, channel_id: str, bot: str) -> str:
    """What keeps the bot from delivering in a Slack channel ("" when nothing does)."""
    try:
        answer = await client.conversations_info(channel=channel_id)
    except SlackApiError as exc:
        error = str(exc.response.get("error", ""))
        known = SLACK_ERRORS.get(error)
        return known.format(bot=bot) if known else f"Slack cannot describe it ({error})"
    channel: dict[str, Any] = answer.get("channel") or {}
    if channel.get("is_archived"):
        return "the channel is archived: unarchive it (or link its replacement) to bridge it"
    if channel.get("is_member") is False:
        return SLACK_ERRORS["not_in_channel"].format(bot=bot)
    return ""


@dataclass
class LinkHealth:
    """A linked channel's state in a few words: "connected", or what is wrong and its fix."""

    store: DeliveryFailures
    clock: Clock
    probes: dict[Platform, Probe]
    up: dict[Platform, Callable[[], bool]]
    _cache: dict[ChannelRef, tuple[float, str]] = field(default_factory=dict)

    async def describe(self, channel: ChannelRef) -> str:
        probe, is_up = self.probes.get(channel.platform), self.up.get(channel.platform)
        if probe is None or is_up is None:
            return "not configured on this bridge"
        if not is_up():
            return "disconnected"
        problems = (await self._problem(channel, probe), await self._failed(channel))
        return "; ".join(p for p in problems if p) or "connected"

    async def _problem(self, channel: ChannelRef, probe: Probe) -> str:
        cached = self._cache.get(channel)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            problem = await asyncio.wait_for(probe(channel.channel), PROBE_TIMEOUT)
        except (TimeoutError, discord.HTTPException, SlackApiError) as exc:
            return f"could not be checked just now ({type(exc).__name__})"
        self._cache[channel] = (time.monotonic() + CACHE_SECONDS, problem)
        return problem

    async def _failed(self, channel: ChannelRef) -> str:
        since = self.clock.now() - FAILURE_WINDOW
        count, error = await self.store.delivery_failures(channel, since=since)
        if count == 0:
            return ""
        shown = f" (last error: {error[:200]})" if error else ""
        plural = "y" if count == 1 else "ies"
        return (
            f"{count} deliver{plural} here failed in the last hour{shown}: check the bot's "
            "access to this channel; the bridge's log has every attempt"
        )


_checkers: WeakKeyDictionary[object, LinkHealth] = WeakKeyDictionary()


def checker(owner: object, build: Callable[[], LinkHealth]) -> LinkHealth:
    """The one LinkHealth of ``owner`` (the runtime), built on first use."""
    found = _checkers.get(owner)
    if found is None:
        found = _checkers[owner] = build()
    return found


def build(store: DeliveryFailures, clock: Clock, discord_adapter: Any, slack: Any) -> LinkHealth:
    """A LinkHealth asking the connected adapters (their own clients)."""
    adapters = {Platform.DISCORD: discord_adapter, Platform.SLACK: slack}
    up = {p: a.is_up for p, a in adapters.items() if a is not None}
    return LinkHealth(store, clock, probes_for(discord_adapter, slack), up)


def probes_for(discord_adapter: Any, slack_adapter: Any) -> dict[Platform, Probe]:
    """The platform probes of the connected adapters (their own clients)."""
    probes: dict[Platform, Probe] = {}
    if discord_adapter is not None:
        client = discord_adapter.client
        probes[Platform.DISCORD] = lambda channel: discord_problem(client, channel)
    if slack_adapter is not None:
        web, bot = slack_adapter.client, slack_adapter.bot_name or "fanbridge"
        probes[Platform.SLACK] = lambda channel: slack_problem(web, channel, bot)
    return probes
