"""The `fanbridge` command as a person runs it: a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from storage.migrate import alembic_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_ENV = {
    "DISCORD_TOKEN": "discord-token-value",
    "SLACK_BOT_TOKEN": "xoxb-123-456-abc",
    "SLACK_APP_TOKEN": "xapp-1-A1-2-abc",
    "SLACK_SIGNING_SECRET": "signing-secret-value",
    "SPOTIFY_CLIENT_ID": "spotify-id",
    "SPOTIFY_CLIENT_SECRET": "spotify-secret",
}


def fanbridge(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_help_lists_the_subcommands() -> None:
    result = fanbridge("--help")
    assert result.returncode == 0
    for command in ("run", "demo", "emulate", "db", "config", "version"):
        assert command in result.stdout


@pytest.mark.parametrize(
    "args", [["run"], ["demo"], ["emulate"], ["db", "upgrade"], ["config", "check"], ["version"]]
)
def test_every_subcommand_has_help(args: list[str]) -> None:
    result = fanbridge(*args, "--help")
    assert result.returncode == 0 and "usage: fanbridge" in result.stdout


def test_unknown_flag_is_a_one_line_error() -> None:
    result = fanbridge("version", "--bogus")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "unrecognized arguments: --bogus" in result.stderr


def test_missing_config_file_is_a_one_line_error(tmp_path: Path) -> None:
    result = fanbridge("config", "check", str(tmp_path / "nope.toml"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "file not found" in result.stderr


def test_config_check_passes_on_the_example() -> None:
    result = fanbridge("config", "check", "config.example.toml", env=EXAMPLE_ENV)
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout


def test_config_check_reports_a_bad_file_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[slack]\nbot_token = "x"\nmode = "carrier-pigeon"\n')
    result = fanbridge("config", "check", str(bad))
    assert result.returncode == 2
    assert "[slack] mode" in result.stderr and "Traceback" not in result.stderr


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    result = fanbridge("db", "upgrade", "--url", f"sqlite:///{db}")
    assert result.returncode == 0, result.stderr
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert f"revision {head}" in result.stdout and db.exists()


def test_version() -> None:
    result = fanbridge("version")
    assert result.returncode == 0 and result.stdout.startswith("fanbridge ")
