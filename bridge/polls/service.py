"""A poll's moves: create (its card in every linked channel), vote (one per member: a click on
your current option withdraws it, on another changes it), a vote of the platform's own poll,
the debounced redraws, and close (by command or at the deadline). Closing is a compare-and-set
of the poll's version written with the outbox items that follow (the cards redrawn, the results
posted) in one transaction: whichever worker wins posts, exactly once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from bridge.actions import PollCardAction, PollCardUpdateAction, PollResultsAction
from bridge.ids import ChannelRef, UserRef
from bridge.pipeline.due import ChangeHub
from bridge.polls.model import Poll, PollDraft, PollState, PollStore
from bridge.polls.redraw import Redraws
from bridge.ports import Clock, OutboxStore, RosterStore
from bridge.records import OutboxDraft

log = logging.getLogger(__name__)
ATTEMPTS = 5
RESCAN = 30.0  # read the open polls again at least this often (a poll made by hand)


@dataclass(frozen=True, slots=True)
class Deadlines:
    read_at: float
    soonest: float | None

    def fresh(self, now: float) -> bool:
        """Still true: read lately, and no deadline passed since."""
        passed = self.soonest is not None and self.soonest <= now
        return self.read_at + RESCAN > now and not passed


class Voted(StrEnum):
    CAST = "cast"
    CHANGED = "changed"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"  # the poll is closed: nothing changed
    UNKNOWN = "unknown"  # no such poll or option


@dataclass(frozen=True, slots=True)
class VoteResult:
    outcome: Voted
    poll: Poll | None = None
    option: int | None = None  # the member's vote now


class PollServiceStore(PollStore, RosterStore, OutboxStore, Protocol):
    """The polls and their votes, the groups' channels and people, the outbox."""


class PollService:
    def __init__(
        self,
        store: PollServiceStore,
        clock: Clock,
        wake: Callable[[], None],
        hub: ChangeHub | None = None,
        redraws: Redraws | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.wake = wake
        self.hub = hub or ChangeHub()  # the timer waits on it: a vote, a new poll, a close
        self.redraws = redraws or Redraws()
        self._deadlines: Deadlines | None = None  # the open polls' next deadline, as last read

    async def create(self, draft: PollDraft) -> Poll:
        """The poll, and its card queued for every linked channel, in one transaction."""
        channels = await self.channels(draft.group_id)
        self.polls_changed()
        poll = await self.store.create_poll(
            draft,
            at=self.clock.now(),
            enqueue=lambda poll_id: [
                OutboxDraft(c, PollCardAction(poll_id=poll_id)) for c in channels
            ],
        )
        self.hub.changed()
        self.wake()
        return poll

    # -- votes -------------------------------------------------------------------------------
    async def vote(self, poll_id: int, user: UserRef, name: str, option: int) -> VoteResult:
        poll = await self.store.get_poll(poll_id)
        if poll is None or not 0 <= option < len(poll.options):
            return VoteResult(Voted.UNKNOWN, poll)
        if not poll.is_open or poll.due(self.clock.now()):
            return VoteResult(Voted.CLOSED, poll)
        account = await self.store.upsert_account(user=user, display_name=name or user.user)
        before = await self.store.member_vote(poll_id, account.member_id)
        now = None if before == option else option
        await self.store.set_vote(
            poll_id, account.member_id, now, name=account.display_name, at=self.clock.now()
        )
        self.tally_moved(poll_id)
        outcome = (
            Voted.WITHDRAWN if now is None else Voted.CAST if before is None else Voted.CHANGED
        )
        return VoteResult(outcome, poll, now)

    async def native_vote(self, poll: Poll, user: str, answer_id: int, *, added: bool) -> bool:
        """A vote of the platform's own poll: counted with the bridge's."""
        index = next((i for i, o in enumerate(poll.options) if o.answer_id == answer_id), None)
        if index is None or not poll.is_open:
            return False
        await self.store.set_native_vote(poll.id, user, index, added=added)
        self.tally_moved(poll.id)
        return True

    def tally_moved(self, poll_id: int) -> None:
        """The cards show it within the redraw interval (one redraw for many votes)."""
        self.redraws.want(poll_id)
        self.hub.changed()

    async def redraw_due(self) -> float | None:
        """Queue the redraws whose time came; when the next one may."""
        for poll_id in self.redraws.take(self.clock.now()):
            await self._redraw(poll_id)
        return self.redraws.due_at()

    async def _redraw(self, poll_id: int) -> None:
        poll = await self.store.get_poll(poll_id)
        if poll is None or not poll.is_open:
            return  # a closed poll's close drew its cards
        # every linked channel, not only those whose card is known: a card still being posted
        # is redrawn after it (one channel's items go out in order)
        channels = await self.channels(poll.group_id)
        drafts = [OutboxDraft(c, PollCardUpdateAction(poll_id=poll_id)) for c in channels]
        if drafts:
            await self.store.enqueue(drafts, at=self.clock.now())
            self.wake()

    # -- closing -----------------------------------------------------------------------------
    async def close(self, poll_id: int) -> Poll | None:
        """Open to closed, once across workers: the cards redrawn with the result, and the
        results posted in every linked channel. None: no such poll."""
        for _ in range(ATTEMPTS):
            poll = await self.store.get_poll(poll_id)
            if poll is None or not poll.is_open:
                return poll
            closed = replace(poll, state=PollState.CLOSED, closed_at=self.clock.now())
            if await self.store.save_poll(closed, enqueue=await self._closing(poll)):
                self.redraws.forget(poll_id)
                self.polls_changed()
                self.wake()
                log.info("poll %s closed", poll_id)
                return replace(closed, version=poll.version + 1)
        return await self.store.get_poll(poll_id)

    async def _closing(self, poll: Poll) -> list[OutboxDraft]:
        channels = await self.channels(poll.group_id)
        actions = (PollCardUpdateAction(poll_id=poll.id), PollResultsAction(poll_id=poll.id))
        return [OutboxDraft(c, a) for c in channels for a in actions]

    def polls_changed(self) -> None:
        """A poll was made or closed (here, or by another worker): deadlines are read again."""
        self._deadlines = None
        self.hub.changed()

    async def close_due(self) -> float | None:
        """Close every open poll past its deadline; the next deadline. The open polls are read
        again only when a poll changed, a deadline passed or ``RESCAN`` seconds went by, not at
        every vote that wakes the timer."""
        now = self.clock.now()
        known = self._deadlines
        if known is not None and known.fresh(now):
            return known.soonest
        self._deadlines = None
        soonest: float | None = None
        for poll in await self.store.open_polls():
            if poll.due(now):
                await self.close(poll.id)
            elif poll.draft.closes_at is not None:
                closes = poll.draft.closes_at
                soonest = closes if soonest is None else min(soonest, closes)
        if self._deadlines is None:  # nothing changed meanwhile
            self._deadlines = Deadlines(now, soonest)
        return soonest

    async def channels(self, group_id: int) -> list[ChannelRef]:
        links = await self.store.links_for_group(group_id)
        return [lk.channel for lk in links if lk.direction.receives]
