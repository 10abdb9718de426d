"""Debounced redraws of the poll cards: a vote asks for its poll's cards to be drawn again; the
first ask on a quiet poll is served at once, the asks that follow within ``interval`` seconds
are coalesced into one redraw at the end of the interval. So a card is edited at most once per
interval however fast the votes come (one edit per vote would draw 429s from the platforms:
Discord edits about 5 per 5 s per channel, Slack's chat.update 50 a minute per workspace), and
the last vote is always shown within ``interval`` seconds. Pure: the clock is passed in."""

from __future__ import annotations

INTERVAL = 3.0  # at most one redraw per card every 3 seconds


class Redraws:
    def __init__(self, interval: float = INTERVAL) -> None:
        self.interval = interval
        self._pending: set[int] = set()
        self._last: dict[int, float] = {}  # poll id -> when its cards were last redrawn

    def want(self, poll_id: int) -> None:
        """The poll's tally moved: its cards should show it."""
        self._pending.add(poll_id)

    def forget(self, poll_id: int) -> None:
        """The poll closed (its close redraws the cards itself)."""
        self._pending.discard(poll_id)
        self._last.pop(poll_id, None)

    def _ready_at(self, poll_id: int) -> float:
        last = self._last.get(poll_id)
        return last + self.interval if last is not None else float("-inf")

    def due_at(self) -> float | None:
        """When the next pending redraw may happen (None: nothing pending)."""
        return min((self._ready_at(p) for p in self._pending), default=None)

    def take(self, now: float) -> list[int]:
        """The polls to redraw now; each is marked redrawn at ``now``."""
        ready = sorted(p for p in self._pending if self._ready_at(p) <= now)
        for poll_id in ready:
            self._pending.discard(poll_id)
            self._last[poll_id] = now
        self._last = {
            p: t for p, t in self._last.items() if p in self._pending or t + self.interval > now
        }
        return ready

    @property
    def pending(self) -> frozenset[int]:
        return frozenset(self._pending)
