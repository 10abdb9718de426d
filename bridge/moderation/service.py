"""Moderation that propagates (DESIGN §4): the service composes its parts, one module each —
deletes, bans, purge, timeouts, kicks, the modlog and the group's moderation settings — over one
shared context, and answers the message shortcuts. Every action is a `moderation_action`; what
it does in each linked channel is a `moderation_effect`, recorded as pending before the outbox
performs it and settled done, failed (the platform's error) or skipped (why) afterwards; the
group's policy (mirror, suggest, log) decides which effects are performed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from bridge.events import (
    MemberBanned,
    MemberTimedOut,
    MemberUnbanned,
    MessageShortcut,
    ModCardClicked,
)
from bridge.groups.replies import NOT_BRIDGED, UNKNOWN_AUTHOR
from bridge.ids import Platform, UserRef
from bridge.moderation.bans import Bans
from bridge.moderation.context import ModerationContext, ModeratorStore
from bridge.moderation.deletes import Deletes
from bridge.moderation.kicks import Kicks
from bridge.moderation.model import REFUSED, BanRequest, Command, TimeoutRequest
from bridge.moderation.modlog import Modlog
from bridge.moderation.policy import PolicyGate
from bridge.moderation.purge import Purge
from bridge.moderation.settings import ModerationSettings
from bridge.moderation.timeouts import Timeouts
from bridge.music.service import MusicService
from bridge.outcome import EventHandlers, Ignored, Outcome, Reply
from bridge.ports import Clock
from bridge.records import FanGroup, StoredMessage

Shortcut = Callable[[MessageShortcut, StoredMessage], Awaitable[Reply]]


class ModerationService:
    def __init__(
        self,
        store: ModeratorStore,
        clock: Clock,
        wake: Callable[[], None],
        music: MusicService | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.policy = PolicyGate(store, clock, wake)
        self.context = ModerationContext(store, clock, self.policy)
        self.deletes = Deletes(self.context, music)
        self.bans = Bans(self.context, Purge(self.deletes))
        self.timeouts = Timeouts(self.context)
        self.kicks = Kicks(self.context)
        self.modlog = Modlog(self.context)
        self.settings = ModerationSettings(self.context)
        self._shortcuts: dict[str, Shortcut] = {
            "delete_everywhere": self._delete_shortcut,
            "ban_from_group": self._ban_shortcut,
        }

    @property
    def directory(self) -> Mapping[Platform, object]:
        """The connected platforms' adapters, asked whether a person a command names exists."""
        return self.context.directory

    @directory.setter
    def directory(self, adapters: Mapping[Platform, object]) -> None:
        self.context.directory = adapters

    def commands(self) -> dict[str, Command]:
        """`/fangroup ban|unban|modlog|timeout|untimeout|kick|policy|banscope|kickscope`."""
        parts = (self.bans, self.modlog, self.timeouts, self.kicks, self.settings)
        return {name: handler for part in parts for name, handler in part.commands().items()}

    # -- what the other services ask ---------------------------------------------------------
    def handlers(self) -> EventHandlers:
        """The platform moderation events, message shortcuts and suggestion-card clicks."""
        return {
            MemberBanned: self.platform_ban,
            MemberUnbanned: self.platform_ban,
            MessageShortcut: self.shortcut,
            MemberTimedOut: self.timed_out,
            ModCardClicked: self.policy.click,
        }

    async def may_moderate(self, group: FanGroup, user: UserRef, platform_says: bool) -> bool:
        return await self.context.may_moderate(group, user, platform_says)

    async def is_timed_out(self, group_id: int, member_id: int) -> bool:
        return await self.timeouts.is_timed_out(group_id, member_id)

    async def delete_everywhere(
        self,
        message: StoredMessage,
        *,
        origin: Platform,
        actor: UserRef | None,
        reason: str = "",
    ) -> int:
        return await self.deletes.delete_everywhere(
            message, origin=origin, actor=actor, reason=reason
        )

    async def apply(self, request: BanRequest) -> int:
        return await self.bans.apply(request)

    async def apply_timeout(self, request: TimeoutRequest) -> int:
        return await self.timeouts.apply(request)

    # -- platform events -----------------------------------------------------------------------
    async def platform_ban(self, event: MemberBanned | MemberUnbanned) -> Outcome:
        return await self.bans.platform_ban(event)

    async def timed_out(self, event: MemberTimedOut) -> Outcome:
        return await self.timeouts.timed_out(event)

    # -- shortcuts -----------------------------------------------------------------------------
    async def shortcut(self, event: MessageShortcut) -> Outcome:
        handler = self._shortcuts.get(event.action)
        if handler is None:
            return Ignored(f"unknown shortcut {event.action}")
        group = await self.context.group_of(event.channel)
        copy = await self.store.find_copy(event.channel, event.message_id)
        message = await self.store.get_message(copy.message_id) if copy else None
        if group is None or message is None:
            return Reply(NOT_BRIDGED)
        if not await self.may_moderate(group, event.actor, event.platform_moderator):
            return Reply(REFUSED.format(what="use this shortcut"))
        return await handler(event, message)

    async def _delete_shortcut(self, event: MessageShortcut, message: StoredMessage) -> Reply:
        if message.deleted_at is not None:
            return Reply("This message was already deleted everywhere.")
        action = await self.delete_everywhere(
            message, origin=event.channel.platform, actor=event.actor
        )
        return Reply(f"Deleting this message everywhere (modlog #{action}).")

    async def _ban_shortcut(self, event: MessageShortcut, message: StoredMessage) -> Reply:
        account = await self.store.get_account(message.author) if message.author else None
        group = await self.store.get_group_by_id(message.group_id)
        if account is None or group is None:
            return Reply(UNKNOWN_AUTHOR)
        request = BanRequest(group, account, "ban", event.actor, event.channel.platform)
        return await self.bans.reply(request)
