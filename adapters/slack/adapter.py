"""The Slack chat adapter the outbox sees, composed from its parts: message copies (send.py),
moderation effects (moderate.py) and announcements (announce.py). Each part is a plain class;
this module only routes calls, each with the token of its channel's workspace (tokens.py).
Slack has no timeouts and no workspace bans for bots, so this
adapter has neither ability."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.web.async_client import AsyncWebClient

from adapters.files import FileFetcher
from adapters.slack.announce import SlackAnnouncements
from adapters.slack.moderate import SlackModeration
from adapters.slack.send import CAPABILITIES, SlackSender
from adapters.slack.tokens import acting_for
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
        with acting_for(target.workspace):
            if message.style == ANNOUNCEMENT:
                return await self.announcements.post(target, message)
            return await self.messages.post(target, message)

    async def edit(
        self, target: ChannelRef, copies: Sequence[MessageCopy], message: OutgoingMessage
    ) -> SendResult:
        with acting_for(target.workspace):
            if message.style == ANNOUNCEMENT:
                return await self.announcements.edit(target, copies, message)
            return await self.messages.edit(target, copies, message)

    async def delete(self, target: ChannelRef, copies: Sequence[MessageCopy]) -> None:
        with acting_for(target.workspace):
            await self.messages.delete(target, copies)

    async def react(
        self, target: ChannelRef, copy: MessageCopy, emoji: Emoji, *, add: bool
    ) -> None:
        with acting_for(target.workspace):
            await self.messages.react(target, copy, emoji, add=add)

    async def find_sent(
        self, target: ChannelRef, message: OutgoingMessage, *, since: float, markers: Sequence[str]
    ) -> SendResult:
        with acting_for(target.workspace):
            return await self.messages.find_sent(target, message, since=since, markers=markers)

    # -- moderation -------------------------------------------------------------------------
    async def ban(self, target: ChannelRef, user: str, *, reason: str) -> None:
        with acting_for(target.workspace):
            await self.moderation.ban(target, user, reason=reason)

    async def unban(self, target: ChannelRef, user: str, *, reason: str) -> None:
        with acting_for(target.workspace):
            await self.moderation.unban(target, user, reason=reason)

    async def kick(self, target: ChannelRef, user: str, *, scope: str, reason: str) -> None:
        with acting_for(target.workspace):
            await self.moderation.kick(target, user, scope=scope, reason=reason)

    async def post_card(self, target: ChannelRef, text: str, *, card: int) -> None:
        with acting_for(target.workspace):
            await self.moderation.post_card(target, text, card=card)

    async def user_exists(self, user: UserRef) -> bool | None:
        with acting_for(user.workspace):
            return await self.moderation.user_exists(user)
