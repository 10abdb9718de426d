"""Listening parties wired together for one bridge process: the service and its commands, the
timer, the timed-comment stamper, the room and the outbox's card drawer (bridge/party/). The
platforms' card drawers (``cards``) are added once the platforms are connected."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from bridge.ids import Platform
from bridge.music.resolve import Resolver
from bridge.party.card import PartyCards
from bridge.party.commands import PartyCommands, ZoneOf
from bridge.party.delivery import CardStore, PartyCardDrawer
from bridge.party.moments import MomentStamper
from bridge.party.room import Room
from bridge.party.service import PartyService, PartyServiceStore
from bridge.party.sources import SongFinder, TrackLister
from bridge.party.timer import PartyTimer
from bridge.pipeline.due import ChangeHub
from bridge.ports import Clock

log = logging.getLogger(__name__)


class PartyStoreAll(PartyServiceStore, CardStore, ZoneOf, Protocol):
    """What the parties' parts read and write together."""


@dataclass
class Parties:
    service: PartyService
    commands: PartyCommands
    timer: PartyTimer
    stamper: MomentStamper
    room: Room
    drawer: PartyCardDrawer
    cards: dict[Platform, PartyCards] = field(default_factory=dict)

    @property
    def hub(self) -> ChangeHub:
        return self.service.hub

    def start_timer(self) -> asyncio.Task[None]:
        return asyncio.create_task(self.timer.run(), name="party-timer")


def room_address(page: Callable[[str], str | None]) -> Callable[[str, int], str | None]:
    """``/g/<slug>/party/<id>`` under the public address (None without one)."""

    def room(slug: str, party_id: int) -> str | None:
        base = page(slug)
        return f"{base}/party/{party_id}" if base else None

    return room


def build_parties(
    store: PartyStoreAll,
    clock: Clock,
    wake: Callable[[], None],
    *,
    page: Callable[[str], str | None],
    resolver: Resolver | None,
    lister: TrackLister | None = None,
    default_zone: str = "UTC",
) -> Parties:
    hub = ChangeHub()
    store.watch_parties(hub.changed)  # another worker moved a party: look again
    service = PartyService(store, clock, wake, hub)
    room_url = room_address(page)
    songs = SongFinder(store, resolver, lister)
    commands = PartyCommands(service, songs, room_url, zones=store, default_zone=default_zone)
    stamper = MomentStamper(store, clock)
    cards: dict[Platform, PartyCards] = {}
    drawer = PartyCardDrawer(store, clock, cards, room_url)
    return Parties(
        service=service,
        commands=commands,
        timer=PartyTimer(service),
        stamper=stamper,
        room=Room(service, stamper),
        drawer=drawer,
        cards=cards,
    )
