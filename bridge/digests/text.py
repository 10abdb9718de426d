"""What a digest says, as sections of plain lines, the same for every platform and the archive
(each draws them in its own markup and escapes the names: no line can ping anyone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bridge.digests.model import DigestContent, EventLine, PollResult, Ranked

MEDALS = ("1.", "2.", "3.", "4.", "5.", "6.", "7.", "8.")


@dataclass(frozen=True, slots=True)
class Line:
    text: str  # plain text (the platform escapes it)
    url: str | None = None  # the text links here
    note: str = ""  # after the text, plain: "· 4 shares"


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    lines: tuple[Line, ...]


def title(content: DigestContent) -> str:
    return f"Weekly digest · {content.group_name} · {period(content)}"


def period(content: DigestContent) -> str:
    """``Nov 30 – Dec 6``: the seven days covered, in the setting's zone."""
    tz = ZoneInfo(content.zone)
    first = datetime.fromtimestamp(content.since, UTC).astimezone(tz)
    last = datetime.fromtimestamp(content.until - 1, UTC).astimezone(tz)
    return f"{first:%b} {first.day} – {last:%b} {last.day}"


def summary(content: DigestContent) -> str:
    if content.quiet:
        return "A quiet week: no songs shared. Share one and it will be here next week!"
    people = len(content.curators)
    return f"{content.shares} song share(s) this week from {people} curator(s)."


def sections(content: DigestContent) -> list[Section]:
    """The digest's sections in order; an empty one is left out."""
    found = [
        Section("Most shared songs", _ranking(content.shared, "share")),
        Section("Most reacted songs", _ranking(content.reacted, "reaction")),
        Section("Top curators", _ranking(content.curators, "song")),
        Section("New members", tuple(Line(name) for name in content.new_members)),
        Section("Poll results", tuple(_poll(p) for p in content.polls or ())),
        Section("Coming up", tuple(_event(e, content.zone) for e in content.events or ())),
        Section("Listening parties", tuple(_party_lines(content))),
    ]
    return [s for s in found if s.lines]


def _ranking(ranked: tuple[Ranked, ...], unit: str) -> tuple[Line, ...]:
    lines = []
    for place, row in zip(MEDALS, ranked, strict=False):
        by = f" – {row.detail}" if row.detail else ""
        lines.append(Line(f"{place} {row.name}{by}", row.url, _count(row.count, unit)))
    return tuple(lines)


def _count(n: int, unit: str) -> str:
    return f"· {n} {unit}{'' if n == 1 else 's'}"


def _poll(poll: PollResult) -> Line:
    top = max((votes for _, votes in poll.options), default=0)
    options = ", ".join(
        f"{label} {votes}{' ✓' if votes == top and top else ''}" for label, votes in poll.options
    )
    return Line(f"{poll.question}: {options}", note=_count(poll.voters, "voter"))


def _event(event: EventLine, zone: str) -> Line:
    local = datetime.fromtimestamp(event.at, UTC).astimezone(ZoneInfo(zone))
    where = f" · {event.place}" if event.place else ""
    return Line(f"{event.title}{where}", event.url, f"· {local:%a %b} {local.day}, {local:%H:%M}")


def _party_lines(content: DigestContent) -> list[Line]:
    lines = []
    for party in content.parties:
        name = f"{party.title} (with {party.host})" if party.title else f"Party with {party.host}"
        lines.append(
            Line(f"{name}: {party.songs} song(s)", note=_count(party.moments, "timed comment"))
        )
    return lines
