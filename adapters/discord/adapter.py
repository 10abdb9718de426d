"""The Discord chat adapter the outbox sees, composed from its parts: the channels and webhooks
they share (channels.py), message copies (send.py), moderation effects (moderate.py) and
announcements (announce.py). Each part is a plain class; this module only routes calls."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from adapters.discord.announce import DiscordAnnouncements
from adapters.discord.channels import DiscordChannels
from adapters.discord.moderate import DiscordModeration
from adapters.discord.send import CAPABILITIES, DiscordSender
from adapters.files import FileFetcher
from bridge.actions import OutgoingMessage, SendResult
from bridge.ids import ChannelRef, MessageCopy, Platform, UserRef
from bridge.metrics import Metrics
from bridge.ports import GroupStore
from bridge.text import Emoji

ANNOUNCEMENT = "announcement"  # OutgoingMessage.style of an announcement copy


class DiscordChatAdapter:
    platform = Platform.DISCORD
    capabilities = CAPABILITIES

    def __init__(
        self,
        client: discord.Client,
        store: GroupStore,
        *,
        webhooks: bool,
        fetcher: FileFetcher | None = None,
    ) -> None:
        self.channels = DiscordChannels(client, store, webhooks=webhooks)
        self.messages = DiscordSender(self.channels, fetcher=fetcher)
        self.moderation = DiscordModeration(self.channels)
        self.announcements = DiscordAnnouncements(self.channels)

    # -- settings and echo guards the client and the runtime read ---------------------------
    @property
    def metrics(self) -> Metrics:
        return self.messages.metrics

    @metrics.setter
    def metrics(self, metrics: Metrics) -> None:
        self.messages.metrics = metrics

    @property
    def max_parts(self) -> int:
        return self.messages.max_parts

    @max_parts.setter
    def max_parts(self, max_parts: int) -> None:
        self.messages.max_parts = max_parts

    @property
    def own_webhook_ids(self) -> set[int]:
        return self.channels.own_webhook_ids

    async def load_webhooks(self, refs: Sequence[str | None]) -> None:
        await self.channels.load_webhooks(refs)

    def deleted_by_us(self, message_id: str) -> bool:
        return self.messages.deleted_by_us(message_id)

    # -- messages ---------------------------------------------------------------------------
    async def post(self, target: ChannelRef, message: OutgoingMessage) -> SendResult:
        if message.style == ANNOUNCEMENT:
            return await self.announcements.post(target, message)
        return await self.messages.post(target, message)

    async def edit(
        self, target: ChannelRef, copies: Sequence[MessageCopy], message: OutgoingMessage
    ) -> SendResult:
        if message.style == ANNOUNCEMENT:
            return await self.announcements.edit(target, copies, message)
        return await self.messages.edit(target, copies, message)

    async def delete(self, target: ChannelRef, copies: Sequence[MessageCopy]) -> None:
        await self.messages.delete(target, copies)

    async def react(
        self, target: ChannelRef, copy: MessageCopy, emoji: Emoji, *, add: bool
    ) -> None:
        await self.messages.react(target, copy, emoji, add=add)

    async def find_sent(
        self, target: ChannelRef, message: OutgoingMessage, *, since: float, markers: Sequence[str]
    ) -> SendResult:
        return await self.messages.find_sent(target, message, since=since, markers=markers)

    # -- moderation -------------------------------------------------------------------------
    async def ban(self, target: ChannelRef, user: str, *, reason: str) -> None:
        await self.moderation.ban(target, user, reason=reason)

    async def unban(self, target: ChannelRef, user: str, *, reason: str) -> None:
        await self.moderation.unban(target, user, reason=reason)

    async def timeout(self, target: ChannelRef, user: str, *, until: float | None) -> None:
        await self.moderation.timeout(target, user, until=until)

    async def kick(self, target: ChannelRef, user: str, *, scope: str, reason: str) -> None:
        await self.moderation.kick(target, user, scope=scope, reason=reason)

    async def guild_ban(self, target: ChannelRef, user: str, *, add: bool, reason: str) -> None:
        await self.moderation.guild_ban(target, user, add=add, reason=reason)

    async def post_card(self, target: ChannelRef, text: str, *, card: int) -> None:
        await self.moderation.post_card(target, text, card=card)

    async def user_exists(self, user: UserRef) -> bool | None:
        return await self.moderation.user_exists(user)
