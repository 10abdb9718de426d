"""`fanbridge run` keeps Python's cyclic garbage collector off while it starts (adapters/cli.py:
cmd_run) and always turns it back on: here a start that fails (its database cannot be opened)
still leaves it on for whoever called ``main`` (in a process of its own: ``main`` sets up the
process's logging)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import gc, sys
from adapters.cli import main
code = main(["run", "--config", sys.argv[1]])
print(code, gc.isenabled())
"""


def test_a_failed_start_leaves_the_collector_on(tmp_path: Path) -> None:
    config = tmp_path / "fanbridge.toml"
    missing = tmp_path / "no-such-folder" / "bridge.db"
    config.write_text(f'[database]\nurl = "sqlite:///{missing}"\n')
    ran = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.stdout.split() == ["1", "True"], ran.stderr
    assert "fanbridge: " in ran.stderr
