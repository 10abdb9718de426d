"""Artist events in memory: compare-and-set saves written with their outbox items, the copies per
channel, and interest per account counted per member (linked accounts are one person)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from bridge.artist_events.model import (
    REMINDERS,
    ArtistEvent,
    EventCopyRef,
    EventDraft,
    EventState,
)
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.records import OutboxDraft
from bridge.testing.messages import add_outbox_rows
from bridge.testing.tables import Tables


class MemoryArtistEvents:
    def __init__(self, tables: Tables) -> None:
        self.t = tables
        self.events: dict[int, ArtistEvent] = {}
        self.copies: dict[tuple[int, ChannelRef], EventCopyRef] = {}
        self.interest: set[tuple[int, int]] = set()  # event id, account id

    async def create_artist_event(
        self, draft: EventDraft, *, at: float, reminded: int, enqueue: Sequence[OutboxDraft]
    ) -> ArtistEvent:
        event = ArtistEvent(
            id=self.t.next_id("artist_event"),
            draft=draft,
            details=draft.details,
            state=EventState.SCHEDULED,
            version=0,
            created_at=at,
            reminded=reminded,
        )
        self.events[event.id] = event
        add_outbox_rows(self.t, enqueue, at)
        return event

    async def get_artist_event(self, event_id: int) -> ArtistEvent | None:
        return self.events.get(event_id)

    async def save_artist_event(
        self, event: ArtistEvent, *, enqueue: Sequence[OutboxDraft] = ()
    ) -> bool:
        found = self.events.get(event.id)
        if found is None or found.version != event.version:
            return False
        draft = replace(event.draft, details=event.details)
        self.events[event.id] = replace(event, draft=draft, version=event.version + 1)
        add_outbox_rows(self.t, enqueue, self.t.clock.now())
        return True

    async def group_artist_events(self, group_id: int, *, limit: int = 200) -> list[ArtistEvent]:
        mine = [e for e in self.events.values() if e.group_id == group_id]
        return sorted(mine, key=lambda e: (e.details.starts_at, e.id))[:limit]

    async def pending_artist_events(self) -> list[ArtistEvent]:
        return [
            e
            for e in self.events.values()
            if e.state is EventState.SCHEDULED and e.reminded < len(REMINDERS)
        ]

    async def live_artist_events(self, now: float) -> list[ArtistEvent]:
        return [
            e
            for e in self.events.values()
            if e.state is EventState.SCHEDULED and e.details.ends_at > now
        ]

    def watch_artist_events(self, changed: Callable[[], None]) -> None:
        """One process holds the memory store: nobody else changes an event."""

    async def add_event_copy(self, ref: EventCopyRef) -> None:
        self.copies.setdefault((ref.event_id, ref.channel), ref)

    async def event_copies(self, event_id: int) -> list[EventCopyRef]:
        return [c for c in self.copies.values() if c.event_id == event_id]

    async def set_event_copy_drawn(self, event_id: int, channel: ChannelRef, drawn: str) -> None:
        found = self.copies.get((event_id, channel))
        if found is not None:
            self.copies[(event_id, channel)] = replace(found, drawn=drawn)

    async def find_event_copy(
        self, platform: Platform, workspace: str, copy_id: str
    ) -> EventCopyRef | None:
        for ref in self.copies.values():
            ch = ref.channel
            if (ch.platform, ch.workspace, ref.copy_id) == (platform, workspace, copy_id):
                return ref
        return None

    async def set_event_interest(self, event_id: int, account_id: int, *, interested: bool) -> bool:
        key = (event_id, account_id)
        if (key in self.interest) == interested:
            return False
        if interested:
            self.interest.add(key)
        else:
            self.interest.discard(key)
        return True

    async def interested_accounts(self, event_id: int) -> list[UserRef]:
        ids = sorted(a for e, a in self.interest if e == event_id)
        users = {a.id: a.user for a in self.t.accounts.values()}
        return [users[a] for a in ids if a in users]

    async def event_interest(self, event_id: int) -> int:
        members = {a.id: a.member_id for a in self.t.accounts.values()}
        return len({members[a] for e, a in self.interest if e == event_id and a in members})
