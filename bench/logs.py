"""Benchmarks log only errors (warnings too with --verbose), so the printed figures stand out."""

from __future__ import annotations

import logging


def bench_logging(verbose: bool) -> None:
    root = logging.getLogger()
    root.setLevel(logging.WARNING if verbose else logging.ERROR)
    handler = logging.StreamHandler() if verbose else logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
