"""Weekly digests as the core sees them: a group's setting (a day and a time in a zone), and the
digest of one week, made once (a row unique per group and week, claimed by inserting it with
its outbox items in one transaction) and kept with its content for the archive. A digest that
could not be sent within the grace after its time is recorded as skipped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from bridge.records import OutboxDraft

JSON = dict[str, Any]
WEEK = 7 * 24 * 3600.0
GRACE = 6 * 3600.0  # a digest is still sent this long after its time (a bridge that was down)
TOP = 5  # lines in each ranking


class DigestState(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"  # its time passed while no bridge ran (beyond the grace)


@dataclass(frozen=True, slots=True)
class Ranked:
    """One line of a ranking: a song, an artist or a person, and how many."""

    name: str
    count: int
    detail: str = ""  # a song's artists
    url: str | None = None  # a song's link

    def to_json(self) -> JSON:
        return {"name": self.name, "count": self.count, "detail": self.detail, "url": self.url}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Ranked:
        url = raw.get("url")
        return cls(str(raw["name"]), int(raw["count"]), str(raw.get("detail", "")), url or None)


@dataclass(frozen=True, slots=True)
class PollResult:
    """A poll closed in the week: its question, each option's votes, how many voted."""

    question: str
    options: tuple[tuple[str, int], ...]
    voters: int

    def to_json(self) -> JSON:
        return {"question": self.question, "options": list(self.options), "voters": self.voters}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> PollResult:
        options = tuple((str(o[0]), int(o[1])) for o in raw.get("options") or ())
        return cls(str(raw["question"]), options, int(raw.get("voters", 0)))


@dataclass(frozen=True, slots=True)
class EventLine:
    """An artist event coming up: its title, when (unix time), where."""

    title: str
    at: float
    place: str = ""
    url: str | None = None

    def to_json(self) -> JSON:
        return {"title": self.title, "at": self.at, "place": self.place, "url": self.url}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> EventLine:
        url = raw.get("url")
        return cls(str(raw["title"]), float(raw["at"]), str(raw.get("place", "")), url or None)


@dataclass(frozen=True, slots=True)
class PartyLine:
    """A listening party of the week: who hosted, how many songs played, comments made."""

    host: str
    songs: int
    moments: int
    title: str = ""

    def to_json(self) -> JSON:
        return {
            "host": self.host,
            "songs": self.songs,
            "moments": self.moments,
            "title": self.title,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> PartyLine:
        return cls(
            str(raw["host"]), int(raw["songs"]), int(raw["moments"]), str(raw.get("title", ""))
        )


@dataclass(frozen=True, slots=True)
class DigestContent:
    """What a digest says, the same on every platform and in the archive."""

    group_name: str
    since: float
    until: float
    shares: int = 0
    shared: tuple[Ranked, ...] = ()
    reacted: tuple[Ranked, ...] = ()
    curators: tuple[Ranked, ...] = ()
    new_members: tuple[str, ...] = ()
    polls: tuple[PollResult, ...] | None = None  # None: no polls in this bridge (yet)
    events: tuple[EventLine, ...] | None = None  # None: no artist events in this bridge (yet)
    parties: tuple[PartyLine, ...] = ()
    zone: str = "UTC"  # the setting's: dates are shown in it

    def to_json(self) -> JSON:
        return {
            "zone": self.zone,
            "group_name": self.group_name,
            "since": self.since,
            "until": self.until,
            "shares": self.shares,
            "shared": [r.to_json() for r in self.shared],
            "reacted": [r.to_json() for r in self.reacted],
            "curators": [r.to_json() for r in self.curators],
            "new_members": list(self.new_members),
            "polls": None if self.polls is None else [p.to_json() for p in self.polls],
            "events": None if self.events is None else [e.to_json() for e in self.events],
            "parties": [p.to_json() for p in self.parties],
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> DigestContent:
        polls, events = raw.get("polls"), raw.get("events")
        return cls(
            group_name=str(raw.get("group_name", "")),
            since=float(raw["since"]),
            until=float(raw["until"]),
            shares=int(raw.get("shares", 0)),
            shared=_ranked(raw.get("shared")),
            reacted=_ranked(raw.get("reacted")),
            curators=_ranked(raw.get("curators")),
            new_members=tuple(str(n) for n in raw.get("new_members") or ()),
            polls=None if polls is None else tuple(PollResult.from_json(p) for p in polls),
            events=None if events is None else tuple(EventLine.from_json(e) for e in events),
            parties=tuple(PartyLine.from_json(p) for p in raw.get("parties") or ()),
            zone=str(raw.get("zone") or "UTC"),
        )

    @property
    def quiet(self) -> bool:
        """Nothing happened in the week."""
        return not (self.shares or self.new_members or self.polls or self.parties)


def _ranked(raw: Any) -> tuple[Ranked, ...]:
    return tuple(Ranked.from_json(r) for r in raw or ())


@dataclass(frozen=True, slots=True)
class DigestDraft:
    group_id: int
    week: str  # the ISO week of its time in the group's zone: "2026-W50"
    due_at: float
    state: DigestState
    content: DigestContent | None  # None when skipped


@dataclass(frozen=True, slots=True)
class Digest:
    id: int
    draft: DigestDraft
    created_at: float

    @property
    def group_id(self) -> int:
        return self.draft.group_id

    @property
    def week(self) -> str:
        return self.draft.week

    @property
    def content(self) -> DigestContent | None:
        return self.draft.content


@dataclass(frozen=True, slots=True)
class WeekCount:
    """Shares in the week starting ``week_start`` (unix time) made from ``platform``."""

    week_start: float
    platform: str
    count: int


@dataclass(frozen=True, slots=True)
class PollTurnout:
    question: str
    voters: int
    closed_at: float


@dataclass(frozen=True, slots=True)
class Insights:
    """The group at a glance over the last weeks (the insights page)."""

    since: float
    until: float
    weeks: tuple[WeekCount, ...] = ()
    artists: tuple[Ranked, ...] = ()
    curators: tuple[Ranked, ...] = ()
    turnout: tuple[PollTurnout, ...] | None = None  # None: no polls in this bridge (yet)


class DigestStore(Protocol):
    async def claim_digest(
        self, draft: DigestDraft, *, at: float, enqueue: Sequence[OutboxDraft] = ()
    ) -> Digest | None:
        """Insert the group's digest of the week with its outbox items, in one transaction;
        None when one exists already (another worker, an earlier run made it)."""
        ...

    async def get_digest(self, group_id: int, week: str) -> Digest | None: ...

    async def group_digests(self, group_id: int, *, limit: int = 52) -> list[Digest]:
        """The group's sent digests, newest first."""
        ...


class ActivityStore(Protocol):
    """The week's music activity, counted by the database."""

    async def top_shared(
        self, group_id: int, since: float, until: float, *, limit: int = TOP
    ) -> list[Ranked]:
        """The songs shared in most messages in the period (removed shares left out)."""
        ...

    async def top_reacted(
        self, group_id: int, since: float, until: float, *, limit: int = TOP
    ) -> list[Ranked]:
        """The period's shared songs whose messages drew the most reactions."""
        ...

    async def top_curators(
        self, group_id: int, since: float, until: float, *, limit: int = TOP
    ) -> list[Ranked]:
        """Who shared the most songs in the period."""
        ...

    async def share_count(self, group_id: int, since: float, until: float) -> int: ...

    async def new_members(
        self, group_id: int, since: float, until: float, *, limit: int = 20
    ) -> list[str]:
        """The names of the people whose first message in the group, or whose role in it,
        came in the period."""
        ...

    async def shares_by_week(self, group_id: int, since: float, until: float) -> list[WeekCount]:
        """Shares per week (weeks counted from ``since``) and per platform they came from."""
        ...

    async def top_artists(
        self, group_id: int, since: float, until: float, *, limit: int = 8
    ) -> list[Ranked]: ...


class PollDigestStore(Protocol):
    """Polls as digests read them (bridge/polls); None while this bridge has no polls."""

    async def closed_polls(
        self, group_id: int, since: float, until: float
    ) -> list[PollResult] | None: ...

    async def poll_turnout(self, group_id: int, *, limit: int = 12) -> list[PollTurnout] | None: ...


class EventDigestStore(Protocol):
    """Artist events as digests read them; None while this bridge has no events."""

    async def upcoming_events(
        self, group_id: int, since: float, until: float
    ) -> list[EventLine] | None: ...
