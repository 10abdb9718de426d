"""A group's "Play all on Spotify" playlist, planned without any I/O.

``plan(desired, current)`` turns the playlist as it is into the tab's order with few requests:
remove what is no longer shared (or duplicated), move the kept tracks that are out of order
(only those outside the longest run already in order, so a re-shared song is one move), then
insert the new tracks where the tab has them (consecutive new tracks in one request, at most
100 per request). ``apply`` replays a plan on a list, as Spotify would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_PER_REQUEST = 100


@dataclass(frozen=True, slots=True)
class SpotifyAccount:
    """The bot's Spotify account: who logged in with ``fanbridge spotify login``.
    ``refresh_token`` is a secret: never logged, never shown."""

    user_id: str
    display_name: str
    refresh_token: str
    scopes: tuple[str, ...]
    updated_at: float

    def __repr__(self) -> str:  # keep the token out of logs and tracebacks
        return f"SpotifyAccount(user_id={self.user_id!r}, display_name={self.display_name!r})"


@dataclass(frozen=True, slots=True)
class Unmatched:
    """A shared track that is not in the playlist: no Spotify link and no ISRC match."""

    item_id: int
    title: str
    artists: tuple[str, ...]
    url: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "title": self.title,
            "artists": list(self.artists),
            "url": self.url,
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Unmatched:
        return cls(
            item_id=int(data.get("item_id") or 0),
            title=str(data.get("title") or ""),
            artists=tuple(str(a) for a in data.get("artists") or ()),
            url=str(data.get("url") or ""),
            reason=str(data.get("reason") or ""),
        )


@dataclass(frozen=True, slots=True)
class PlaylistState:
    """What the bridge last wrote to a group's playlist."""

    group_id: int
    playlist_id: str
    url: str
    snapshot_id: str | None = None
    uris: tuple[str, ...] = ()
    unmatched: tuple[Unmatched, ...] = ()
    last_synced_at: float | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class Remove:
    """Remove every occurrence of these track URIs."""

    uris: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Move:
    """Move one item from ``range_start`` to before ``insert_before`` (indexes before the move)."""

    range_start: int
    insert_before: int


@dataclass(frozen=True, slots=True)
class Insert:
    uris: tuple[str, ...]
    position: int


Op = Remove | Move | Insert


@dataclass(frozen=True, slots=True)
class Plan:
    ops: tuple[Op, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return not self.ops


def desired_order(uris: Sequence[str]) -> list[str]:
    """The tab's URIs, each once (its first, i.e. highest, place)."""
    return list(dict.fromkeys(uris))


def plan(desired: Sequence[str], current: Sequence[str]) -> Plan:
    target = desired_order(desired)
    wanted = set(target)
    counts: dict[str, int] = {}
    for uri in current:
        counts[uri] = counts.get(uri, 0) + 1
    # a duplicated track is removed altogether and inserted again once
    gone = [u for u in dict.fromkeys(current) if u not in wanted or counts[u] > 1]
    ops: list[Op] = [
        Remove(tuple(gone[i : i + MAX_PER_REQUEST])) for i in range(0, len(gone), MAX_PER_REQUEST)
    ]
    kept = [u for u in current if u in wanted and counts[u] == 1]
    moves, ordered = _moves(kept, target)
    ops += moves
    ops += _inserts(target, set(ordered))
    return Plan(tuple(ops))


def _moves(kept: list[str], target: list[str]) -> tuple[list[Op], list[str]]:
    """Single-item moves that put ``kept`` in ``target`` order; the fewest possible (every
    item outside a longest increasing run moves once)."""
    rank = {u: i for i, u in enumerate(target)}
    stay = set(_longest_increasing(kept, rank))
    work = list(kept)
    ops: list[Op] = []
    previous: str | None = None
    for uri in sorted(kept, key=rank.__getitem__):
        if uri not in stay:
            start = work.index(uri)
            before = 0 if previous is None else work.index(previous) + 1
            if before not in (start, start + 1):
                ops.append(Move(start, before))
                _move(work, start, before)
        previous = uri
    return ops, work


def _longest_increasing(items: list[str], rank: dict[str, int]) -> list[str]:
    """A longest subsequence of ``items`` whose ranks increase (patience sorting)."""
    tails: list[int] = []  # index into items of the smallest tail of each length
    parent: list[int] = [-1] * len(items)
    for i, uri in enumerate(items):
        lo, hi = 0, len(tails)
        while lo < hi:
            mid = (lo + hi) // 2
            if rank[items[tails[mid]]] < rank[uri]:
                lo = mid + 1
            else:
                hi = mid
        parent[i] = tails[lo - 1] if lo else -1
        if lo == len(tails):
            tails.append(i)
        else:
            tails[lo] = i
    out: list[str] = []
    at = tails[-1] if tails else -1
    while at >= 0:
        out.append(items[at])
        at = parent[at]
    return out[::-1]


def _inserts(target: list[str], present: set[str]) -> list[Op]:
    """Runs of consecutive new tracks, inserted at their place (left to right)."""
    ops: list[Op] = []
    run: list[str] = []
    for index, uri in enumerate(target):
        if uri not in present:
            run.append(uri)
            if len(run) == MAX_PER_REQUEST:
                ops.append(Insert(tuple(run), index + 1 - len(run)))
                run = []
        elif run:
            ops.append(Insert(tuple(run), index - len(run)))
            run = []
    if run:
        ops.append(Insert(tuple(run), len(target) - len(run)))
    return ops


def _move(items: list[str], start: int, before: int) -> None:
    moved = items[start]
    rest = items[:start] + items[start + 1 :]
    at = before if before <= start else before - 1
    items[:] = [*rest[:at], moved, *rest[at:]]


def apply(ops: Sequence[Op], current: Sequence[str]) -> list[str]:
    """The playlist after the plan, computed the way Spotify applies each request."""
    items = list(current)
    for op in ops:
        if isinstance(op, Remove):
            items = [u for u in items if u not in op.uris]
        elif isinstance(op, Move):
            _move(items, op.range_start, op.insert_before)
        else:
            items[op.position : op.position] = op.uris
    return items
