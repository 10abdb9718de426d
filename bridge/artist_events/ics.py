"""A group's events as an iCalendar feed (RFC 5545): one VEVENT per event with a UID that stays
the same across edits (its SEQUENCE counts them), times in UTC, text escaped, lines folded at 75
octets and ended with CRLF. Pure: the web layer serves what this returns."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bridge.artist_events.card import EventCard, links

LIMIT = 75  # octets a content line holds before it is folded


def escape(value: str) -> str:
    """TEXT values: backslash, semicolon, comma and newlines escaped (RFC 5545 3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def stamp(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets, never inside a UTF-8 sequence;
    each continuation starts with one space (which counts towards its 75)."""
    out: list[str] = []
    chunk, size, limit = "", 0, LIMIT
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            out.append(chunk)
            chunk, size, limit = "", 0, LIMIT - 1
        chunk += char
        size += width
    out.append(chunk)
    return "\r\n ".join(out)


def calendar(cards: Sequence[tuple[EventCard, int]], *, name: str, host: str, now: float) -> str:
    """The feed: ``cards`` are each event's card and version (its SEQUENCE)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//fanbridge//artist events//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
    ]
    for card, version in cards:
        lines += _event(card, version, host=host, now=now)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def _event(card: EventCard, version: int, *, host: str, now: float) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:artist-event-{card.event_id}@{host}",
        f"DTSTAMP:{stamp(now)}",
        f"SEQUENCE:{version}",
        f"DTSTART:{stamp(card.starts_at)}",
        f"DTEND:{stamp(card.ends_at)}",
        f"SUMMARY:{escape(card.title)}",
        f"STATUS:{'CANCELLED' if card.cancelled else 'CONFIRMED'}",
    ]
    if card.place:
        lines.append(f"LOCATION:{escape(card.place)}")
    url = card.tickets or card.online or card.page_url
    if url:
        lines.append(f"URL:{url}")
    body = [f"{label}: {link}" for label, link in links(card)]
    if card.host_name:
        body.insert(0, f"With {card.host_name}")
    if body:
        lines.append(f"DESCRIPTION:{escape(chr(10).join(body))}")
    lines.append("END:VEVENT")
    return lines
