"""Timed comments: every message posted in a linked channel (or the room) while a party's track
plays is stamped with that song and its position, in the message's own transaction (the relay
asks ``moment_at`` before it records the message). Read on every relayed message, so it asks the
store's in-memory copy of the group's playing party; a failure never holds up the relay."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bridge.party.clock import played_through, position_ms
from bridge.party.model import PartyState, PartyStore
from bridge.ports import Clock
from bridge.records import SongMoment

log = logging.getLogger(__name__)


class MomentStamper:
    def __init__(self, store: PartyStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.stamped = 0
        # told the group's id after each stamped message is recorded (the rooms' live chat)
        self.listeners: list[Callable[[int], None]] = []

    async def moment_at(self, group_id: int, platform: str, at: float) -> SongMoment | None:
        """The song of the group's party current at ``at`` and its position (None: none)."""
        try:
            party = await self.store.playing_party(group_id)
        except Exception:  # the relay goes on: a lost stamp is a lost floating note, no more
            log.exception("reading group %d's party to stamp a message failed", group_id)
            return None
        at = at or self.clock.now()
        if party is not None:  # a track that ended before ``at`` is not the one playing
            party = played_through(party, at)
        if party is None or party.track is None:
            return None
        if party.state not in (PartyState.PLAYING, PartyState.PAUSED):
            return None
        return SongMoment(party.track.item_id, position_ms(party, at), party.id, platform)

    def recorded(self, group_id: int) -> None:
        """A stamped message was recorded in the group."""
        self.stamped += 1
        for listener in self.listeners:
            listener(group_id)
