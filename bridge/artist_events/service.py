"""An event's moves: create, edit, cancel, interest, and the timer's reminders. Each move is a
compare-and-set of the event's version written with the outbox items that follow from it (the
copies to post or redraw, the notices), in one transaction: whichever worker wins posts. A lost
race is tried again on the fresh event."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Protocol

from bridge.actions import ArtistEventNoticeAction, ArtistEventSyncAction
from bridge.artist_events import card as text
from bridge.artist_events.model import (
    REMINDERS,
    ArtistEvent,
    ArtistEventStore,
    EventDetails,
    EventDraft,
    EventState,
)
from bridge.events import EventInterestChanged
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.outcome import EventHandlers, Ignored, Outcome, Reply
from bridge.pipeline.due import ChangeHub
from bridge.ports import Clock, OutboxStore, RosterStore
from bridge.records import OutboxDraft

Move = Callable[[ArtistEvent], ArtistEvent | None]
Follow = Callable[[ArtistEvent], Awaitable[list[OutboxDraft]]]
ATTEMPTS = 5


class EventServiceStore(ArtistEventStore, RosterStore, OutboxStore, Protocol):
    """The events, the groups' channels and the people."""


def passed(starts_at: float, now: float) -> int:
    """How many reminders lie in the past for an event starting at ``starts_at``."""
    return sum(1 for before in REMINDERS if starts_at - before <= now)


def next_due(event: ArtistEvent) -> float | None:
    if event.state is not EventState.SCHEDULED or event.reminded >= len(REMINDERS):
        return None
    return event.details.starts_at - REMINDERS[event.reminded]


class ArtistEventService:
    def __init__(
        self,
        store: EventServiceStore,
        clock: Clock,
        wake: Callable[[], None],
        hub: ChangeHub | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.wake = wake
        self.hub = hub or ChangeHub()

    async def create(self, draft: EventDraft) -> ArtistEvent:
        """The event, and its copy in every linked Slack channel and Discord server."""
        now = self.clock.now()
        targets = await self.copy_targets(draft.group_id)
        event = await self.store.create_artist_event(
            draft, at=now, reminded=passed(draft.details.starts_at, now), enqueue=[]
        )
        drafts = [OutboxDraft(t, ArtistEventSyncAction(event_id=event.id)) for t in targets]
        moved = await self._apply(event.id, lambda e: e, _always(drafts), force=True)
        return moved or event

    async def edit(self, event_id: int, details: EventDetails) -> ArtistEvent | None:
        def edited(event: ArtistEvent) -> ArtistEvent | None:
            if event.state is not EventState.SCHEDULED:
                return None
            again = passed(details.starts_at, self.clock.now())
            return replace(event, details=details, reminded=again)

        return await self._apply(event_id, edited, self._redraw)

    async def cancel(self, event_id: int) -> ArtistEvent | None:
        def cancelled(event: ArtistEvent) -> ArtistEvent | None:
            return replace(event, state=EventState.CANCELLED) if _live(event) else None

        async def follow(event: ArtistEvent) -> list[OutboxDraft]:
            line = text.cancelled(event)
            notices = [self._notice(c, event.id, line) for c in await self.channels(event)]
            return await self._redraw(event) + notices

        return await self._apply(event_id, cancelled, follow)

    def handlers(self) -> EventHandlers:
        return {EventInterestChanged: self.on_interest}

    async def on_interest(self, event: EventInterestChanged) -> Outcome:
        """A Slack card's button (answered to the clicker) or Discord's own "Interested"."""
        event_id = event.event_id
        if event_id is None:
            where = event.channel
            copy = await self.store.find_event_copy(where.platform, where.workspace, event.copy_id)
            if copy is None:
                return Ignored("not an artist event's scheduled event")
            event_id = copy.event_id
        count = await self.interest(event_id, event.user, event.display_name, on=event.interested)
        if count is None:
            return Reply("That event no longer exists.", ephemeral=True)
        return Reply(f"{text.interest_line(count)} across Discord and Slack.", ephemeral=True)

    async def interest(
        self, event_id: int, user: UserRef, name: str, *, on: bool | None
    ) -> int | None:
        """``user`` is (or is no longer; ``on`` None: a click toggles) interested; the new
        count (None: no such event). Every copy is drawn again when the count moved."""
        event = await self.store.get_artist_event(event_id)
        if event is None:
            return None
        account = await self.store.get_account(user)
        if account is None:
            account = await self.store.upsert_account(user=user, display_name=name or user.user)
        before = await self.store.event_interest(event_id)
        wanted = True if on is None else on
        changed = await self.store.set_event_interest(event_id, account.id, interested=wanted)
        if on is None and not changed:  # a second click withdraws
            await self.store.set_event_interest(event_id, account.id, interested=False)
        after = await self.store.event_interest(event_id)
        if after != before and _live(event):
            await self.store.enqueue(await self._redraw(event), at=self.clock.now())
            self.wake()
        return after

    async def reconcile(
        self, event_id: int, where: ChannelRef, found: Sequence[tuple[str, str]]
    ) -> int | None:
        """The platform's own list of who is interested in the copy through ``where`` (read
        after the bridge was away, when its gateway events were missed): people it lists are
        marked, those it no longer lists withdrawn; the new count."""
        event = await self.store.get_artist_event(event_id)
        if event is None:
            return None
        scope = (where.platform, where.workspace)
        marked = {
            u
            for u in await self.store.interested_accounts(event_id)
            if (u.platform, u.workspace) == scope
        }
        listed = {UserRef(where.platform, where.workspace, uid): name for uid, name in found}
        before = await self.store.event_interest(event_id)
        for user in [*listed.keys() - marked, *marked - listed.keys()]:
            account = await self.store.get_account(user)
            if account is None:
                account = await self.store.upsert_account(user=user, display_name=listed[user])
            await self.store.set_event_interest(event_id, account.id, interested=user in listed)
        after = await self.store.event_interest(event_id)
        if after != before and _live(event):
            await self.store.enqueue(await self._redraw(event), at=self.clock.now())
            self.wake()
        return after

    async def tick(self, event_id: int) -> ArtistEvent | None:
        """A reminder that is due, in every linked channel (once: compare-and-set)."""
        now = self.clock.now()

        def reminded(event: ArtistEvent) -> ArtistEvent | None:
            due = next_due(event)
            if due is None or due > now:
                return None
            return replace(event, reminded=passed(event.details.starts_at, now))

        async def follow(event: ArtistEvent) -> list[OutboxDraft]:
            line = text.reminder(event, REMINDERS[event.reminded - 1])
            return [self._notice(c, event.id, line) for c in await self.channels(event)]

        return await self._apply(event_id, reminded, follow)

    # -- where copies go -----------------------------------------------------------------
    async def channels(self, event: ArtistEvent) -> list[ChannelRef]:
        links = await self.store.links_for_group(event.group_id)
        return [lk.channel for lk in links if lk.direction.receives]

    async def copy_targets(self, group_id: int) -> list[ChannelRef]:
        """Every linked Slack channel, and one channel per linked Discord server (a scheduled
        event belongs to the server)."""
        links = await self.store.links_for_group(group_id)
        chosen: dict[tuple[Platform, str], ChannelRef] = {}
        for link in sorted(links, key=lambda lk: str(lk.channel)):
            if not link.direction.receives:
                continue
            ch = link.channel
            key = (ch.platform, ch.workspace if ch.platform is Platform.DISCORD else ch.channel)
            chosen.setdefault(key, ch)
        return list(chosen.values())

    async def _redraw(self, event: ArtistEvent) -> list[OutboxDraft]:
        copies = {c.channel for c in await self.store.event_copies(event.id)}
        targets = dict.fromkeys(
            [*await self.copy_targets(event.group_id), *sorted(copies, key=str)]
        )
        return [OutboxDraft(t, ArtistEventSyncAction(event_id=event.id)) for t in targets]

    @staticmethod
    def _notice(channel: ChannelRef, event_id: int, line: str) -> OutboxDraft:
        return OutboxDraft(channel, ArtistEventNoticeAction(event_id=event_id, text=line))

    async def _apply(
        self, event_id: int, move: Move, follow: Follow, *, force: bool = False
    ) -> ArtistEvent | None:
        """Compare-and-set ``move`` on the freshest event (a lost race is tried again)."""
        for _ in range(ATTEMPTS):
            event = await self.store.get_artist_event(event_id)
            if event is None:
                return None
            moved = move(event)
            if moved is None or (moved == event and not force):
                return event
            drafts = await follow(moved)
            if await self.store.save_artist_event(moved, enqueue=drafts):
                self.hub.changed()
                if drafts:
                    self.wake()
                return replace(moved, version=event.version + 1)
        return await self.store.get_artist_event(event_id)


def _live(event: ArtistEvent) -> bool:
    return event.state is EventState.SCHEDULED


def _always(drafts: list[OutboxDraft]) -> Follow:
    async def follow(_: ArtistEvent) -> list[OutboxDraft]:
        return drafts

    return follow
