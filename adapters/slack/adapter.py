"""The Slack chat adapter the outbox sees, composed from its parts: message copies (send.py),
moderation effects (moderate.py) and announcements (announce.py). Each part is a plain class;
this module only routes calls. Slack has no timeouts and no workspace bans for bots, so this
adapter has neither ability."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.web.async_client import AsyncWebClient

from adapters.files import FileFetcher
from adapters.slack.announce import SlackAnnouncements
from adapters.slack.moderate import SlackModeration
from adapters.slack.send import CAPABILITIES, SlackSender
from bridge.actions import OutgoingMessage, SendResult
from bridge.ids import ChannelRef, MessageCopy, Platform, UserRef
from bridge.metrics import Metrics
from bridge.text import Emoji

ANNOUNCEMENT = "announcement"  # OutgoingMessage.style of an announcement copy


class SlackChatAdapter:
    platform = Platform.SLACK
    capabilities = CAPABILITIES

    def __init__(self, client: AsyncWebClient, fetcher: FileFetcher | None = None) -> None:
        self.messages = SlackSender(client, fetcher)
        self.moderation = SlackModeration(client)
        self.announcements = SlackAnnouncements(client)

    # -- settings and the echo guard the app and the runtime read ---------------------------
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

    def deleted_by_us(self, ts: str) -> bool:
        return self.messages.deleted_by_us(ts)

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

    async def kick(self, target: ChannelRef, user: str, *, scope: str, reason: str) -> None:
        await self.moderation.kick(target, user, scope=scope, reason=reason)

    async def post_card(self, target: ChannelRef, text: str, *, card: int) -> None:
        await self.moderation.post_card(target, text, card=card)

    async def user_exists(self, user: UserRef) -> bool | None:
        return await self.moderation.user_exists(user)
