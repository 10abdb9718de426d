"""A chat adapter that records every call instead of reaching a platform, and fails when told
to (rate limits, outages, refusals), for tests of what the core asks each platform to do."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from bridge.actions import OutgoingMessage, SendResult
from bridge.gates.check import Grant
from bridge.ids import ChannelRef, MessageCopy, Platform, UserRef
from bridge.ports.chat import Capabilities, DeliveryError
from bridge.records import FanGroup
from bridge.text import Emoji

CAPABILITIES = {
    Platform.DISCORD: Capabilities(2000, True, True, True, True, True),
    Platform.SLACK: Capabilities(40000, True, True, True, False, False),
}


@dataclass(frozen=True, slots=True)
class Call:
    """One call the core made: what (``post``, ``edit``, ``delete``, ``react``, ``ban``,
    ``unban``, ``timeout``, ``kick``, ``guild_ban``, ``mod_card``, ``join_card``, ``admit``),
    where, and its particulars."""

    kind: str
    target: ChannelRef
    text: str = ""  # a post's or an edit's plain text
    author: str = ""  # the name a post or an edit shows
    user: str = ""  # the person a ban, an unban, a timeout or a kick is about
    emoji: str = ""  # a reaction's emoji (its key)
    add: bool = True  # a reaction or a guild ban added (False: removed / lifted)
    copies: tuple[str, ...] = ()  # the ids a post made, or an edit, delete or reaction is on
    card: int = 0  # a suggestion card's or a join card's id (its outbox item, its request)


@dataclass
class _Failure:
    kind: str | None  # None: any call
    error: DeliveryError
    times: int


@dataclass
class RecordingAdapter:
    """Implements ``ChatAdapter`` with every optional ability (timeouts, kicks, guild bans,
    suggestion cards) and the join gates' ``GatePort``, for one platform."""

    platform: Platform
    capabilities: Capabilities = field(init=False)
    calls: list[Call] = field(default_factory=list)  # the calls that succeeded
    failed: list[Call] = field(default_factory=list)  # the calls told to fail, as they came
    _failures: list[_Failure] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.capabilities = CAPABILITIES[self.platform]

    def fail(self, error: DeliveryError, *, kind: str | None = None, times: int = 1) -> None:
        """The next ``times`` calls (of ``kind``, or any) raise ``error`` instead."""
        self._failures.append(_Failure(kind, error, times))

    def of(self, kind: str) -> list[Call]:
        return [c for c in self.calls if c.kind == kind]

    def targets(self, kind: str) -> list[ChannelRef]:
        """Where the calls of ``kind`` went, in order."""
        return [c.target for c in self.of(kind)]

    def _record(self, call: Call) -> None:
        for failure in self._failures:
            if failure.kind in (None, call.kind) and failure.times > 0:
                failure.times -= 1
                self.failed.append(call)
                raise failure.error
        self.calls.append(call)

    def _new_id(self) -> str:
        return f"{self.platform.value}-{next(self._ids)}"

    async def post(self, target: ChannelRef, message: OutgoingMessage) -> SendResult:
        text, name, made = message.text.plain(), message.author_name, (self._new_id(),)
        self._record(Call("post", target, text=text, author=name, copies=made))
        return SendResult(made)

    async def edit(
        self, target: ChannelRef, copies: Sequence[MessageCopy], message: OutgoingMessage
    ) -> SendResult:
        ids = tuple(c.platform_message_id for c in copies)
        text, name = message.text.plain(), message.author_name
        self._record(Call("edit", target, text=text, author=name, copies=ids))
        return SendResult(ids)

    async def delete(self, target: ChannelRef, copies: Sequence[MessageCopy]) -> None:
        ids = tuple(c.platform_message_id for c in copies)
        self._record(Call("delete", target, copies=ids))

    async def react(
        self, target: ChannelRef, copy: MessageCopy, emoji: Emoji, *, add: bool
    ) -> None:
        ids = (copy.platform_message_id,)
        self._record(Call("react", target, emoji=emoji.unicode or emoji.name, add=add, copies=ids))

    async def ban(self, target: ChannelRef, user: str, *, reason: str) -> None:
        self._record(Call("ban", target, user=user, text=reason))

    async def unban(self, target: ChannelRef, user: str, *, reason: str) -> None:
        self._record(Call("unban", target, user=user, text=reason))

    async def timeout(self, target: ChannelRef, user: str, *, until: float | None) -> None:
        self._record(Call("timeout", target, user=user, add=until is not None))

    async def kick(self, target: ChannelRef, user: str, *, scope: str, reason: str) -> None:
        self._record(Call("kick", target, user=user, text=reason))

    async def guild_ban(self, target: ChannelRef, user: str, *, add: bool, reason: str) -> None:
        self._record(Call("guild_ban", target, user=user, add=add, text=reason))

    async def post_card(self, target: ChannelRef, text: str, *, card: int) -> None:
        """A moderation suggestion card (policy suggest) with its Apply / Dismiss buttons."""
        self._record(Call("mod_card", target, text=text, card=card))

    # -- the join gates' port (bridge.gates.check.GatePort) ---------------------------------
    async def post_request(self, channel: ChannelRef, text: str, request_id: int) -> None:
        self._record(Call("join_card", channel, text=text, card=request_id))

    async def admit(
        self, group: FanGroup, user: UserRef, channels: Sequence[ChannelRef]
    ) -> list[Grant]:
        for channel in channels:
            self._record(Call("admit", channel, user=user.user))
        return [Grant(channel, "done") for channel in channels]
