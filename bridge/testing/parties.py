"""Listening parties in memory: compare-and-set saves written with their outbox items, the cards
posted per channel, and the moments (once per message and song). One process holds the memory
store, so no other worker ever changes a party behind its back: ``watch_parties`` only
registers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from bridge.ids import ChannelRef, Role
from bridge.party.model import (
    Moment,
    MomentDraft,
    Party,
    PartyCardRef,
    PartyDraft,
    PartyState,
)
from bridge.records import OutboxDraft
from bridge.testing.messages import add_outbox_rows
from bridge.testing.moderation import MemoryModeration
from bridge.testing.tables import Tables
from bridge.text import Document

ON = (PartyState.PLAYING, PartyState.PAUSED)


def _stored(party: Party) -> Party:
    """The party as the SQL store reads it back: its draft's queue and ``allow_adds`` are the
    current ones."""
    draft = replace(party.draft, queue=party.queue, allow_adds=party.allow_adds)
    return replace(party, draft=draft)


class MemoryParties:
    def __init__(self, tables: Tables) -> None:
        self.t = tables
        self.parties: dict[int, Party] = {}
        self.cards: dict[tuple[int, int, ChannelRef], PartyCardRef] = {}
        self.watchers: list[Callable[[], None]] = []
        self._bans = MemoryModeration(tables)

    async def create_party(
        self, draft: PartyDraft, *, state: PartyState, at: float, enqueue: Sequence[OutboxDraft]
    ) -> Party:
        party = Party(
            id=self.t.next_id("party"),
            draft=draft,
            state=state,
            queue=draft.queue,
            index=0,
            track_zero_at=draft.starts_at,
            paused_at=None,
            version=0,
            allow_adds=draft.allow_adds,
        )
        self.parties[party.id] = _stored(party)
        add_outbox_rows(self.t, enqueue, at)
        return self.parties[party.id]

    async def get_party(self, party_id: int) -> Party | None:
        return self.parties.get(party_id)

    async def save_party(self, party: Party, *, enqueue: Sequence[OutboxDraft] = ()) -> bool:
        found = self.parties.get(party.id)
        if found is None or found.version != party.version:
            return False
        self.parties[party.id] = _stored(replace(party, version=party.version + 1))
        add_outbox_rows(self.t, enqueue, self.t.clock.now())
        return True

    async def group_parties(self, group_id: int, *, limit: int = 20) -> list[Party]:
        mine = [p for p in self.parties.values() if p.group_id == group_id]
        return sorted(mine, key=lambda p: (not p.state.live, -p.id))[:limit]

    async def live_parties(self) -> list[Party]:
        return [p for p in self.parties.values() if p.state.live]

    async def playing_party(self, group_id: int) -> Party | None:
        on = [p for p in self.parties.values() if p.group_id == group_id and p.state in ON]
        return on[-1] if on else None

    def watch_parties(self, changed: Callable[[], None]) -> None:
        self.watchers.append(changed)

    async def add_party_card(self, ref: PartyCardRef) -> None:
        self.cards.setdefault((ref.party_id, ref.index, ref.channel), ref)

    async def card_drawn(self, ref: PartyCardRef, drawn: str) -> None:
        key = (ref.party_id, ref.index, ref.channel)
        if key in self.cards:
            self.cards[key] = replace(self.cards[key], drawn=drawn)

    async def party_cards(self, party_id: int, index: int) -> list[PartyCardRef]:
        return [c for c in self.cards.values() if (c.party_id, c.index) == (party_id, index)]

    async def add_moment(self, draft: MomentDraft) -> None:
        key = (draft.message_id, draft.item_id)
        if key not in self.t.moments:
            stamped = replace(draft, position_ms=max(0, draft.position_ms))
            self.t.moments[key] = (self.t.next_id("moment"), stamped)

    async def party_moment_count(self, party_id: int) -> int:
        return sum(1 for _, m in self.t.moments.values() if m.party_id == party_id)

    async def item_moments(self, group_id: int, item_id: int, *, limit: int = 500) -> list[Moment]:
        song = [
            (moment_id, m)
            for moment_id, m in self.t.moments.values()
            if (m.group_id, m.item_id) == (group_id, item_id)
        ]
        song.sort(key=lambda found: (found[1].position_ms, found[0]))
        shown = [await self._moment(moment_id, m) for moment_id, m in song]
        return [m for m in shown if m is not None][:limit]

    async def _moment(self, moment_id: int, draft: MomentDraft) -> Moment | None:
        """The moment as shown: None when its message is deleted or its author banned."""
        message = self.t.messages.get(draft.message_id)
        if message is None or message.deleted_at is not None:
            return None
        account = self.t.accounts.get(message.author) if message.author is not None else None
        member = account.member_id if account is not None else None
        if member is not None and await self._bans.is_banned(draft.group_id, member):
            return None
        return Moment(
            id=moment_id,
            item_id=draft.item_id,
            position_ms=draft.position_ms,
            text=Document.from_json(message.text).plain(),
            author=account.display_name if account is not None else "",
            platform=draft.platform,
            party_id=draft.party_id,
            at=draft.at,
            by_artist=member is not None and self._artist(draft.group_id, member),
        )

    def _artist(self, group_id: int, member_id: int) -> bool:
        return any(
            (r.group_id, r.member_id, r.role) == (group_id, member_id, Role.ARTIST)
            for r in self.t.roles
        )
