"""What the web shows of a group's artist events (a leaf shared by the events page, the iCalendar
feed and the JSON API): the store's reads and each event's JSON shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from adapters.web.shapes import iso
from adapters.web.tab_request import url
from bridge.artist_events.card import EventCard, event_card
from bridge.artist_events.model import ArtistEvent
from bridge.records import FanGroup

LIMIT = 200  # events a page, the feed and the API show


@runtime_checkable
class EventReads(Protocol):
    """What the events' pages and API read."""

    async def get_group(self, slug: str) -> FanGroup | None: ...

    async def group_artist_events(
        self, group_id: int, *, limit: int = 200
    ) -> list[ArtistEvent]: ...

    async def event_interest(self, event_id: int) -> int: ...


async def cards(
    store: EventReads, group: FanGroup, page_url: str
) -> list[tuple[ArtistEvent, EventCard]]:
    """The group's events by start time, each with its card (interest counted now)."""
    found = await store.group_artist_events(group.id, limit=LIMIT)
    return [
        (e, event_card(e, interested=await store.event_interest(e.id), page_url=page_url))
        for e in found
    ]


def split(
    events: list[tuple[ArtistEvent, EventCard]], now: float
) -> tuple[list[EventCard], list[EventCard]]:
    """Upcoming (soonest first) and past (latest first)."""
    upcoming = [c for e, c in events if not e.past(now)]
    past = [c for e, c in reversed(events) if e.past(now)]
    return upcoming, past


def event_json(
    event: ArtistEvent, card: EventCard, *, now: float, base: str, keep: Mapping[str, str]
) -> dict[str, Any]:
    slug_path = card.page_url or ""
    return {
        "id": event.id,
        "title": card.title,
        "state": event.state.value,
        "starts_at": iso(card.starts_at),
        "ends_at": iso(card.ends_at),
        "past": event.past(now),
        "place": card.place or None,
        "tickets_url": card.tickets or None,
        "merch_url": card.merch or None,
        "online_url": card.online or None,
        "interested": card.interested,
        "host": {"name": card.host_name, "platform": event.draft.author.platform.value},
        "page_url": url(base, slug_path, keep) if slug_path else None,
    }
