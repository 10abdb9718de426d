"""The party's room on the web, as the core sees it: what a room shows at a moment (the party,
its track with the position on the server's clock, the queue) and a fan writing from the room
into every linked channel under their name (a personal link names them)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from bridge.actions import PostAction
from bridge.ids import ChannelRef, UserRef
from bridge.party.clock import played_through, position_ms
from bridge.party.model import Moment, Party
from bridge.party.moments import MomentStamper
from bridge.party.service import PartyService
from bridge.records import MusicItem, OutboxDraft
from bridge.text import Document, Text

MAX_COMMENT = 2000


@dataclass(frozen=True, slots=True)
class RoomView:
    party: Party  # played through to ``server_now``
    track: MusicItem | None
    position_ms: int
    server_now: float
    queue: tuple[MusicItem | None, ...]
    moments: tuple[Moment, ...]  # the current song's, by position


class Room:
    def __init__(self, service: PartyService, stamper: MomentStamper) -> None:
        self.service = service
        self.stamper = stamper

    async def view(self, party_id: int) -> RoomView | None:
        store, now = self.service.store, self.service.clock.now()
        party = await store.get_party(party_id)
        if party is None:
            return None
        party = played_through(party, now)  # the timer may be a moment behind
        items = tuple([await store.get_item(t.item_id) for t in party.queue])
        track = items[party.index] if party.track is not None else None
        moments = await store.item_moments(party.group_id, track.id) if track else []
        return RoomView(party, track, position_ms(party, now), now, items, tuple(moments))

    async def comment(
        self, party: Party, *, author: UserRef, text: str, channels: list[ChannelRef]
    ) -> int:
        """Post ``text`` by ``author`` (their account's name) to every linked channel; it is
        stamped with the party's song like a chat message. Returns the message's id."""
        store = self.service.store
        origin = ChannelRef(author.platform, author.workspace, f"web:party:{party.id}")
        drafts = tuple(OutboxDraft(c, PostAction()) for c in channels)
        now = self.service.clock.now()
        moment = await self.stamper.moment_at(party.group_id, "web", now)
        message, _ = await store.record_message(
            group_id=party.group_id,
            author=author,
            origin=origin,
            origin_message_id=f"web:{uuid.uuid4().hex}",
            text=Document((Text(text[:MAX_COMMENT]),)).to_json(),
            fanout=drafts,
            posted_at=now,
            moment=moment,
        )
        self.service.wake()
        if moment is not None:
            self.stamper.recorded(party.group_id)
        return message.id
