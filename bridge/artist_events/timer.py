"""The events' timer: sleeps until the next reminder an event needs (24 hours and 1 hour before),
on the bridge's clock, and wakes early when an event changes or the clock is moved. The truth is
the stored event, so a restarted worker simply looks again; every worker runs one, and the
compare-and-set in each reminder lets one of them send it."""

from __future__ import annotations

import logging

from bridge.artist_events.service import ArtistEventService, next_due
from bridge.pipeline.due import run_due

log = logging.getLogger(__name__)
IDLE = 30.0  # look again at least this often (another worker's event)


class ArtistEventTimer:
    def __init__(self, service: ArtistEventService, *, idle: float = IDLE) -> None:
        self.service = service
        self.idle = idle
        self.sent = 0  # reminders this timer sent (tests, logs)

    def poke(self) -> None:
        """Look again now (the clock jumped, an event changed)."""
        self.service.hub.changed()

    async def run(self) -> None:
        hub, clock = self.service.hub, self.service.clock
        await run_due(self.fire_due, hub, clock, idle=self.idle, name="event")

    async def fire_due(self) -> float | None:
        """Send every reminder that is due; the earliest time one is due next."""
        soonest: float | None = None
        for event in await self.service.store.pending_artist_events():
            due = next_due(event)
            if due is not None and due <= self.service.clock.now():
                moved = await self.service.tick(event.id)
                self.sent += 1
                due = next_due(moved) if moved is not None else None
            if due is not None and (soonest is None or due < soonest):
                soonest = due
        return soonest
