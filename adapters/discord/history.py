"""A linked Discord channel's history for catch-up, read with discord.py (`GET
/channels/{id}/messages?after=`, 100 a page, paced by discord.py under the route's
``X-RateLimit-*`` headers and by the bridge's global pacer), with the channel's active threads
and the threads the bridge relayed into recently."""

from __future__ import annotations

import logging
import time
from collections.abc import Collection
from datetime import UTC, datetime

import discord

from adapters.discord import convert
from adapters.discord.markdown import emoji_from_discord
from adapters.discord.send import DiscordSender
from bridge.catchup.model import Scan, SeenMessage, SeenReaction
from bridge.ids import ChannelRef, Platform
from bridge.ports import GroupStore
from bridge.text import Emoji

log = logging.getLogger(__name__)

PAGE = 100  # the route's largest page
SKEW = 2.0  # seconds: messages this recent are left to the live events


class DiscordHistory:
    platform = Platform.DISCORD

    def __init__(self, client: discord.Client, sender: DiscordSender, store: GroupStore) -> None:
        self.client = client
        self.sender = sender
        self.store = store

    def position(self, platform_message_id: str) -> float:
        return discord.utils.snowflake_time(int(platform_message_id)).timestamp()

    async def scan(self, channel: ChannelRef, *, since: float, threads: Collection[str]) -> Scan:
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
        found: dict[int, discord.Thread] = {}
        try:
            for thread in await main.guild.active_threads():
                if thread.parent_id == main.id:
                    found[thread.id] = thread
        except discord.HTTPException as exc:
            log.debug("catch-up: active threads of %s unreadable: %s", main.id, exc)
        for thread_id in known:
            if thread_id.isdigit() and int(thread_id) not in found:
                known_thread = await self._container(int(thread_id))
                if isinstance(known_thread, discord.Thread):
                    found[known_thread.id] = known_thread
        return list(found.values())

    async def _read(self, container: discord.abc.Messageable, since: float) -> list[SeenMessage]:
        after = discord.Object(id=discord.utils.time_snowflake(datetime.fromtimestamp(since, UTC)))
        found = []
        async for message in container.history(limit=None, after=after, oldest_first=True):
            found.append(self._seen(message))
        return found

    def _seen(self, message: discord.Message) -> SeenMessage:
        own = self._is_own(message)
        relayed = message.type in (discord.MessageType.default, discord.MessageType.reply)
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
        guild = self.client.get_guild(int(workspace)) if workspace.isdigit() else None
        if guild is None:
            return None
        try:
            return [str(entry.user.id) async for entry in guild.bans(limit=None)]
        except discord.Forbidden:
            return None  # no Ban Members: bans are known from live events only


def _reaction(reaction: discord.Reaction) -> SeenReaction:
    emoji = reaction.emoji
    if isinstance(emoji, str):
        neutral = emoji_from_discord(emoji, None)
    else:
        neutral = emoji_from_discord(emoji.name or "", str(emoji.id) if emoji.id else None)
    return SeenReaction(neutral, reaction.count - (1 if reaction.me else 0), mine=reaction.me)
