"""Config loading: the example loads; each kind of bad config gets its one clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.config import load_config
from adapters.config_errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_ENV = {
    "DISCORD_TOKEN": "discord-token-value",
    "SLACK_BOT_TOKEN": "xoxb-123-456-abc",
    "SLACK_APP_TOKEN": "xapp-1-A1-2-abc",
    "SLACK_SIGNING_SECRET": "signing-secret-value",
    "SPOTIFY_CLIENT_ID": "spotify-id",
    "SPOTIFY_CLIENT_SECRET": "spotify-secret",
}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path, env or {})
    message = str(info.value)
    assert str(path) in message and "Fix:" in message
    assert "Traceback" not in message
    return message


def test_example_loads_with_its_environment() -> None:
    config = load_config(ROOT / "config.example.toml", EXAMPLE_ENV)
    assert config.database.url == "sqlite+aiosqlite:///fanbridge.db"
    assert config.discord is not None and config.discord.token == "discord-token-value"
    assert config.slack is not None and config.slack.mode == "socket"
    assert config.slack.bot_token == "xoxb-123-456-abc"
    assert config.spotify is not None and config.spotify.client_secret == "spotify-secret"
    [group] = config.groups
    assert group.slug == "indie-fans"
    assert [(c.platform, c.direction) for c in group.channels] == [
        ("discord", "inout"),
        ("slack", "inout"),
    ]
    assert set(config.secrets()) >= {"discord-token-value", "xoxb-123-456-abc", "spotify-secret"}


def test_example_holds_no_literal_secret() -> None:
    text = (ROOT / "config.example.toml").read_text()
    for line in text.splitlines():
        key = line.split("=", 1)[0].strip()
        if key in {"token", "bot_token", "app_token", "signing_secret", "client_secret"}:
            assert '"env:' in line, line


def test_defaults_when_sections_are_absent(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""), {})
    assert config.database.url == "sqlite+aiosqlite:///fanbridge.db"
    assert config.discord is None and config.slack is None
    assert (config.web.host, config.web.port) == ("127.0.0.1", 8080)
    assert config.network.emulator is None


def test_environment_overrides_and_emulator_origin(tmp_path: Path) -> None:
    path = write(tmp_path, '[network]\nemulator = "http://127.0.0.1:8765/"\n')
    env = {"FANBRIDGE_DISCORD_TOKEN": "from-env", "FANBRIDGE_DATABASE_URL": "sqlite:///x.db"}
    config = load_config(path, env)
    assert config.discord is not None and config.discord.token == "from-env"
    assert config.database.url == "sqlite:///x.db"
    assert config.network.emulator == "http://127.0.0.1:8765"


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "[slack\nmode = socket\n"))
    assert "TOML syntax error" in message and "line 1" in message


def test_unknown_key_is_named(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, '[slack]\nbot_token = "x"\nmodee = "http"\n'))
    assert "[slack] modee: unknown key" in message


def test_wrong_type_is_named(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, '[web]\nport = "eighty"\n'))
    assert "[web] port" in message and "whole number" in message


def test_wrong_choice_lists_the_allowed_values(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, '[slack]\nbot_token = "x"\nmode = "sockets"\n'))
    assert "[slack] mode" in message and "'socket' or 'http'" in message


def test_missing_secret_names_the_variable(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, '[discord]\ntoken = "env:MY_DISCORD_TOKEN"\n'))
    assert "[discord] token" in message and "MY_DISCORD_TOKEN is not set" in message


def test_missing_required_key(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, '[spotify]\nclient_id = "a"\n'))
    assert "[spotify] client_secret: required key is missing" in message


def test_bad_group_channel_is_located(tmp_path: Path) -> None:
    text = (
        '[[groups]]\nslug = "ok"\nname = "Ok"\n'
        '[[groups.channels]]\nplatform = "discord"\nworkspace = "1"\nchannel = "2"\n'
        '[[groups.channels]]\nplatform = "matrix"\nworkspace = "1"\nchannel = "3"\n'
    )
    message = error_of(write(tmp_path, text))
    assert "[[groups]] #1 > [[groups.channels]] #2: platform" in message


def test_secret_values_are_not_echoed_in_errors(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "[discord]\ntoken = 12345678\n"))
    assert "[discord] token" in message and "12345678" not in message


@pytest.mark.parametrize(
    "url", ["mysql://fan:pw-secret@127.0.0.1/fans", "oracle://x", "fanbridge.db", "sqlite3:///x"]
)
def test_database_url_the_product_cannot_use_is_refused(tmp_path: Path, url: str) -> None:
    message = error_of(write(tmp_path, f'[database]\nurl = "{url}"\n'))
    assert "[database] url" in message and "only SQLite and PostgreSQL" in message
    assert "Fix: " in message and "\n" not in message and "pw-secret" not in message


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///x.db",
        "sqlite+aiosqlite:///x.db",
        "postgresql://u@h/d",
        "postgresql+asyncpg://u@h/d",
        "postgres://u@h/d",
    ],
)
def test_database_urls_the_product_uses_are_accepted(tmp_path: Path, url: str) -> None:
    assert load_config(write(tmp_path, f'[database]\nurl = "{url}"\n')).database.url == url
