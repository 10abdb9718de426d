"""Artist events wired together for one bridge process: the service, the ``/announce event``
actions, the reminders' timer, the reconciler of interest missed while away and the outbox's
drawer (bridge/artist_events/). The platforms'
copies (``copies``: Discord scheduled events, Slack cards) are added once the platforms are
connected (``connect``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from bridge.announce.service import AnnounceService
from bridge.artist_events.card import EventCopies
from bridge.artist_events.commands import ArtistEventCommands
from bridge.artist_events.delivery import ArtistEventDrawer, DrawerStore
from bridge.artist_events.reconcile import InterestReconciler
from bridge.artist_events.service import ArtistEventService, EventServiceStore
from bridge.artist_events.timer import ArtistEventTimer
from bridge.ids import Platform
from bridge.ports import Clock

if TYPE_CHECKING:
    import discord
    from slack_sdk.web.async_client import AsyncWebClient


class ArtistEventStoreAll(EventServiceStore, DrawerStore, Protocol):
    """What the events' parts read and write together."""


@dataclass
class ArtistEvents:
    service: ArtistEventService
    commands: ArtistEventCommands
    timer: ArtistEventTimer
    drawer: ArtistEventDrawer
    reconciler: InterestReconciler
    copies: dict[Platform, EventCopies] = field(default_factory=dict)

    def start_timer(self) -> asyncio.Task[None]:
        """The reminders' timer, and the reconciler of interest missed while away (its first
        pass at once)."""
        return asyncio.create_task(self._run(), name="artist-event-timer")

    async def _run(self) -> None:
        await asyncio.gather(self.timer.run(), self.reconciler.run())

    def connect(
        self, discord_client: discord.Client | None, slack_client: AsyncWebClient | None
    ) -> None:
        """Each connected platform's copies."""
        if discord_client is not None:
            from adapters.discord.artist_events import DiscordEventCopies

            self.copies[Platform.DISCORD] = DiscordEventCopies(discord_client)
        if slack_client is not None:
            from adapters.slack.artist_events import SlackEventCopies

            self.copies[Platform.SLACK] = SlackEventCopies(slack_client)


def build_artist_events(
    store: ArtistEventStoreAll,
    clock: Clock,
    wake: Callable[[], None],
    announce: AnnounceService,
    *,
    page: Callable[[str], str | None],
) -> ArtistEvents:
    service = ArtistEventService(store, clock, wake)
    store.watch_artist_events(service.hub.changed)  # another worker's event: look again
    copies: dict[Platform, EventCopies] = {}
    return ArtistEvents(
        service=service,
        commands=ArtistEventCommands(announce, service, page),
        timer=ArtistEventTimer(service),
        drawer=ArtistEventDrawer(store, copies, page),
        reconciler=InterestReconciler(service, copies),
        copies=copies,
    )
