"""cProfile around the bridge's part of a run. cProfile hooks only the thread that enables it,
so the emulator (its own thread) stays out of the figures."""

from __future__ import annotations

import contextlib
import cProfile
import pstats
import sys
from collections import defaultdict
from collections.abc import Iterator


class Profiler:
    def __init__(self, top: int = 18) -> None:
        self.profile = cProfile.Profile()
        self.top = top

    @staticmethod
    @contextlib.contextmanager
    def maybe(profiler: Profiler | None) -> Iterator[None]:
        if profiler is None:
            yield
            return
        profiler.profile.enable()
        try:
            yield
        finally:
            profiler.profile.disable()

    def report(self, title: str = "profile") -> str:
        """Own (self) time grouped by package, then the top functions by own time. Cumulative
        times are left out: with coroutines they count the time spent suspended."""
        stats = pstats.Stats(self.profile)
        rows: dict[tuple[str, int, str], tuple[int, int, float, float, object]]
        rows = stats.stats  # type: ignore[attr-defined]
        total = sum(row[2] for row in rows.values()) or 1.0
        groups: defaultdict[str, float] = defaultdict(float)
        for (filename, _, function), row in rows.items():
            groups[_group(filename, function)] += row[2]
        out = [f"\n{title}: own CPU time {total:.2f} s on the bridge's thread, by package"]
        for name, seconds in sorted(groups.items(), key=lambda kv: -kv[1])[: self.top]:
            out.append(f"  {name:<40}{seconds:>8.2f} s{100 * seconds / total:>6.0f}%")
        out.append(f"{title}: top {self.top} functions by own time")
        ranked = sorted(rows.items(), key=lambda kv: -kv[1][2])[: self.top]
        for (filename, line, function), row in ranked:
            where = f"{_short(filename)}:{line}({function})" if line else function
            out.append(f"  {row[2]:>7.2f} s {row[1]:>8} calls  {where[:90]}")
        return "\n".join(out)


def _group(filename: str, function: str) -> str:
    if "select.epoll" in function or "selectors" in filename:
        return "(idle: waiting in epoll)"
    if filename == "~":
        return "(builtins: sockets, queues, ...)"
    short = _short(filename)
    if short.startswith(("bridge/", "storage/", "adapters/", "bench/", "emulators/")):
        return f"fanbridge {short.split('/', 1)[0]}"
    if "/" not in short:
        return f"stdlib {short.removesuffix('.py')}"
    top = short.split("/", 1)[0]
    return top if "site-packages" in filename else f"stdlib {top}"


def _short(filename: str) -> str:
    """A path relative to site-packages, the project, or the standard library."""
    for marker in ("site-packages/", "/work/main/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    for prefix in sorted(set(sys.path), key=len, reverse=True):
        if prefix and len(prefix) > 1 and filename.startswith(prefix.rstrip("/") + "/"):
            return filename[len(prefix.rstrip("/")) + 1 :]
    return filename
