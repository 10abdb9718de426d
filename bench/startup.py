"""How long `fanbridge emulate` takes from launch to listening (the issue asks for < 2 s).

    python -m bench.startup [--runs 5]

Each run starts a fresh process, waits for the line it prints once the server listens (and has
written --world-out), then stops it. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def one_run(world_out: Path) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "adapters.cli",
            "emulate",
            "--port",
            "0",
            "--world-out",
            str(world_out),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)
    if not line.startswith("fanbridge emulator on"):
        raise SystemExit(f"unexpected output: {line!r}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        times = [one_run(Path(tmp) / f"world{i}.json") for i in range(args.runs)]
    print(f"fanbridge emulate, launch -> listening, {args.runs} runs (with Python start-up)")
    median = statistics.median(times)
    print(f"  median {median:.2f} s   min {min(times):.2f} s   max {max(times):.2f} s")


if __name__ == "__main__":
    main()
