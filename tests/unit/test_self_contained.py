"""A fresh clone needs nothing outside the repository: the platform specs are kept in it and no
tracked file points beside it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from emulators.contracts import Contracts, sources

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("bridge", "adapters", "storage", "emulators", "tests", "Makefile", ".ci", "docs")
SCANNED_FILES = ("README.md",)
OUTSIDE = (b"../shared", b"shared/contracts")
SPEC_FOLDERS = ("discord-api-spec", "slack-api-specs", "spotify-web-api-openapi")


@pytest.fixture(autouse=True)
def _no_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(sources.ENV_VAR, raising=False)


def tracked(*paths: str) -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    out = subprocess.run(
        ["git", "ls-files", "-z", "--", *paths],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    return [p for p in out.decode().split("\0") if p]


def test_the_default_contracts_dir_is_inside_the_repository() -> None:
    assert sources.contracts_dir() == sources.DEFAULT_DIR
    assert sources.DEFAULT_DIR.is_relative_to(ROOT)
    assert sources.DEFAULT_DIR == ROOT / "third_party" / "contracts"


def test_an_empty_override_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sources.ENV_VAR, "")
    assert sources.contracts_dir() == sources.DEFAULT_DIR


def test_the_default_contracts_load_for_every_platform() -> None:
    contracts = Contracts.load()
    assert contracts is not None
    assert contracts.directory == sources.DEFAULT_DIR
    # each platform validates (a platform without its spec answers [] for anything)
    assert contracts.discord("GET", "/nowhere", {}, None) != []
    assert contracts.slack("chat.postMessage", {}) != []
    assert contracts.spotify("GET", "/nowhere", {}, None) != []


def test_the_specs_the_emulators_read_are_tracked_with_license_and_source() -> None:
    files = set(tracked("third_party/contracts"))
    for candidates in (sources.DISCORD_SPEC, sources.SLACK_SPEC, sources.SPOTIFY_SPEC):
        assert any(f"third_party/contracts/{c}" in files for c in candidates), candidates
    for folder in SPEC_FOLDERS:
        base = f"third_party/contracts/{folder}"
        assert {f"{base}/LICENSE.txt", f"{base}/SOURCE.txt"} <= files
        assert "MIT License" in (ROOT / base / "LICENSE.txt").read_text(encoding="utf-8")


def test_no_tracked_file_points_outside_the_repository() -> None:
    me = Path(__file__).resolve().relative_to(ROOT).as_posix()
    offenders = [
        path
        for path in tracked(*SCANNED, *SCANNED_FILES)
        if path != me
        and (ROOT / path).is_file()
        and any(needle in (ROOT / path).read_bytes() for needle in OUTSIDE)
    ]
    assert offenders == []
