"""The Discord channels, threads and webhooks the bot writes through, shared by the parts of
the chat adapter (messages, moderation, announcements): each channel's relay webhook is found
or created once, and the webhooks that are the bot's own are known by id (echo guard 1)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord

from bridge.ids import ChannelRef
from bridge.ports import GroupStore, PermanentError

log = logging.getLogger(__name__)

WEBHOOK_NAME = "fanbridge"


class DiscordChannels:
    def __init__(self, client: discord.Client, store: GroupStore, *, webhooks: bool) -> None:
        self.client = client
        self.store = store
        self.use_webhooks = webhooks
        self._webhooks: dict[str, discord.Webhook | None] = {}
        self.own_webhook_ids: set[int] = set()

    async def load_webhooks(self, refs: Sequence[str | None]) -> None:
        for ref in refs:
            if ref and ":" in ref:
                self.own_webhook_ids.add(int(ref.split(":", 1)[0]))

    async def is_own_webhook(self, target: ChannelRef, webhook_id: int) -> bool:
        """``webhook_id`` is the relay webhook of ``target``: known here, or recorded on its
        link by another worker (which created it after this one started)."""
        if webhook_id in self.own_webhook_ids:
            return True
        link = await self.store.link_for_channel(target)
        ref = link.webhook_ref if link is not None else None
        if ref and ref.split(":", 1)[0] == str(webhook_id):
            self.own_webhook_ids.add(webhook_id)
            return True
        return False

    def is_own(self, message: discord.Message) -> bool:
        """Sent by the bot or one of its webhooks (by id, never by name)."""
        if message.webhook_id is not None:
            return message.webhook_id in self.own_webhook_ids
        return self.client.user is not None and message.author.id == self.client.user.id

    async def channel(self, target: ChannelRef) -> discord.abc.Messageable:
        channel = self.client.get_channel(int(target.channel))
        if channel is None:
            channel = await self.client.fetch_channel(int(target.channel))
        if not isinstance(channel, discord.abc.Messageable):
            raise PermanentError(f"{target} is not a text channel")
        return channel

    async def messageable(
        self, target: ChannelRef, thread: discord.abc.Snowflake | None
    ) -> discord.abc.Messageable:
        """The channel, or the thread in it."""
        if thread is None:
            return await self.channel(target)
        found = self.client.get_channel(thread.id)
        if found is None:
            found = await self.client.fetch_channel(thread.id)
        if not isinstance(found, discord.abc.Messageable):
            raise PermanentError(f"thread {thread.id} is not a text channel")
        return found

    async def webhook(self, target: ChannelRef) -> discord.Webhook | None:
        """The channel's relay webhook, created on first use; None when the bot lacks Manage
        Webhooks (then the bot posts itself, with the author's name in the text)."""
        key = str(target)
        if key in self._webhooks:
            return self._webhooks[key]
        webhook = await self._find_webhook(target)
        self._webhooks[key] = webhook
        return webhook

    async def _find_webhook(self, target: ChannelRef) -> discord.Webhook | None:
        if not self.use_webhooks:
            return None
        link = await self.store.link_for_channel(target)
        if link is not None and link.webhook_ref and ":" in link.webhook_ref:
            webhook_id, token = link.webhook_ref.split(":", 1)
            self.own_webhook_ids.add(int(webhook_id))
            return discord.Webhook.partial(int(webhook_id), token, client=self.client)
        channel = await self.channel(target)
        if not isinstance(channel, discord.TextChannel):
            return None
        try:
            hooks = await channel.webhooks()
            mine = [h for h in hooks if h.name == WEBHOOK_NAME and h.token and self._ours(h)]
            webhook = mine[0] if mine else await channel.create_webhook(name=WEBHOOK_NAME)
        except discord.Forbidden:
            log.warning("no Manage Webhooks in %s: relaying as the bot", target)
            return None
        self.own_webhook_ids.add(webhook.id)
        await self.store.set_webhook_ref(target, f"{webhook.id}:{webhook.token}")
        return webhook

    def _ours(self, hook: discord.Webhook) -> bool:
        user = self.client.user
        return hook.user is None or user is None or hook.user.id == user.id
