"""Polls in memory: compare-and-set saves written with their outbox items, one vote per
member, a platform poll's votes, and the cards per channel. One process holds the memory store,
so ``watch_polls`` only registers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace

from bridge.ids import ChannelRef
from bridge.polls.model import (
    CardKind,
    Counts,
    FollowUp,
    Poll,
    PollCardRef,
    PollDraft,
    PollState,
    Vote,
)
from bridge.records import OutboxDraft
from bridge.testing.messages import add_outbox_rows
from bridge.testing.tables import Tables


class MemoryPolls:
    def __init__(self, tables: Tables) -> None:
        self.t = tables
        self.polls: dict[int, Poll] = {}
        self.votes: dict[tuple[int, int], tuple[int, Vote]] = {}  # (poll, member) -> (seq, vote)
        self.native: set[tuple[int, str, int]] = set()
        self.cards: dict[tuple[int, ChannelRef, CardKind], PollCardRef] = {}
        self.watchers: list[Callable[[], None]] = []

    async def create_poll(self, draft: PollDraft, *, at: float, enqueue: FollowUp) -> Poll:
        poll = Poll(
            id=self.t.next_id("poll"), draft=draft, state=PollState.OPEN, version=0, created_at=at
        )
        self.polls[poll.id] = poll
        add_outbox_rows(self.t, enqueue(poll.id), at)
        return poll

    async def get_poll(self, poll_id: int) -> Poll | None:
        return self.polls.get(poll_id)

    async def save_poll(self, poll: Poll, *, enqueue: Sequence[OutboxDraft] = ()) -> bool:
        found = self.polls.get(poll.id)
        if found is None or found.version != poll.version:
            return False
        self.polls[poll.id] = replace(poll, version=poll.version + 1)
        add_outbox_rows(self.t, enqueue, self.t.clock.now())
        return True

    async def group_polls(self, group_id: int, *, limit: int = 20) -> list[Poll]:
        mine = [p for p in self.polls.values() if p.group_id == group_id]
        return sorted(mine, key=lambda p: -p.id)[:limit]

    async def open_polls(self) -> list[Poll]:
        return [p for p in self.polls.values() if p.is_open]

    async def native_poll(self, channel: ChannelRef, message_id: str) -> Poll | None:
        for poll in self.polls.values():
            native = poll.draft.native
            if native is not None and (native.channel, native.message_id) == (channel, message_id):
                return poll
        return None

    def watch_polls(self, changed: Callable[[], None]) -> None:
        self.watchers.append(changed)

    async def member_vote(self, poll_id: int, member_id: int) -> int | None:
        found = self.votes.get((poll_id, member_id))
        return found[1].option if found is not None else None

    async def set_vote(
        self, poll_id: int, member_id: int, option: int | None, *, name: str, at: float
    ) -> None:
        self.votes.pop((poll_id, member_id), None)
        if option is not None:
            seq = self.t.next_id("poll_vote")
            self.votes[(poll_id, member_id)] = (seq, Vote(member_id, option, name[:200]))

    async def set_native_vote(self, poll_id: int, user: str, option: int, *, added: bool) -> None:
        key = (poll_id, user[:64], option)
        if added:
            self.native.add(key)
        else:
            self.native.discard(key)

    async def poll_counts(self, poll_id: int) -> Counts:
        mine = sorted((seq, v) for (p, _), (seq, v) in self.votes.items() if p == poll_id)
        native = Counter(option for p, _, option in self.native if p == poll_id)
        return Counts(votes=tuple(v for _, v in mine), native=dict(native))

    async def add_poll_card(self, ref: PollCardRef) -> None:
        self.cards.setdefault((ref.poll_id, ref.channel, ref.kind), ref)

    async def poll_cards(self, poll_id: int) -> list[PollCardRef]:
        return [c for c in self.cards.values() if c.poll_id == poll_id]
