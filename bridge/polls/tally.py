"""The count of a poll, pure: the bridge's votes (one per member) plus the votes the platform's
own poll counted, per option; the bars the cards draw; the winners."""

from __future__ import annotations

from dataclasses import dataclass

from bridge.polls.model import Counts, Poll

BAR_WIDTH = 10
FULL, EMPTY = "█", "░"


@dataclass(frozen=True, slots=True)
class Tally:
    votes: tuple[int, ...]  # per option: the bridge's and the platform poll's together
    native: tuple[int, ...]  # per option: the platform poll's part
    voters: tuple[tuple[str, ...], ...]  # per option: who voted through the bridge

    @property
    def total(self) -> int:
        return sum(self.votes)

    def share(self, option: int) -> float:
        return self.votes[option] / self.total if self.total else 0.0

    @property
    def winners(self) -> tuple[int, ...]:
        """The options with the most votes (none when nobody voted)."""
        top = max(self.votes, default=0)
        return tuple(i for i, v in enumerate(self.votes) if v == top) if top else ()


def tally(poll: Poll, counts: Counts) -> Tally:
    size = len(poll.options)
    bridge = [0] * size
    names: list[list[str]] = [[] for _ in range(size)]
    for vote in counts.votes:
        if 0 <= vote.option < size:
            bridge[vote.option] += 1
            names[vote.option].append(vote.name)
    native = tuple(max(0, counts.native.get(i, 0)) for i in range(size))
    return Tally(
        votes=tuple(b + n for b, n in zip(bridge, native, strict=True)),
        native=native,
        voters=tuple(tuple(n) for n in names),
    )


def bar(share: float, width: int = BAR_WIDTH) -> str:
    """``████░░░░░░`` for a share of 0..1 (a vote at all shows at least one block)."""
    filled = round(max(0.0, min(1.0, share)) * width)
    if share > 0 and filled == 0:
        filled = 1
    return FULL * filled + EMPTY * (width - filled)


def percent(share: float) -> str:
    return f"{round(share * 100)}%"
