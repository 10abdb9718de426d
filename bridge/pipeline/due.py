"""What the parties', polls', events' and digests' timers share: an in-process word that
something changed (this worker's own moves say it directly; the store says it for other
workers' changes through the row cache's watch), and the loop that sleeps until the next due
moment on the bridge's clock or the next change, whichever comes first. The truth is always a
stored row, so a pass that fails (a database hiccup) is simply tried again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bridge.ports import Clock

log = logging.getLogger(__name__)


class ChangeHub:
    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.changes = 0

    def changed(self) -> None:
        self.changes += 1
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seen: int, within: float) -> int:
        """Until a change after ``seen`` (a value of ``changes``) or ``within`` seconds."""
        if self.changes != seen:
            return self.changes
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), within)
        return self.changes


async def run_due(
    fire_due: Callable[[], Awaitable[float | None]],
    hub: ChangeHub,
    clock: Clock,
    *,
    idle: float,
    name: str,
) -> None:
    """Forever: act on what is due (``fire_due`` returns when something is due next), then
    sleep until then, at most ``idle`` seconds, or until the hub hears of a change."""
    while True:
        seen = hub.changes
        try:
            due = await fire_due()
        except Exception:  # a database hiccup: the next pass tries again
            log.exception("%s timer pass failed", name)
            due = None
        delay = idle if due is None else max(0.0, min(idle, due - clock.now()))
        await hub.wait(seen, delay)
