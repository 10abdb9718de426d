"""The printed table: one column per run, one row per figure."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from bench.stats import RunFigures, percentile

Row = tuple[str, Callable[[RunFigures], str]]


def _ms(values: list[float]) -> str:
    if not values:
        return "n/a"
    p50, p95, p99 = (percentile(values, q) for q in (50, 95, 99))
    return f"{p50:.0f} / {p95:.0f} / {p99:.0f}"


def _num(value: float, digits: int = 0) -> str:
    return "n/a" if math.isnan(value) else f"{value:.{digits}f}"


ROWS: list[Row] = [
    ("messages posted", lambda f: str(f.posted)),
    ("relayed (copy seen once or more)", lambda f: str(f.relayed)),
    ("lost", lambda f: str(f.lost)),
    ("duplicated", lambda f: str(f.duplicated)),
    ("misrouted / channels out of order", lambda f: f"{f.misrouted} / {f.reordered_channels}"),
    ("settled before the timeout", lambda f: "yes" if f.completed else "NO"),
    ("first post -> last copy (s)", lambda f: _num(f.seconds, 2)),
    ("throughput (messages/s)", lambda f: _num(f.throughput, 1)),
    ("added latency p50/p95/p99 (ms)", lambda f: _ms(f.added_ms)),
    ("  post -> bridge got it p50/p95/p99", lambda f: _ms(f.ingest_ms)),
    ("  post -> copy API call p50/p95/p99", lambda f: _ms(f.end_to_end_ms)),
    ("429s received (discord / slack)", lambda f: _pair(f.http_429)),
    ("copy API calls (incl. retries)", lambda f: str(f.copy_calls)),
    ("outbox retries after 429", lambda f: str(f.outbox_retries)),
    ("events into the router", lambda f: str(f.events_in)),
    ("errors logged by the bridge", lambda f: str(sum(f.errors.values()))),
    ("bridge tasks that died", lambda f: ", ".join(f.dead_tasks) or "none"),
    ("SQL statements / transactions / writes per msg", lambda f: _per(f)),
]


def _pair(counts: dict[str, int]) -> str:
    return f"{counts.get('discord', 0)} / {counts.get('slack', 0)}"


def _per(f: RunFigures) -> str:
    if not f.posted:
        return "n/a"
    n = f.posted
    return f"{f.sql_statements / n:.1f} / {f.sql_commits / n:.1f} / {f.sql_writes / n:.2f}"


def table(runs: Sequence[RunFigures]) -> str:
    width = max(len(name) for name, _ in ROWS) + 2
    columns = [max(14, len(r.label) + 2, *(len(fn(r)) + 2 for _, fn in ROWS)) for r in runs]
    header = "".ljust(width) + "".join(r.label.rjust(c) for r, c in zip(runs, columns, strict=True))
    lines = [header, "-" * len(header)]
    for name, fn in ROWS:
        cells = "".join(fn(r).rjust(c) for r, c in zip(runs, columns, strict=True))
        lines.append(name.ljust(width) + cells)
    return "\n".join(lines)
