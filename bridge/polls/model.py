"""Polls as the core sees them: a question, 2-10 options (words, or songs of the music tab shown
as song cards), open until ``closes_at`` or a close command, one vote per person (linked
accounts are one member), and, for a platform's own poll (Discord's message poll) relayed
elsewhere, the votes that platform counted. A poll changes state only by compare-and-set of its
``version`` (one worker closes it); votes are rows keyed by (poll, member)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bridge.ids import ChannelRef, UserRef
from bridge.records import OutboxDraft

FollowUp = Callable[[int], Sequence[OutboxDraft]]  # a new poll's id -> its outbox items
MIN_OPTIONS, MAX_OPTIONS = 2, 10
MAX_QUESTION, MAX_LABEL = 300, 200


class PollState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CardKind(StrEnum):
    CARD = "card"  # the poll card, redrawn as votes come
    RESULTS = "results"  # the results message posted at close


@dataclass(frozen=True, slots=True)
class PollOption:
    label: str  # the words, or the song's "Artist – Title"
    item_id: int | None = None  # a song of the music tab
    answer_id: int | None = None  # the platform's own poll's answer (a relayed native poll)


@dataclass(frozen=True, slots=True)
class NativePoll:
    """The platform's own poll message this poll relays."""

    channel: ChannelRef
    message_id: str


@dataclass(frozen=True, slots=True)
class PollDraft:
    group_id: int
    question: str
    options: tuple[PollOption, ...]
    author: UserRef
    author_name: str
    closes_at: float | None = None
    anonymous: bool = False
    blind: bool = False  # every option a song: titles hidden until it closes
    origin: ChannelRef | None = None
    native: NativePoll | None = None


@dataclass(frozen=True, slots=True)
class Poll:
    id: int
    draft: PollDraft
    state: PollState
    version: int
    created_at: float
    closed_at: float | None = None

    @property
    def group_id(self) -> int:
        return self.draft.group_id

    @property
    def options(self) -> tuple[PollOption, ...]:
        return self.draft.options

    @property
    def is_open(self) -> bool:
        return self.state is PollState.OPEN

    def due(self, now: float) -> bool:
        """Open past its deadline: the timer closes it."""
        closes = self.draft.closes_at
        return self.is_open and closes is not None and closes <= now


@dataclass(frozen=True, slots=True)
class Vote:
    member_id: int
    option: int  # the option's index
    name: str  # the voter's display name where they voted


@dataclass(frozen=True, slots=True)
class Counts:
    """The votes of a poll: the bridge's (one per member) and the platform's own poll's."""

    votes: tuple[Vote, ...] = ()
    native: Mapping[int, int] = field(default_factory=dict)  # option index -> count


@dataclass(frozen=True, slots=True)
class PollCardRef:
    poll_id: int
    channel: ChannelRef
    card_id: str
    kind: CardKind = CardKind.CARD


class PollStore(Protocol):
    async def create_poll(self, draft: PollDraft, *, at: float, enqueue: FollowUp) -> Poll:
        """The new open poll, with the outbox items that follow from it (``enqueue`` of the new
        poll's id), in one transaction."""
        ...

    async def get_poll(self, poll_id: int) -> Poll | None: ...

    async def save_poll(self, poll: Poll, *, enqueue: Sequence[OutboxDraft] = ()) -> bool:
        """Compare-and-set: write ``poll`` (its version + 1) if the stored version is still
        ``poll.version``, with ``enqueue`` in the same transaction. True for the one winner."""
        ...

    async def group_polls(self, group_id: int, *, limit: int = 20) -> list[Poll]:
        """The group's polls, the newest first."""
        ...

    async def open_polls(self) -> list[Poll]: ...

    async def native_poll(self, channel: ChannelRef, message_id: str) -> Poll | None:
        """The poll relaying the platform's own poll ``message_id`` in ``channel``."""
        ...

    async def member_vote(self, poll_id: int, member_id: int) -> int | None: ...

    async def set_vote(
        self, poll_id: int, member_id: int, option: int | None, *, name: str, at: float
    ) -> None:
        """The member's vote is now ``option`` (None: withdrawn); one row per member, however
        many of their accounts vote at once."""
        ...

    async def set_native_vote(self, poll_id: int, user: str, option: int, *, added: bool) -> None:
        """A vote of the platform's own poll, as the platform reported it (idempotent)."""
        ...

    async def poll_counts(self, poll_id: int) -> Counts: ...

    async def add_poll_card(self, ref: PollCardRef) -> None:
        """The card in a channel, once per kind (the first one posted stays)."""
        ...

    async def poll_cards(self, poll_id: int) -> list[PollCardRef]: ...

    def watch_polls(self, changed: Callable[[], None]) -> None:
        """Call ``changed`` when another worker changes a poll or a vote."""
        ...
