"""Timed comments: every message posted in a linked channel (or the room) while a party's track
plays is stamped with that song and its position. Read on every relayed message, so it asks the
store's in-memory copy of the group's playing party; a failure never holds up the relay."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bridge.party.clock import played_through, position_ms
from bridge.party.model import MomentDraft, PartyState, PartyStore
from bridge.ports import Clock

log = logging.getLogger(__name__)


class MomentStamper:
    def __init__(self, store: PartyStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.stamped = 0
        # told the group's id after each stamp (the rooms show the party's chat live)
        self.listeners: list[Callable[[int], None]] = []

    async def stamp(self, *, group_id: int, message_id: int, platform: str, at: float) -> bool:
        """Stamp message ``message_id`` if a track of the group's party is current at ``at``."""
        party = await self.store.playing_party(group_id)
        at = at or self.clock.now()
        if party is not None:  # a track that ended before ``at`` is not the one playing
            party = played_through(party, at)
        if party is None or party.track is None:
            return False
        if party.state not in (PartyState.PLAYING, PartyState.PAUSED):
            return False
        draft = MomentDraft(
            group_id=group_id,
            item_id=party.track.item_id,
            position_ms=position_ms(party, at),
            party_id=party.id,
            message_id=message_id,
            platform=platform,
            at=at,
        )
        await self.store.add_moment(draft)
        self.stamped += 1
        for listener in self.listeners:
            listener(group_id)
        return True

    async def stamp_quietly(self, group_id: int, message_id: int, platform: str, at: float) -> None:
        """The relay's hook (bridge.relay.service.Stamp)."""
        try:
            await self.stamp(group_id=group_id, message_id=message_id, platform=platform, at=at)
        except Exception:  # the relay goes on: a lost stamp is a lost floating note, no more
            log.exception("stamping message %d with the party's song failed", message_id)
