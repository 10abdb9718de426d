"""Polls wired together for one bridge process: the service and its commands, the platforms'
own polls relayed, the timer (deadlines, debounced redraws) and the outbox's card drawer
(bridge/polls/). The platforms' card drawers (``cards``) are added once they are connected."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from bridge.ids import Platform
from bridge.music.resolve import Resolver
from bridge.party.sources import SongFinder
from bridge.polls.card import PollCards
from bridge.polls.commands import PollCommands
from bridge.polls.delivery import CardStore, PollCardDrawer
from bridge.polls.native import NativePolls
from bridge.polls.redraw import INTERVAL, Redraws
from bridge.polls.service import PollService, PollServiceStore
from bridge.polls.timer import PollTimer
from bridge.ports import Clock, MusicStore


class PollStoreAll(PollServiceStore, CardStore, MusicStore, Protocol):
    """What the polls' parts read and write together."""


@dataclass
class Polls:
    service: PollService
    commands: PollCommands
    native: NativePolls
    timer: PollTimer
    drawer: PollCardDrawer
    cards: dict[Platform, PollCards] = field(default_factory=dict)

    def start_timer(self) -> asyncio.Task[None]:
        return asyncio.create_task(self.timer.run(), name="poll-timer")


def build_polls(
    store: PollStoreAll,
    clock: Clock,
    wake: Callable[[], None],
    *,
    resolver: Resolver | None,
    redraw_every: float = INTERVAL,
) -> Polls:
    service = PollService(store, clock, wake, redraws=Redraws(redraw_every))
    store.watch_polls(service.polls_changed)  # another worker changed a poll: look again
    cards: dict[Platform, PollCards] = {}
    return Polls(
        service=service,
        commands=PollCommands(service, SongFinder(store, resolver)),
        native=NativePolls(service),
        timer=PollTimer(service),
        drawer=PollCardDrawer(store, cards),
        cards=cards,
    )
