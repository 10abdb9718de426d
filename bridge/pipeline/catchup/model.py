"""What a history read returns, and the ports catch-up needs (adapters implement the readers;
``storage`` implements the store slice)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from bridge.events import MessageEdited, MessagePosted
from bridge.ids import ChannelRef, MessageCopy, Platform
from bridge.records import ChannelLink, OutboxDraft
from bridge.text import Emoji


@dataclass(frozen=True, slots=True)
class SeenReaction:
    """An emoji on a message as the history shows it: the people who have it (the bot's own
    mirror excluded), or only how many when the platform does not say who (Discord)."""

    emoji: Emoji
    count: int
    users: frozenset[str] | None = None
    mine: bool = False  # the bot shows it too (a mirror of someone elsewhere)


@dataclass(frozen=True, slots=True)
class StoredReaction:
    """A person's reaction as recorded: on the message's copy in ``channel``."""

    key: str
    emoji_json: str
    channel: ChannelRef
    user: str


@dataclass(frozen=True, slots=True)
class SeenMessage:
    """One message of a channel's history. ``posted`` is the event a live delivery would have
    been (None for the bot's own copies and for messages that are not relayed); ``edited`` its
    current text when the platform marks it edited; ``thread`` the thread it is in, if any."""

    message_id: str
    at: float
    posted: MessagePosted | None = None
    edited: MessageEdited | None = None
    reactions: tuple[SeenReaction, ...] = ()
    thread: str | None = None


@dataclass(frozen=True, slots=True)
class Scan:
    """A channel's history from ``since`` on, oldest first. Everything between ``since`` and
    ``until`` in the main channel and in ``threads`` was returned, so a copy recorded there
    and not seen has been deleted."""

    messages: tuple[SeenMessage, ...]
    threads: frozenset[str]
    since: float
    until: float
    pages: int = 0
    taken: float | None = None  # when it was read, if later than ``until`` (a bounded read)


class HistoryReader(Protocol):
    """One platform's history, read within its rate limits."""

    platform: Platform

    async def scan(
        self,
        channel: ChannelRef,
        *,
        since: float,
        threads: Collection[str],
        begin: Callable[[], float | None] | None = None,
    ) -> Scan:
        """The channel's messages (and those of ``threads`` and of threads active in the
        window) from ``since``. ``begin`` is called once, right before the first request
        goes out (after any wait for the platform's pace): from then the channel's live events
        are held while it is read, and what it returns bounds the read (older than that: the
        newer ones came live). Raises when the history cannot be read completely."""
        ...

    async def reaction_users(
        self, channel: ChannelRef, seen: SeenMessage, emoji: Emoji
    ) -> frozenset[str]:
        """Who (other than the bot) has ``emoji`` on the message."""
        ...

    def position(self, platform_message_id: str) -> float:
        """When a message of this platform was posted, read from its id."""
        ...

    async def banned(self, workspace: str) -> list[str] | None:
        """The user ids banned from the workspace now (None: the platform has no such list or
        the bot may not read it)."""
        ...


@dataclass(frozen=True, slots=True)
class ChannelMarks:
    """What the store knows of a platform's linked channels before any is read, in three
    queries: the newest message people posted in each that the bridge recorded (its platform
    id), the channels holding a copy of a live message recorded since a time, and when each
    channel's last catch-up completed (its history was read up to then, live events after)."""

    newest_origin: Mapping[ChannelRef, str]
    recent: frozenset[ChannelRef]
    caught_up: Mapping[ChannelRef, float] = field(default_factory=dict)


CAUGHT_UP = "caught-up:"  # sync-state key prefix: caught-up:<platform>:<workspace>:<channel>


def caught_up_key(channel: ChannelRef) -> str:
    return f"{CAUGHT_UP}{channel.platform.value}:{channel.workspace}:{channel.channel}"


@runtime_checkable
class LastPosts(Protocol):
    """A reader that knows, without a request, when each channel last had a message: Discord
    sends every channel's last message id when the session starts and each new message
    live."""

    def last_post(self, channel: ChannelRef) -> float | None:
        """When the channel's newest message (its active threads' included) was posted; 0.0
        when it has none; None when this process does not know the channel."""
        ...


class CatchUpStore(Protocol):
    async def links_of(self, platform: Platform) -> list[ChannelLink]: ...

    async def channel_marks(self, platform: Platform, *, since: float) -> ChannelMarks: ...

    async def recent_copies(self, channel: ChannelRef, *, since: float) -> list[MessageCopy]: ...

    async def find_copy(
        self, channel: ChannelRef, platform_message_id: str
    ) -> MessageCopy | None: ...

    async def reactions_of(self, message_id: int) -> list[StoredReaction]: ...

    async def enqueue(self, drafts: Sequence[OutboxDraft], *, at: float) -> list[int]: ...

    async def get_sync_state(self, key: str) -> list[str] | None: ...

    async def set_sync_state(self, key: str, value: list[str]) -> None: ...


class SessionWatcher(Protocol):
    """What an adapter tells catch-up about its platform session."""

    def session_lost(self, platform: Platform) -> None: ...

    def session_resumed(self, platform: Platform) -> None: ...

    def session_new(self, platform: Platform) -> None: ...


class NoWatcher:
    """Nobody listens (an adapter used on its own)."""

    def session_lost(self, platform: Platform) -> None:
        pass

    def session_resumed(self, platform: Platform) -> None:
        pass

    def session_new(self, platform: Platform) -> None:
        pass
