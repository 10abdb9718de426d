"""`fanbridge doctor` against the emulators: everything passes on a healthy setup; a revoked
Discord permission, a Slack channel the bot left, a wrong token and an unreachable database each
show their own ✗ line and a non-zero exit."""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.cli import main
from emulators.server import ThreadedEmulator


def _control(url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url + path, data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def _toml(value: Any) -> str:
    return "true" if value is True else "false" if value is False else json.dumps(value)


def write_config(
    path: Path, world: dict[str, Any], emulator: str, db_url: str, **edits: Any
) -> Path:
    discord, slack = world["discord"], world["slack"]
    guild, team = discord["guilds"][0], slack["workspaces"][0]
    sections: dict[str, dict[str, Any]] = {
        "database": {"url": db_url},
        "discord": {"token": discord["bot_token"]},
        "slack": {
            "bot_token": slack["bot_token"],
            "app_token": slack["app_token"],
            "signing_secret": slack["signing_secret"],
            "mode": "socket",
        },
        "spotify": {
            "client_id": world["spotify"]["client_id"],
            "client_secret": world["spotify"]["client_secret"],
        },
        "web": {"host": "127.0.0.1", "port": 0},
        "network": {"emulator": emulator},
    }
    for key, value in edits.items():
        section, name = key.split("__")
        sections[section][name] = value
    lines = [
        f"[{name}]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in body.items())
        for name, body in sections.items()
    ]
    lines.append('[[groups]]\nslug = "fans"\nname = "Fans"\n')
    for platform, workspace, channel in (
        ("discord", guild["id"], guild["channels"][0]["id"]),
        ("slack", team["id"], team["channels"][0]["id"]),
    ):
        lines.append(
            f"[[groups.channels]]\nplatform = {_toml(platform)}\n"
            f"workspace = {_toml(workspace)}\nchannel = {_toml(channel)}\n"
        )
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def world(emulator: ThreadedEmulator) -> dict[str, Any]:
    return _control(emulator.url, "/_emu/world")  # type: ignore[no-any-return]


@pytest.fixture
def healthy(emulator: ThreadedEmulator, world: dict[str, Any], tmp_path: Path) -> Iterator[Path]:
    """A config for the emulated world, its SQLite database migrated."""
    config = write_config(
        tmp_path / "config.toml", world, emulator.url, f"sqlite+aiosqlite:///{tmp_path}/bridge.db"
    )
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    yield config


def doctor(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["doctor", "--config", str(config)])
    out = capsys.readouterr().out
    return code, out.splitlines()


def failures(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("✗")]


def test_everything_passes_on_a_healthy_setup(
    healthy: Path, world: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = doctor(healthy, capsys)
    assert failures(lines) == [] and code == 0, lines
    assert all(line.startswith("✓ ") for line in lines), lines
    text = "\n".join(lines)
    for what in (
        "config",
        "database reachable",
        "database supported",
        "database migrations current",
        "Discord bot token",
        "Discord privileged intents",
        f"Discord channel #general ({world['discord']['guilds'][0]['channels'][0]['id']})",
        "Slack bot token",
        "Slack bot scopes",
        "Slack app token (Socket Mode)",
        f"Slack channel #general ({world['slack']['workspaces'][0]['channels'][0]['id']})",
        "Spotify credentials",
        "web port free",
    ):
        assert f"✓ {what}" in text, (what, lines)


def test_a_revoked_discord_permission_is_named(
    healthy: Path,
    emulator: ThreadedEmulator,
    world: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    channel = world["discord"]["guilds"][0]["channels"][0]["id"]
    bot = world["discord"]["bot_user_id"]
    path = f"/_emu/discord/channels/{channel}/overwrites"
    _control(emulator.url, path, {"id": bot, "deny": ["MANAGE_WEBHOOKS"]})
    try:
        code, lines = doctor(healthy, capsys)
    finally:
        _control(emulator.url, path, {"id": bot})
    [line] = failures(lines)
    assert code != 0
    assert line.startswith(
        f"✗ Discord channel #general ({channel}): the bot lacks Manage Webhooks."
    )
    assert "Fix: " in line


def test_a_server_where_the_bot_cannot_create_events_is_named(
    healthy: Path,
    emulator: ThreadedEmulator,
    world: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Artists' events become scheduled events in every linked server: without Create Events
    (or Manage Events) they would fail at the first `/announce event`, so doctor says so now."""
    channel = world["discord"]["guilds"][0]["channels"][0]["id"]
    bot = world["discord"]["bot_user_id"]
    path = f"/_emu/discord/channels/{channel}/overwrites"
    _control(emulator.url, path, {"id": bot, "deny": ["CREATE_EVENTS", "MANAGE_EVENTS"]})
    try:
        code, lines = doctor(healthy, capsys)
    finally:
        _control(emulator.url, path, {"id": bot})
    [line] = failures(lines)
    assert code != 0
    assert line.startswith(f"✗ Discord channel #general ({channel}): the bot lacks Create Events.")


def test_a_slack_channel_the_bot_left(
    healthy: Path,
    emulator: ThreadedEmulator,
    world: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    channel = world["slack"]["workspaces"][0]["channels"][0]["id"]
    member = {"channel": channel, "user": world["slack"]["bot_user_id"]}
    _control(emulator.url, "/_emu/slack/members", {**member, "remove": True})
    try:
        code, lines = doctor(healthy, capsys)
    finally:
        _control(emulator.url, "/_emu/slack/members", member)
    assert code != 0
    assert failures(lines) == [
        f"✗ Slack channel #general ({channel}): the bot is not a member. "
        "Fix: in that channel type /invite @<your bot>"
    ], lines


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ({"discord__token": "MTAw.wrong.token"}, "✗ Discord bot token: Discord answered 401"),
        ({"slack__bot_token": "xoxb-wrong"}, "✗ Slack bot token: auth.test answered invalid_auth"),
        ({"slack__app_token": "xapp-wrong"}, "✗ Slack app token (Socket Mode): "),
        (
            {"spotify__client_secret": "wrong"},
            "✗ Spotify credentials: the token request answered 400",
        ),
    ],
)
def test_a_wrong_token(
    edit: dict[str, str],
    expected: str,
    emulator: ThreadedEmulator,
    world: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path}/bridge.db"
    config = write_config(tmp_path / "config.toml", world, emulator.url, db_url, **edit)
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    code, lines = doctor(config, capsys)
    assert code != 0
    [line] = failures(lines)
    assert line.startswith(expected) and ". Fix: " in line, lines


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_a_stopped_database(
    kind: str,
    emulator: ThreadedEmulator,
    world: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if kind == "postgresql":
        pytest.importorskip("asyncpg")
        db_url = f"postgresql://fan:pw@127.0.0.1:{_closed_port()}/fanbridge"
    else:
        db_url = f"sqlite+aiosqlite:///{tmp_path}/missing/bridge.db"
    config = write_config(tmp_path / "config.toml", world, emulator.url, db_url)
    code, lines = doctor(config, capsys)
    assert code != 0
    [line] = failures(lines)
    assert line.startswith("✗ database reachable (") and ". Fix: " in line, lines
    assert "pw" not in line
    assert "✓ Discord bot token (bot FanBridge)" in lines  # the other checks still run


def test_a_migrated_database_behind_head(
    emulator: ThreadedEmulator,
    world: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import sqlite3

    sqlite3.connect(tmp_path / "bridge.db").close()  # exists, never migrated
    db_url = f"sqlite+aiosqlite:///{tmp_path}/bridge.db"
    config = write_config(tmp_path / "config.toml", world, emulator.url, db_url)
    code, lines = doctor(config, capsys)
    assert code != 0
    [line] = failures(lines)
    assert line.startswith("✗ database migrations current: the database is at no revision"), lines
    assert "fanbridge db upgrade --config" in line


def test_a_broken_config_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[discord\n", encoding="utf-8")
    assert main(["doctor", "--config", str(config)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("fanbridge: "), err
