"""What `fanbridge run` loads before it connects anything: the composition root and the CLI
leave out what only later work needs (start-up pays every import before the bridge is ready,
issue #15). Checked in a fresh interpreter, as a start sees it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# alembic: only when a migration is due; spotipy (requests, redis): the first Spotify lookup;
# asyncpg and SQLAlchemy's PostgreSQL dialect: PostgreSQL only; discord, slack_sdk, slack_bolt:
# the platforms' start (Slack's in a thread while Discord connects); jinja2: the web server,
# imported while the platforms connect; icalendar, playwright: tests only
LATER = (
    *("alembic", "spotipy", "requests", "redis", "asyncpg", "sqlalchemy.dialects.postgresql"),
    *("discord", "slack_sdk", "slack_bolt", "jinja2", "icalendar", "playwright"),
)


def test_the_composition_root_imports_none_of_what_comes_later() -> None:
    script = (
        "import sys, adapters.cli, adapters.runtime, adapters.startup_errors\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules} | set(sys.modules))))"
    )
    ran = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == 0, ran.stderr
    loaded = set(ran.stdout.split())
    assert loaded.isdisjoint(LATER), sorted(loaded & set(LATER))
