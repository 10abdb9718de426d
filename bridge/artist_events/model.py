"""Artist events as the core sees them: a concert, a signing or a stream an artist (or a
moderator) announces to a group, with when and where, tickets and merch links, and the fans
interested in it. Stored so a restart loses nothing, and changed only by compare-and-set of its
``version`` (one worker sends each reminder). The platform copies (a Discord server's scheduled
event, a Slack channel's card) are kept per channel; interest is kept per account and counted
per person (linked accounts are one member)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bridge.ids import ChannelRef, Platform, UserRef
from bridge.records import OutboxDraft

REMINDERS = (86400.0, 3600.0)  # 24 hours and 1 hour before
DEFAULT_LENGTH = 3 * 3600.0  # an event's end when nobody said: 3 hours after its start


class EventState(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class EventDetails:
    """What the fans see; an edit replaces it."""

    title: str
    starts_at: float  # UTC timestamp
    ends_at: float
    place: str = ""  # "venue, city"
    tickets: str = ""  # URLs ("" when none)
    merch: str = ""
    online: str = ""


@dataclass(frozen=True, slots=True)
class EventDraft:
    group_id: int
    author: UserRef
    author_name: str
    details: EventDetails
    zone: str = "UTC"  # the zone the author's times were read in


@dataclass(frozen=True, slots=True)
class ArtistEvent:
    id: int
    draft: EventDraft
    details: EventDetails  # the current ones (edits replace them)
    state: EventState
    version: int
    created_at: float
    reminded: int = 0  # how many of REMINDERS were sent (or had passed when it was made)

    @property
    def group_id(self) -> int:
        return self.draft.group_id

    def past(self, now: float) -> bool:
        return self.details.ends_at <= now


@dataclass(frozen=True, slots=True)
class EventCopyRef:
    """Event ``event_id`` as shown through ``channel``: a Slack card's ``ts``, or the id of the
    scheduled event in the Discord server the channel is in."""

    event_id: int
    channel: ChannelRef
    copy_id: str
    drawn: str = ""  # a digest of what the copy shows now (a redraw that changes nothing: no call)


class ArtistEventStore(Protocol):
    async def create_artist_event(
        self, draft: EventDraft, *, at: float, reminded: int, enqueue: Sequence[OutboxDraft]
    ) -> ArtistEvent:
        """The new event with the outbox items that follow from it, in one transaction."""
        ...

    async def get_artist_event(self, event_id: int) -> ArtistEvent | None: ...

    async def save_artist_event(
        self, event: ArtistEvent, *, enqueue: Sequence[OutboxDraft] = ()
    ) -> bool:
        """Compare-and-set: write ``event`` (its version + 1) if the stored version is still
        ``event.version``, with ``enqueue`` in the same transaction; True for the one winner."""
        ...

    async def group_artist_events(self, group_id: int, *, limit: int = 200) -> list[ArtistEvent]:
        """The group's events by start time (cancelled ones too)."""
        ...

    async def pending_artist_events(self) -> list[ArtistEvent]:
        """Scheduled events with a reminder still to send."""
        ...

    async def live_artist_events(self, now: float) -> list[ArtistEvent]:
        """Scheduled events that are not over at ``now``."""
        ...

    def watch_artist_events(self, changed: Callable[[], None]) -> None:
        """Call ``changed`` when another worker changes any event: the timer looks again."""
        ...

    async def add_event_copy(self, ref: EventCopyRef) -> None: ...

    async def event_copies(self, event_id: int) -> list[EventCopyRef]: ...

    async def set_event_copy_drawn(self, event_id: int, channel: ChannelRef, drawn: str) -> None:
        """What the copy through ``channel`` shows now (a digest of its card)."""
        ...

    async def find_event_copy(
        self, platform: Platform, workspace: str, copy_id: str
    ) -> EventCopyRef | None:
        """The copy whose platform id is ``copy_id`` in that workspace (Discord: server)."""
        ...

    async def set_event_interest(self, event_id: int, account_id: int, *, interested: bool) -> bool:
        """Mark (or unmark) the account interested; True when it changed."""
        ...

    async def interested_accounts(self, event_id: int) -> list[UserRef]:
        """The accounts marked interested (each as itself, linked or not)."""
        ...

    async def event_interest(self, event_id: int) -> int:
        """How many people are interested: one per member, however many of their accounts
        said so."""
        ...
