"""In-process word that a party changed, for whoever waits on it here (the timer, the rooms'
event streams). This worker's own changes say it directly; the store says it for the changes
other workers made (``PartyStore.watch_parties``)."""

from __future__ import annotations

import asyncio
import contextlib


class PartyHub:
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
