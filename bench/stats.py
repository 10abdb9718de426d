"""Turn one run's posts, probes and observations into figures."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.burst import DISCORD, SLACK, Observed, Posted, request_text, tokens_in
from bench.world import BenchWorld


@dataclass
class RunFigures:
    label: str
    posted: int = 0
    relayed: int = 0
    lost: int = 0
    duplicated: int = 0
    misrouted: int = 0
    reordered_channels: int = 0
    seconds: float = 0.0
    completed: bool = False
    added_ms: list[float] = field(default_factory=list)  # dispatch -> API call of the copy
    ingest_ms: list[float] = field(default_factory=list)  # control-API post -> dispatch
    end_to_end_ms: list[float] = field(default_factory=list)  # post -> API call of the copy
    http_429: dict[str, int] = field(default_factory=dict)
    copy_calls: int = 0  # platform calls that carried a copy (retries included)
    outbox_retries: int = 0
    events_in: int = 0
    sql_statements: int = 0
    sql_commits: int = 0
    sql_writes: int = 0  # commits of a transaction that wrote (INSERT, UPDATE or DELETE)
    errors: dict[str, int] = field(default_factory=dict)  # bridge ERROR log lines by cause
    dead_tasks: dict[str, str] = field(default_factory=dict)  # runtime task name -> its error

    @property
    def throughput(self) -> float:
        return self.relayed / self.seconds if self.seconds > 0 else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def copy_calls(observed: Observed) -> dict[str, list[tuple[float, int]]]:
    """token -> [(at, status)] of every platform call whose text carried that token."""
    calls: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for records in observed.requests.values():
        for record in records:
            if record.get("method") != "POST":
                continue
            for token in tokens_in(request_text(record)):
                calls[token].append((float(record["at"]), int(record["status"])))
    return calls


def copies_found(observed: Observed, world: BenchWorld, posted: Sequence[Posted]) -> RunFigures:
    """Lost, duplicated, misrouted and reordered copies, from the channels' contents."""
    by_token = {p.token: p for p in posted}
    expected = {p.token: _target(world, p) for p in posted}
    seen: Counter[str] = Counter()
    figures = RunFigures(label="")
    for (platform, channel), texts in observed.channels.items():
        order: list[int] = []
        for text in texts:
            for token in tokens_in(text):
                origin = by_token.get(token)
                if origin is None or origin.side == platform:
                    continue  # another run's message, or the origin itself
                if expected[token] == (platform, channel):
                    seen[token] += 1
                    order.append(origin.seq)
                else:
                    figures.misrouted += 1
        if order != sorted(order):
            figures.reordered_channels += 1
    figures.posted = len(posted)
    figures.relayed = sum(1 for p in posted if seen[p.token] > 0)
    figures.lost = figures.posted - figures.relayed
    figures.duplicated = sum(n - 1 for n in seen.values() if n > 1)
    return figures


def _target(world: BenchWorld, posted: Posted) -> tuple[str, str]:
    pair = world.pairs[posted.pair]
    if posted.side == DISCORD:
        return SLACK, pair.slack_channel
    return DISCORD, pair.discord_channel


def latencies(
    figures: RunFigures,
    posted: Sequence[Posted],
    received: dict[tuple[str, str], float],
    observed: Observed,
) -> None:
    calls = copy_calls(observed)
    figures.copy_calls = sum(len(c) for c in calls.values())
    for p in posted:
        ok = sorted(at for at, status in calls.get(p.token, []) if status < 300)
        got = received.get((p.side, p.origin_id))
        if got is not None:
            figures.ingest_ms.append((got - p.posted_at) * 1000)
        if not ok:
            continue
        figures.end_to_end_ms.append((ok[0] - p.posted_at) * 1000)
        if got is not None:
            figures.added_ms.append((ok[0] - got) * 1000)
    figures.http_429 = {
        platform: sum(1 for r in records if r.get("status") == 429)
        for platform, records in observed.requests.items()
    }
