"""Listening parties as the core sees them: a group's queue of songs, its host and a clock kept
by the server (when the current track's position 0 was, and when it was paused), stored so a
restart resumes at the right track and position, and changed only by compare-and-set of its
``version`` (one worker advances it). Timed comments ("moments") are messages stamped with the
song that played and the position it had."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bridge.ids import ChannelRef, UserRef
from bridge.records import OutboxDraft

DEFAULT_LENGTH_MS = 210_000  # a song whose length no platform told: 3:30, the usual length
MAX_QUEUE = 100  # songs a party's queue holds
REMINDERS = (3600.0, 600.0)  # an artist party's reminders: 1 hour and 10 minutes before


class PartyState(StrEnum):
    SCHEDULED = "scheduled"
    PLAYING = "playing"
    PAUSED = "paused"
    ENDED = "ended"

    @property
    def live(self) -> bool:
        return self is not PartyState.ENDED


@dataclass(frozen=True, slots=True)
class QueuedTrack:
    """A song of the queue: the music tab's item, its length, and who queued it."""

    item_id: int
    length_ms: int
    queued_by: str  # display name
    by_artist: bool = False  # queued by one of the group's verified artists


@dataclass(frozen=True, slots=True)
class PartyDraft:
    group_id: int
    host: UserRef
    host_name: str
    queue: tuple[QueuedTrack, ...]
    starts_at: float
    origin: ChannelRef | None = None  # where it was started (None: the web)
    title: str = ""  # an artist party's announcement text
    by_artist: bool = False  # hosted by one of the group's verified artists
    allow_adds: bool = True  # fans may `/fangroup party add <link>`


@dataclass(frozen=True, slots=True)
class Party:
    id: int
    draft: PartyDraft
    state: PartyState
    queue: tuple[QueuedTrack, ...]
    index: int  # the current track (== len(queue) once every track played)
    track_zero_at: float  # when the current track's position was 0 (pauses shift it)
    paused_at: float | None
    version: int
    reminded: int = 0  # how many of REMINDERS were sent
    ended_at: float | None = None
    allow_adds: bool = True

    @property
    def group_id(self) -> int:
        return self.draft.group_id

    @property
    def host(self) -> UserRef:
        return self.draft.host

    @property
    def track(self) -> QueuedTrack | None:
        return self.queue[self.index] if 0 <= self.index < len(self.queue) else None


@dataclass(frozen=True, slots=True)
class PartyCardRef:
    """A now-playing card posted for track ``index`` in ``channel``."""

    party_id: int
    index: int
    channel: ChannelRef
    card_id: str
    drawn: str = ""  # what the card shows now (NowPlayingCard.fingerprint): same, no edit


@dataclass(frozen=True, slots=True)
class MomentDraft:
    """A comment stamped with the song that played and its position."""

    group_id: int
    item_id: int
    position_ms: int
    party_id: int | None
    message_id: int
    platform: str  # where it was written: discord | slack | web
    at: float


@dataclass(frozen=True, slots=True)
class Moment:
    id: int
    item_id: int
    position_ms: int
    text: str
    author: str
    platform: str
    party_id: int | None
    at: float
    by_artist: bool = False


class PartyStore(Protocol):
    async def create_party(
        self, draft: PartyDraft, *, state: PartyState, at: float, enqueue: Sequence[OutboxDraft]
    ) -> Party:
        """The new party, with the outbox items that follow from it, in one transaction."""
        ...

    async def get_party(self, party_id: int) -> Party | None: ...

    async def save_party(self, party: Party, *, enqueue: Sequence[OutboxDraft] = ()) -> bool:
        """Compare-and-set: write ``party`` (its version + 1) if the stored version is still
        ``party.version``, with ``enqueue`` in the same transaction. True for the one caller
        that won."""
        ...

    async def group_parties(self, group_id: int, *, limit: int = 20) -> list[Party]:
        """The group's parties, live ones first, then the newest."""
        ...

    async def live_parties(self) -> list[Party]:
        """Every party that is scheduled, playing or paused."""
        ...

    async def playing_party(self, group_id: int) -> Party | None:
        """The group's party that is playing or paused (read on every message: kept in
        memory, dropped on any change by any worker)."""
        ...

    async def add_party_card(self, ref: PartyCardRef) -> None: ...

    async def party_cards(self, party_id: int, index: int) -> list[PartyCardRef]: ...

    async def card_drawn(self, ref: PartyCardRef, drawn: str) -> None:
        """The card now shows ``drawn`` (its fingerprint after an edit)."""
        ...

    async def add_moment(self, draft: MomentDraft) -> None: ...

    async def party_moment_count(self, party_id: int) -> int: ...

    async def item_moments(self, group_id: int, item_id: int, *, limit: int = 500) -> list[Moment]:
        """The song's moments in the group, by position: deleted messages and banned people's
        are left out; the text is the message's current text."""
        ...

    def watch_parties(self, changed: Callable[[], None]) -> None:
        """Call ``changed`` when another worker changes any party (and when the store's copies
        are dropped): the rooms and the timer look again."""
        ...
