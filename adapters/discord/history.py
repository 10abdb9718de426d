"""A linked Discord channel's history for catch-up, read with discord.py (`GET
/channels/{id}/messages?after=`, 100 a page, paced by discord.py under the route's
``X-RateLimit-*`` headers and by the bridge's global pacer), with the channel's active threads
and the threads the bridge relayed into recently."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection
from datetime import UTC, datetime

import discord

from adapters.discord import convert
from adapters.discord.adapter import DiscordChatAdapter
from adapters.discord.markdown import emoji_from_discord
from bridge.ids import ChannelRef, Platform
from bridge.pipeline.catchup.model import Scan, SeenMessage, SeenReaction
from bridge.ports import GroupStore
from bridge.text import Emoji

log = logging.getLogger(__name__)

PAGE = 100  # the route's largest page
SKEW = 2.0  # seconds: messages this recent are left to the live events
READS_PER_SECOND = 10.0  # of Discord's 50 requests a second per bot: the rest stays for sending
THREADS_FRESH = 30.0  # seconds a guild's list of active threads is reused across its channels


class Spacing:
    """Requests at least ``1 / per_second`` apart (catch-up reads leave the bot's global
    budget to live relaying)."""

    def __init__(self, per_second: float) -> None:
        self.gap = 1.0 / per_second
        self._next = 0.0

    async def turn(self) -> None:
        now = time.monotonic()
        wait, self._next = self._next - now, max(now, self._next) + self.gap
        if wait > 0:
            await asyncio.sleep(wait)


class DiscordHistory:
    platform = Platform.DISCORD

    def __init__(
        self,
        client: discord.Client,
        sender: DiscordChatAdapter,
        store: GroupStore,
        reads_per_second: float = READS_PER_SECOND,
    ) -> None:
        self.client = client
        self.sender = sender
        self.store = store
        self._spacing = Spacing(reads_per_second)
        self._active: dict[int, tuple[float, list[discord.Thread]]] = {}  # guild -> threads

    def position(self, platform_message_id: str) -> float:
        return discord.utils.snowflake_time(int(platform_message_id)).timestamp()

    def last_post(self, channel: ChannelRef) -> float | None:
        """From the gateway's cache (each channel's last message id comes with the guild and
        follows every new message): catch-up reads no channel where nothing was posted."""
        main = self.client.get_channel(int(channel.channel)) if channel.channel.isdigit() else None
        if not isinstance(main, discord.TextChannel):
            return None
        ids = [main.last_message_id or 0]
        ids += [t.last_message_id or t.id for t in main.guild.threads if t.parent_id == main.id]
        newest = max(ids)
        return self.position(str(newest)) if newest else 0.0

    async def scan(
        self,
        channel: ChannelRef,
        *,
        since: float,
        threads: Collection[str],
        begin: Callable[[], float | None] | None = None,
    ) -> Scan:
        if begin is not None:
            begin()  # Discord's channels are held from the start anyway: the read is unbounded
        until = time.time() - SKEW
        link = await self.store.link_for_channel(channel)
        await self.sender.load_webhooks([link.webhook_ref if link else None])
        main = await self._container(int(channel.channel))
        if main is None:
            raise LookupError(f"discord channel {channel.channel} cannot be read")
        containers = [main, *await self._threads(main, threads)]
        seen: list[SeenMessage] = []
        pages = 0
        for container in containers:
            found = await self._read(container, since)
            pages += len(found) // PAGE + 1
            seen += found
        seen.sort(key=lambda m: int(m.message_id))
        read_threads = frozenset(str(c.id) for c in containers if isinstance(c, discord.Thread))
        return Scan(tuple(seen), read_threads, since, until, pages)

    async def _container(self, channel_id: int) -> discord.abc.Messageable | None:
        found = self.client.get_channel(channel_id)
        if found is None:
            try:
                found = await self.client.fetch_channel(channel_id)
            except discord.NotFound:
                return None
        return found if isinstance(found, discord.TextChannel | discord.Thread) else None

    async def _threads(
        self, main: discord.abc.Messageable, known: Collection[str]
    ) -> list[discord.Thread]:
        """The channel's active threads and the threads the bridge wrote to in the window."""
        if not isinstance(main, discord.TextChannel):
            return []
        found = {t.id: t for t in await self._active_threads(main.guild) if t.parent_id == main.id}
        for thread_id in known:
            if thread_id.isdigit() and int(thread_id) not in found:
                known_thread = await self._container(int(thread_id))
                if isinstance(known_thread, discord.Thread):
                    found[known_thread.id] = known_thread
        return list(found.values())

    async def _active_threads(self, guild: discord.Guild) -> list[discord.Thread]:
        """The guild's active threads, read once for all its channels in a pass."""
        known = self._active.get(guild.id)
        if known is not None and time.monotonic() - known[0] < THREADS_FRESH:
            return known[1]
        await self._spacing.turn()
        try:
            threads = await guild.active_threads()
        except discord.HTTPException as exc:
            log.debug("catch-up: active threads of %s unreadable: %s", guild.id, exc)
            threads = []
        self._active[guild.id] = (time.monotonic(), threads)
        return threads

    async def _read(self, container: discord.abc.Messageable, since: float) -> list[SeenMessage]:
        """Page by page, oldest first, each page a paced request."""
        after: discord.abc.Snowflake = discord.Object(
            id=discord.utils.time_snowflake(datetime.fromtimestamp(since, UTC))
        )
        found: list[SeenMessage] = []
        while True:
            await self._spacing.turn()
            page = [m async for m in container.history(limit=PAGE, after=after, oldest_first=True)]
            found += [self._seen(m) for m in page]
            if len(page) < PAGE:
                return found
            after = page[-1]

    def _seen(self, message: discord.Message) -> SeenMessage:
        own = self._is_own(message)
        relayed = message.type in (discord.MessageType.default, discord.MessageType.reply)
        relayed = relayed and message.poll is None  # a fan's poll is relayed live, not as text
        thread = message.channel.id if isinstance(message.channel, discord.Thread) else None
        return SeenMessage(
            message_id=str(message.id),
            at=message.created_at.timestamp(),
            posted=convert.message_posted(message) if relayed and not own else None,
            edited=None if own else convert.message_edited_in_history(message),
            reactions=tuple(_reaction(r) for r in message.reactions),
            thread=str(thread) if thread else None,
        )

    def _is_own(self, message: discord.Message) -> bool:
        """The bot's own messages and its webhooks' (by id, never by name)."""
        if message.webhook_id is not None and message.webhook_id in self.sender.own_webhook_ids:
            return True
        return self.client.user is not None and message.author.id == self.client.user.id

    async def reaction_users(
        self, channel: ChannelRef, seen: SeenMessage, emoji: Emoji
    ) -> frozenset[str]:
        container = await self._container(int(seen.thread or channel.channel))
        if container is None:
            return frozenset()
        message = await container.fetch_message(int(seen.message_id))
        me = self.client.user.id if self.client.user else None
        for reaction in message.reactions:
            if _reaction(reaction).emoji == emoji:
                return frozenset([str(u.id) async for u in reaction.users() if u.id != me])
        return frozenset()

    async def banned(self, workspace: str) -> list[str] | None:
        if not workspace.isdigit():
            return None
        try:
            guild = self.client.get_guild(int(workspace))
            if guild is None:  # a guild of a shard another worker holds
                guild = await self.client.fetch_guild(int(workspace))
            return [str(entry.user.id) async for entry in guild.bans(limit=None)]
        except (discord.Forbidden, discord.NotFound):
            return None  # no Ban Members (or no guild): bans are known from live events only


def _reaction(reaction: discord.Reaction) -> SeenReaction:
    emoji = reaction.emoji
    if isinstance(emoji, str):
        neutral = emoji_from_discord(emoji, None)
    else:
        neutral = emoji_from_discord(emoji.name or "", str(emoji.id) if emoji.id else None)
    return SeenReaction(neutral, reaction.count - (1 if reaction.me else 0), mine=reaction.me)
