"""Weekly digests wired together for one bridge process: the service and its command, the timer
and the outbox's delivery (bridge/digests/). The platforms' posters (``posters``) are added once
the platforms are connected."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from bridge.digests.commands import DigestCommands
from bridge.digests.delivery import DigestDelivery, DigestPoster
from bridge.digests.service import DigestService, DigestServiceStore
from bridge.digests.timer import DigestTimer
from bridge.ids import Platform
from bridge.party.commands import ZoneOf
from bridge.ports import Clock


class DigestStoreAll(DigestServiceStore, ZoneOf, Protocol):
    """What the digests' parts read and write together."""


@dataclass
class Digests:
    service: DigestService
    commands: DigestCommands
    timer: DigestTimer
    delivery: DigestDelivery
    posters: dict[Platform, DigestPoster] = field(default_factory=dict)

    def start_timer(self) -> asyncio.Task[None]:
        return asyncio.create_task(self.timer.run(), name="digest-timer")


def build_digests(
    store: DigestStoreAll,
    clock: Clock,
    wake: Callable[[], None],
    *,
    page: Callable[[str], str | None],
    default_zone: str = "UTC",
) -> Digests:
    service = DigestService(store, clock, wake)
    posters: dict[Platform, DigestPoster] = {}
    return Digests(
        service=service,
        commands=DigestCommands(service, zones=store, default_zone=default_zone, page=page),
        timer=DigestTimer(service),
        delivery=DigestDelivery(store, posters, page),
        posters=posters,
    )
