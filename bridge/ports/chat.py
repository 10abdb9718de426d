"""The chat adapter as the core sees it: the calls every platform answers, the errors that tell
the outbox what to do, and the optional abilities (runtime-checkable Protocols) some have."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bridge.actions import OutgoingMessage, SendResult
from bridge.ids import ChannelRef, MessageCopy, Platform, UserRef
from bridge.text import Emoji


class DeliveryError(Exception):
    """An adapter could not perform an action. Subclasses tell the outbox what to do."""


class RateLimited(DeliveryError):
    def __init__(self, retry_after: float, detail: str = "") -> None:
        super().__init__(f"rate limited, retry after {retry_after:.2f}s {detail}".strip())
        self.retry_after = retry_after


class TransientError(DeliveryError):
    """5xx, timeouts, dropped connections: retried with backoff and jitter."""


class PartialDelivery(DeliveryError):
    """Some parts of a split message were delivered before ``cause`` stopped the rest: the
    outbox records ``sent`` and the retry resumes after them."""

    def __init__(self, sent: SendResult, cause: DeliveryError) -> None:
        super().__init__(f"{len(sent.ids)} part(s) delivered, then: {cause}")
        self.sent = sent
        self.cause = cause


class PermanentError(DeliveryError):
    """The platform refused (missing permission, unknown channel): not retried."""


class Paused(PermanentError):
    """The target's workspace has paused the bridge (the Slack app was uninstalled there, or its
    token revoked): nothing can be sent now, but the action is fine. The outbox holds it (and the
    channel's later items behind it) without counting a try, looks again now and then, and
    delivers it once the workspace resumes (installs the app again). A caller outside the outbox
    sees a permanent refusal."""


class WaitForRoom(DeliveryError):
    """The target has no room for this yet (Discord: 20 distinct reactions on a message). The
    action is fine: the outbox keeps it and enqueues it again once room frees on that message."""


@dataclass(frozen=True, slots=True)
class Capabilities:
    max_message_length: int
    custom_author: bool  # can show another name and avatar per message
    threads: bool
    replies: bool  # native reply references
    edit_others: bool  # the bot may edit/delete messages it did not send
    spoilers: bool


class ChatAdapter(Protocol):
    platform: Platform
    capabilities: Capabilities

    async def post(self, target: ChannelRef, message: OutgoingMessage) -> SendResult: ...

    async def edit(
        self, target: ChannelRef, copies: Sequence[MessageCopy], message: OutgoingMessage
    ) -> SendResult: ...

    async def delete(self, target: ChannelRef, copies: Sequence[MessageCopy]) -> None: ...

    async def react(
        self, target: ChannelRef, copy: MessageCopy, emoji: Emoji, *, add: bool
    ) -> None: ...

    async def ban(self, target: ChannelRef, user: str, *, reason: str) -> None:
        """Keep ``user`` out of the channel (Discord: an overwrite; Slack: a kick)."""
        ...

    async def unban(self, target: ChannelRef, user: str, *, reason: str) -> None: ...


@runtime_checkable
class SentFinder(Protocol):
    """An optional ability of a chat adapter: find the copy an earlier attempt of a post made
    without the bridge recording it (its process was killed, or the answer was lost), so a
    retry records it instead of posting it twice."""

    async def find_sent(
        self, target: ChannelRef, message: OutgoingMessage, *, since: float, markers: Sequence[str]
    ) -> SendResult:
        """The platform ids of such a copy's parts, oldest first (none: it was not made).
        ``markers`` are the echo markers of every attempt; ``since`` when the first began."""
        ...


@runtime_checkable
class UserDirectory(Protocol):
    """An optional ability of a chat adapter: whether a user id names a person on its platform
    (asked before a moderation command records anything about them)."""

    async def user_exists(self, user: UserRef) -> bool | None:
        """False when the platform says there is no such user; None when it cannot tell now."""
        ...


@runtime_checkable
class Timeouts(Protocol):
    """An optional ability of a chat adapter: time a member out on the whole platform server
    (Discord's communication timeout)."""

    async def timeout(self, target: ChannelRef, user: str, *, until: float | None) -> None:
        """Time ``user`` out until ``until`` (None: lift the timeout)."""
        ...


@runtime_checkable
class Kicks(Protocol):
    """An optional ability of a chat adapter: remove a member (``scope`` "channel": from the
    linked channel; "guild": from the Discord server)."""

    async def kick(self, target: ChannelRef, user: str, *, scope: str, reason: str) -> None: ...


@runtime_checkable
class GuildBans(Protocol):
    """An optional ability of a chat adapter: ban from (``add``) or unban from the platform
    server the channel is in."""

    async def guild_ban(self, target: ChannelRef, user: str, *, add: bool, reason: str) -> None: ...


@runtime_checkable
class ModCards(Protocol):
    """An optional ability of a chat adapter: post a moderation suggestion card with "Apply" /
    "Dismiss" buttons that come back as ModCardClicked for outbox item ``card``."""

    async def post_card(self, target: ChannelRef, text: str, *, card: int) -> None: ...
