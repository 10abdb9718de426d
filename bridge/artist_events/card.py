"""What an event's copy says, the same on every platform (the adapters draw it: a Discord
scheduled event whose description carries the links and the interest count, a Slack card with an
"Interested" button and the tickets and merch links as buttons), and the lines the event posts
(reminders, its cancellation). Built when the copy is sent, from the event as it is then."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bridge.artist_events.model import ArtistEvent, EventState
from bridge.ids import ChannelRef
from bridge.once import PostOnce


@dataclass(frozen=True, slots=True)
class EventCard:
    event_id: int
    title: str
    starts_at: float
    ends_at: float
    place: str
    tickets: str
    merch: str
    online: str
    cancelled: bool
    interested: int
    host_name: str
    zone: str
    page_url: str | None

    @property
    def when(self) -> str:
        return when_text(self.starts_at, self.zone)


def event_card(event: ArtistEvent, *, interested: int, page_url: str | None = None) -> EventCard:
    d = event.details
    return EventCard(
        event_id=event.id,
        title=d.title,
        starts_at=d.starts_at,
        ends_at=d.ends_at,
        place=d.place,
        tickets=d.tickets,
        merch=d.merch,
        online=d.online,
        cancelled=event.state is EventState.CANCELLED,
        interested=interested,
        host_name=event.draft.author_name,
        zone=event.draft.zone,
        page_url=page_url,
    )


def digest(card: EventCard) -> str:
    """A short fingerprint of everything a copy shows."""
    return hashlib.sha256(repr(card).encode()).hexdigest()[:32]


def when_text(at: float, zone: str = "UTC") -> str:
    """``2026-12-01 17:00 UTC (18:00 Europe/Paris)``."""
    utc = datetime.fromtimestamp(at, UTC)
    text = utc.strftime("%Y-%m-%d %H:%M UTC")
    if zone not in ("UTC", "Etc/UTC", ""):
        text += f" ({utc.astimezone(ZoneInfo(zone)).strftime('%H:%M')} {zone})"
    return text


def interest_line(count: int) -> str:
    return f"⭐ {count} interested" if count != 1 else "⭐ 1 interested"


def description(card: EventCard, limit: int = 1000) -> str:
    """The plain-text body a platform shows under the title (Discord's scheduled event
    description, at most 1000 characters): place, links, the interest count across platforms."""
    lines = [f"🎤 {card.host_name}"] if card.host_name else []
    if card.place:
        lines.append(f"📍 {card.place}")
    for label, url in links(card):
        lines.append(f"{label}: {url}")
    lines.append(interest_line(card.interested) + " (Discord and Slack)")
    if card.cancelled:
        lines.insert(0, "❌ CANCELLED")
    tail = "\n" + marker(card.event_id)
    return "\n".join(lines)[: limit - len(tail)] + tail


def marker(event_id: int) -> str:
    """The last line of a copy's text: finds a copy made before a crash kept its id."""
    return f"Event #{event_id} · fanbridge"


def links(card: EventCard) -> list[tuple[str, str]]:
    found = [("🎟 Tickets", card.tickets), ("👕 Merch", card.merch), ("📺 Online", card.online)]
    return [(label, url) for label, url in found if url]


def reminder(event: ArtistEvent, before: float) -> str:
    ahead = "24 hours" if before >= 86400 else "1 hour"
    d = event.details
    where = f" at {d.place}" if d.place else ""
    line = f"⏰ *{d.title}* starts in {ahead}{where}: {when_text(d.starts_at, event.draft.zone)}"
    if d.tickets:
        line += f"\n🎟 Tickets: {d.tickets}"
    return line


def cancelled(event: ArtistEvent) -> str:
    return f"❌ *{event.details.title}* ({when_text(event.details.starts_at)}) is cancelled."


class EventCopies(Protocol):
    """A platform's side of the events (the adapters draw them); each call maps the platform's
    refusals and outages onto PermanentError / TransientError / RateLimited."""

    async def post_event(self, channel: ChannelRef, card: EventCard, *, once: PostOnce) -> str:
        """Create the copy (Discord: the scheduled event in the channel's server; a Slack card
        at most once for ``once``: see bridge.once); its id."""
        ...

    async def update_event(self, channel: ChannelRef, copy_id: str, card: EventCard) -> None:
        """Draw the copy again (a cancelled card: Discord cancels its scheduled event)."""
        ...

    async def post_event_notice(
        self, channel: ChannelRef, text: str, *, once: PostOnce
    ) -> None: ...

    async def interested(self, channel: ChannelRef, copy_id: str) -> list[tuple[str, str]] | None:
        """Who the platform itself says is interested in the copy, as (user id, name)
        (Discord: the scheduled event's users); None where only the bridge counts (Slack)."""
        ...
