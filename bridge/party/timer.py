"""The parties' timer: sleeps until the next thing a live party needs (a reminder, its start, a
track's end), on the bridge's clock, and wakes early when any party changes (here or on another
worker) or the clock is moved. The truth is the stored party, so a restarted worker simply looks
again; every worker runs one, and the compare-and-set in each move lets one of them act."""

from __future__ import annotations

import logging

from bridge.party.clock import next_due
from bridge.party.model import REMINDERS
from bridge.party.service import PartyService
from bridge.pipeline.due import run_due

log = logging.getLogger(__name__)
IDLE = 30.0  # look again at least this often (a change missed, a party made by hand)


class PartyTimer:
    def __init__(self, service: PartyService, *, idle: float = IDLE) -> None:
        self.service = service
        self.idle = idle
        self.ticks = 0  # moves this timer made (tests, logs)

    def poke(self) -> None:
        """Look again now (the clock jumped, a party changed)."""
        self.service.hub.changed()

    async def run(self) -> None:
        hub, clock = self.service.hub, self.service.clock
        await run_due(self.fire_due, hub, clock, idle=self.idle, name="party")

    async def fire_due(self) -> float | None:
        """Move every party that is due; the earliest time one is due next."""
        soonest: float | None = None
        for party in await self.service.store.live_parties():
            due = next_due(party, REMINDERS)
            if due is None:
                continue
            if due <= self.service.clock.now():
                moved = await self.service.tick(party.id)
                self.ticks += 1
                due = next_due(moved, REMINDERS) if moved is not None else None
            if due is not None and (soonest is None or due < soonest):
                soonest = due
        return soonest
