"""Interest the bridge may have missed: Discord's "Interested" arrives as gateway events, and
those sent while no worker was connected are gone. At start (and every hour) the reconciler
reads, for every event that is not over, the platform's own list of interested people on each
copy that has one (a Discord scheduled event's users) and brings the count in line."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from bridge.artist_events.card import EventCopies
from bridge.artist_events.service import ArtistEventService
from bridge.ids import Platform
from bridge.ports import DeliveryError

log = logging.getLogger(__name__)
EVERY = 3600.0  # seconds between two passes


class InterestReconciler:
    def __init__(self, service: ArtistEventService, copies: Mapping[Platform, EventCopies]) -> None:
        self.service = service
        self.copies = copies

    async def run(self, every: float = EVERY) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # a database hiccup: the next pass tries again
                log.exception("interest reconciliation failed")
            await asyncio.sleep(every)

    async def run_once(self) -> int:
        """One pass; how many copies were read."""
        store, read = self.service.store, 0
        for event in await store.live_artist_events(self.service.clock.now()):
            for copy in await store.event_copies(event.id):
                port = self.copies.get(copy.channel.platform)
                if port is None:
                    continue
                try:
                    found = await port.interested(copy.channel, copy.copy_id)
                except DeliveryError as exc:
                    log.warning(
                        "<= %s interest of event #%d unread: %s", copy.channel, event.id, exc
                    )
                    continue
                if found is not None:
                    await self.service.reconcile(event.id, copy.channel, found)
                    read += 1
        return read
