"""The digests' timer: sleeps until the next group's digest is due, on the bridge's clock, and
wakes early when a setting changes or the clock is moved. The truth is the stored digest rows,
so a restarted worker simply looks again (and sends a digest missed while it was down, within
the grace); every worker runs one, and the row unique per group and week lets one of them act."""

from __future__ import annotations

import logging

from bridge.digests.service import DigestService
from bridge.pipeline.due import run_due

log = logging.getLogger(__name__)
IDLE = 60.0  # look again at least this often (a setting changed on another worker)


class DigestTimer:
    def __init__(self, service: DigestService, *, idle: float = IDLE) -> None:
        self.service = service
        self.idle = idle

    def poke(self) -> None:
        """Look again now (the clock jumped, a setting changed)."""
        self.service.changed()

    async def run(self) -> None:
        hub, clock = self.service.hub, self.service.clock
        await run_due(self.service.fire_due, hub, clock, idle=self.idle, name="digest")
