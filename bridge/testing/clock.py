"""A clock that moves only when told: tests jump time instead of sleeping."""

from __future__ import annotations

START = 1_800_000_000.0  # 2027-01-15, a fixed moment so tests read the same every run


class ManualClock:
    def __init__(self, start: float = START) -> None:
        self.t = start

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds
