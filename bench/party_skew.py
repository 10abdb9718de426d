"""What the open rooms showed against the party's clock: for every update a room received, the
position it computes for "now" (as the page does: the event's ``position_ms`` taken at receipt,
and aligned on ``server_now``: ``position_ms`` + receipt − ``server_now`` while playing) next to
the true position from the party's stored clock at that instant; the spread between rooms for
the same update; and how long a pause took to reach every room."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.party_rooms import RoomEvent
from bench.stats import percentile
from bridge.party.clock import played_through, position_ms
from bridge.party.model import Party, PartyState


@dataclass(frozen=True, slots=True)
class Snapshot:
    at: float  # when this worker heard of the change (the hub), on the bridge's clock
    party: Party


@dataclass
class SkewFigures:
    updates: int = 0  # (room, update) pairs measured
    page_ms: list[float] = field(default_factory=list)  # |shown - true|, as the page does
    aligned_error_ms: list[float] = field(default_factory=list)  # aligned on server_now
    spread_ms: list[float] = field(default_factory=list)  # per update: max - min across rooms
    pause_ms: list[float] = field(default_factory=list)  # paused_at -> room got it
    pause_from_command_ms: list[float] = field(default_factory=list)  # command sent -> room
    pause_saved_ms: list[float] = field(default_factory=list)  # paused_at -> heard saved
    pause_fanout_ms: list[float] = field(default_factory=list)  # heard saved -> room
    wrong_track: int = 0  # a room's update named another track than the party's clock


class Timeline:
    """The party's stored states in the order they were saved."""

    def __init__(self, snapshots: Sequence[Snapshot]) -> None:
        self.snapshots = sorted(snapshots, key=lambda s: s.at)
        self.times = [s.at for s in self.snapshots]

    def index_at(self, at: float) -> int:
        return max(0, bisect.bisect_right(self.times, at) - 1)

    def truth(self, at: float) -> Party:
        return played_through(self.snapshots[self.index_at(at)].party, at)


def shown_ms(event: RoomEvent, at: float, *, aligned: bool) -> float:
    """The room's position at ``at`` (the page's playhead, or aligned on server_now)."""
    playing = event.state == PartyState.PLAYING.value
    base = float(event.position_ms)
    if aligned and playing:
        base += (event.received - event.server_now) * 1000
    if playing:
        base += (at - event.received) * 1000
    return min(base, event.length_ms) if event.length_ms else base


def skew(
    events: Sequence[RoomEvent], timeline: Timeline, pauses_sent: Sequence[float]
) -> SkewFigures:
    figures = SkewFigures()
    first: dict[tuple[int, int], RoomEvent] = {}  # (snapshot, room) -> its first event then
    for event in sorted(events, key=lambda e: e.received):
        truth = timeline.truth(event.received)
        if truth.index != event.index or truth.state.value != event.state:
            figures.wrong_track += 1
            continue
        figures.updates += 1
        true_ms = position_ms(truth, event.received)
        figures.page_ms.append(abs(shown_ms(event, event.received, aligned=False) - true_ms))
        figures.aligned_error_ms.append(
            abs(shown_ms(event, event.received, aligned=True) - true_ms)
        )
        first.setdefault((timeline.index_at(event.received), event.room), event)
    figures.spread_ms = _spreads(first)
    _pauses(figures, events, timeline, pauses_sent)
    return figures


def _spreads(first: dict[tuple[int, int], RoomEvent]) -> list[float]:
    """Per update: the rooms' positions at one instant (the last room's receipt), max - min."""
    by_update: dict[int, list[RoomEvent]] = defaultdict(list)
    for (snapshot, _room), event in first.items():
        by_update[snapshot].append(event)
    spreads = []
    for got in by_update.values():
        if len(got) < 2:
            continue
        at = max(e.received for e in got)
        shown = [shown_ms(e, at, aligned=False) for e in got]
        spreads.append(max(shown) - min(shown))
    return spreads


def _pauses(
    figures: SkewFigures,
    events: Sequence[RoomEvent],
    timeline: Timeline,
    pauses_sent: Sequence[float],
) -> None:
    """Each pause: its instant on the party's clock (``paused_at``), when this worker heard of
    it saved, and the command's sending, to each room's first event showing it paused."""
    heard: dict[float, float] = {}
    for snap in timeline.snapshots:
        if snap.party.paused_at is not None:
            heard.setdefault(snap.party.paused_at, snap.at)
    by_room: dict[int, list[RoomEvent]] = defaultdict(list)
    for event in sorted(events, key=lambda e: e.received):
        by_room[event.room].append(event)
    for n, at in enumerate(sorted(heard)):
        sent = pauses_sent[n] if n < len(pauses_sent) else None
        figures.pause_saved_ms.append((heard[at] - at) * 1000)
        for got in by_room.values():
            seen = next((e for e in got if e.state == "paused" and e.received >= at), None)
            if seen is None:
                continue
            figures.pause_ms.append((seen.received - at) * 1000)
            figures.pause_fanout_ms.append((seen.received - heard[at]) * 1000)
            if sent is not None:
                figures.pause_from_command_ms.append((seen.received - sent) * 1000)


def p50_95_max(values: Sequence[float]) -> str:
    if not values:
        return "-"
    return f"{percentile(values, 50):.1f} / {percentile(values, 95):.1f} / {max(values):.1f}"


def format_skew(figures: SkewFigures, rooms: int) -> str:
    rows = [
        ("rooms open", str(rooms)),
        ("updates received (room x update)", str(figures.updates)),
        ("updates naming another track/state than the clock", str(figures.wrong_track)),
        (
            "room vs party clock, as the page does, p50/p95/max ms",
            p50_95_max(figures.page_ms),
        ),
        (
            "room vs party clock, aligned on server_now, p50/p95/max ms",
            p50_95_max(figures.aligned_error_ms),
        ),
        ("skew between rooms per update, p50/p95/max ms", p50_95_max(figures.spread_ms)),
        (
            "pause: server's pause -> each room, p50/p95/max ms",
            p50_95_max(figures.pause_ms),
        ),
        (
            "  of which paused_at -> saved (per pause), ms",
            " / ".join(f"{v:.0f}" for v in figures.pause_saved_ms) or "-",
        ),
        ("  of which saved -> each room, p50/p95/max ms", p50_95_max(figures.pause_fanout_ms)),
        (
            "pause: command sent -> each room, p50/p95/max ms",
            p50_95_max(figures.pause_from_command_ms),
        ),
    ]
    width = max(len(r[0]) for r in rows) + 2
    return "\n".join(f"  {a:<{width}}{b:>22}" for a, b in rows)
