"""A party's moves: start, pause, resume, skip, stop, add, and the timer's ticks (reminders, the
scheduled start, each track's end). Each move is a compare-and-set of the party's version written
with the outbox items that follow from it (cards to post or redraw, notices), in one
transaction: whichever worker wins posts; a worker killed after the write leaves the items to the
outbox, before it leaves nothing. A lost race is retried on the fresh party."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Protocol

from bridge.actions import (
    OutboxAction,
    PartyCardAction,
    PartyCardUpdateAction,
    PartyNoticeAction,
)
from bridge.ids import ChannelRef
from bridge.party import clock as party_clock
from bridge.party import text
from bridge.party.model import (
    REMINDERS,
    Party,
    PartyDraft,
    PartyState,
    PartyStore,
    QueuedTrack,
)
from bridge.pipeline.due import ChangeHub
from bridge.ports import Clock, MessageStore, MusicStore, OutboxStore, RosterStore
from bridge.records import OutboxDraft

Move = Callable[[Party, float], Party | None]  # None: nothing to do
Follow = Callable[[Party, Party], Awaitable[list[OutboxDraft]]]  # the items a move queues
ATTEMPTS = 5


class PartyServiceStore(PartyStore, RosterStore, OutboxStore, MusicStore, MessageStore, Protocol):
    """The parties, the groups' channels and people, the music they play, the messages
    written from the room."""


class PartyService:
    def __init__(
        self,
        store: PartyServiceStore,
        clock: Clock,
        wake: Callable[[], None],
        hub: ChangeHub | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.wake = wake
        self.hub = hub or ChangeHub()

    # -- starting ----------------------------------------------------------------------------
    async def create(self, draft: PartyDraft, *, notice: bool = True) -> Party:
        """A new party: playing at once when it starts now (its first card in every linked
        channel), else scheduled (a notice says when, unless an announcement does)."""
        now = self.clock.now()
        channels = await self._channels(draft.group_id)
        starts_now = draft.starts_at <= now
        draft = replace(draft, starts_at=now) if starts_now else draft
        party = await self.store.create_party(draft, state=PartyState.SCHEDULED, at=now, enqueue=[])
        if starts_now:
            started = await self._start(party.id, channels, notice=False)
            return started or party
        passed = sum(1 for before in REMINDERS if draft.starts_at - before <= now)
        line = [self._notice(c, party.id, text.scheduled(party)) for c in channels]
        moved = await self._apply(
            party.id,
            lambda p, _: replace(p, reminded=passed),
            _always(line if notice else []),
            force=True,  # the notice goes out even when no reminder had passed
        )
        return moved or party

    async def _start(
        self, party_id: int, channels: list[ChannelRef], *, notice: bool
    ) -> Party | None:
        """Scheduled to playing, once: the first track's card everywhere (after a notice)."""

        async def follow(old: Party, new: Party) -> list[OutboxDraft]:
            line = [self._notice(c, new.id, text.starting(new)) for c in channels] if notice else []
            return line + self._cards(channels, new.id, [], [0])

        def start(party: Party, at: float) -> Party | None:
            if party.state is not PartyState.SCHEDULED:
                return None
            return party_clock.started(party, at) if party.queue else party_clock.ended(party, at)

        return await self._apply(party_id, start, follow)

    @staticmethod
    def _notice(channel: ChannelRef, party_id: int, line: str) -> OutboxDraft:
        return OutboxDraft(channel, PartyNoticeAction(party_id=party_id, text=line))

    # -- moves ----------------------------------------------------------------------------
    async def pause(self, party_id: int) -> Party | None:
        return await self._control(party_id, _pause)

    async def resume(self, party_id: int) -> Party | None:
        return await self._control(party_id, _resume)

    async def skip(self, party_id: int) -> Party | None:
        return await self._control(party_id, _skip)

    async def stop(self, party_id: int) -> Party | None:
        return await self._control(party_id, _stop)

    async def add(self, party_id: int, tracks: Sequence[QueuedTrack]) -> Party | None:
        def added(party: Party, _: float) -> Party | None:
            if not party.state.live:
                return None
            return replace(party, queue=party.queue + tuple(tracks))

        return await self._apply(party_id, added)

    async def set_adds(self, party_id: int, allowed: bool) -> Party | None:
        return await self._apply(party_id, lambda p, _: replace(p, allow_adds=allowed))

    async def tick(self, party_id: int) -> Party | None:
        """What the timer does when the party is due: a reminder, the start, tracks' ends."""
        party = await self.store.get_party(party_id)
        if party is None or not party.state.live:
            return party
        now = self.clock.now()
        if party.state is PartyState.SCHEDULED:
            return await self._scheduled_tick(party, now)
        return await self._control(party_id, party_clock.played_through)

    async def _scheduled_tick(self, party: Party, now: float) -> Party | None:
        starts = party.draft.starts_at
        channels = await self._channels(party.group_id)
        if starts <= now:
            return await self._start(party.id, channels, notice=True)
        due = [b for b in REMINDERS[party.reminded :] if starts - b <= now]
        if not due:
            return party
        line = [self._notice(c, party.id, text.reminder(party, due[-1])) for c in channels]
        count = party.reminded + len(due)
        return await self._apply(party.id, lambda p, _: _reminded(p, count), _always(line))

    async def _control(self, party_id: int, move: Move) -> Party | None:
        """A move that may change the current track: the old card is drawn again, the new
        track's card posted, and a summary closes the party when it ends."""
        party = await self.store.get_party(party_id)
        if party is None:
            return None
        channels = await self._channels(party.group_id)
        return await self._apply(
            party_id, move, lambda old, new: self._follow_up(old, new, channels)
        )

    async def _follow_up(
        self, old: Party, new: Party, channels: list[ChannelRef]
    ) -> list[OutboxDraft]:
        redraw = [old.index] if old.track is not None else []
        post = [new.index] if new.index != old.index and new.track is not None else []
        drafts = self._cards(channels, new.id, redraw, post)
        if old.state.live and new.state is PartyState.ENDED:
            line = text.summary(new, await self.store.party_moment_count(new.id))
            drafts += [self._notice(c, new.id, line) for c in channels]
        return drafts

    def _cards(
        self, channels: list[ChannelRef], party_id: int, redraw: list[int], post: list[int]
    ) -> list[OutboxDraft]:
        actions: list[OutboxAction] = [
            PartyCardUpdateAction(party_id=party_id, index=i) for i in redraw
        ]
        actions += [PartyCardAction(party_id=party_id, index=i) for i in post]
        return [OutboxDraft(c, a) for c in channels for a in actions]

    async def _apply(
        self,
        party_id: int,
        move: Move,
        follow: Follow | None = None,
        *,
        force: bool = False,
    ) -> Party | None:
        """Compare-and-set ``move`` on the freshest party (a lost race is tried again)."""
        for _ in range(ATTEMPTS):
            party = await self.store.get_party(party_id)
            if party is None:
                return None
            moved = move(party, self.clock.now())
            if moved is None or (moved == party and not force):
                return party
            drafts = await follow(party, moved) if follow is not None else []
            if await self.store.save_party(moved, enqueue=drafts):
                self._changed()
                if drafts:
                    self.wake()
                return replace(moved, version=party.version + 1)
        return await self.store.get_party(party_id)

    async def _channels(self, group_id: int) -> list[ChannelRef]:
        links = await self.store.links_for_group(group_id)
        return [lk.channel for lk in links if lk.direction.receives]

    def _changed(self) -> None:
        self.hub.changed()


def _pause(party: Party, at: float) -> Party | None:
    party = party_clock.played_through(party, at)
    return party_clock.paused(party, at) if party.state is PartyState.PLAYING else party


def _resume(party: Party, at: float) -> Party | None:
    return party_clock.resumed(party, at) if party.state is PartyState.PAUSED else party


def _skip(party: Party, at: float) -> Party | None:
    party = party_clock.played_through(party, at)
    if party.state not in (PartyState.PLAYING, PartyState.PAUSED):
        return party
    return party_clock.skipped(party, at)


def _stop(party: Party, at: float) -> Party | None:
    return party_clock.ended(party, at) if party.state.live else party


def _reminded(party: Party, count: int) -> Party | None:
    if party.state is not PartyState.SCHEDULED:
        return None
    return replace(party, reminded=max(party.reminded, count))


def _always(drafts: list[OutboxDraft]) -> Follow:
    async def follow(old: Party, new: Party) -> list[OutboxDraft]:
        return drafts

    return follow
