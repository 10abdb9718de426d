"""The polls' timer: closes each poll at its deadline and serves the debounced card redraws,
sleeping on the bridge's clock until the next of either, and waking early when a poll changes
or a vote comes (here or on another worker) or the clock is moved. Every worker runs one; the
compare-and-set in ``close`` lets one of them close a poll and post its results."""

from __future__ import annotations

import logging

from bridge.pipeline.due import run_due
from bridge.polls.service import PollService

log = logging.getLogger(__name__)
IDLE = 30.0  # look again at least this often


class PollTimer:
    def __init__(self, service: PollService, *, idle: float = IDLE) -> None:
        self.service = service
        self.idle = idle

    def poke(self) -> None:
        """Look again now (the clock jumped)."""
        self.service.hub.changed()

    async def run(self) -> None:
        hub, clock = self.service.hub, self.service.clock
        await run_due(self.fire_due, hub, clock, idle=self.idle, name="poll")

    async def fire_due(self) -> float | None:
        """Close the polls past their deadline, queue the redraws due; the next time due."""
        closes = await self.service.close_due()
        redraw = await self.service.redraw_due()
        times = [t for t in (closes, redraw) if t is not None]
        return min(times) if times else None
