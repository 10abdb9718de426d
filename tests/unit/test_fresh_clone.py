"""A newcomer's clone: the repository cloned into a temporary directory, with no environment
variable set, finds everything its contract checks need inside itself (no folder beside it)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ("tests/unit/test_contracts.py", "tests/unit/test_self_contained.py")


@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout"
)
def test_a_clone_anywhere_passes_the_contract_checks_with_no_environment(tmp_path: Path) -> None:
    clone = tmp_path / "fanbridge"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # nothing else: no FANBRIDGE_*
    where = subprocess.run(
        [sys.executable, "-c", "import emulators.contracts.sources as s; print(s.DEFAULT_DIR)"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert Path(where.stdout.strip()).is_relative_to(clone), where.stdout + where.stderr
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *CHECKS],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "skipped" not in run.stdout, run.stdout[-1000:]
