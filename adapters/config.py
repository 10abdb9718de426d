"""Typed configuration: a TOML file plus the environment.

Secrets are never written in the file: a value ``"env:NAME"`` is read from the environment
variable NAME, and any key can be overridden with ``FANBRIDGE_<SECTION>_<KEY>`` (for example
``FANBRIDGE_DISCORD_TOKEN``). Every problem is reported as one line that names the file, the key,
what is wrong and how to fix it.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from adapters.config_errors import ConfigError, describe_validation_error

ENV_PREFIX = "FANBRIDGE_"
SECRET_KEYS = {
    ("discord", "token"),
    ("slack", "bot_token"),
    ("slack", "app_token"),
    ("slack", "signing_secret"),
    ("slack", "client_secret"),
    ("spotify", "client_secret"),
    ("web", "link_secret"),
    ("web", "secret"),
}


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# the database URL schemes fanbridge can use (a plain sqlite/postgresql gets the async driver)
DATABASE_SCHEMES = {
    "sqlite",
    "sqlite+aiosqlite",
    "postgresql",
    "postgresql+asyncpg",
    "postgres",
}


class DatabaseConfig(Section):
    url: str = "sqlite+aiosqlite:///fanbridge.db"
    # PostgreSQL only: keep fanbridge's tables in this schema (created when missing)
    schema_name: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")

    @field_validator("url")
    @classmethod
    def _supported(cls, value: str) -> str:
        scheme = value.split("://", 1)[0].lower() if "://" in value else ""
        if scheme not in DATABASE_SCHEMES:
            shown = f"{scheme}://" if scheme else "no scheme://"
            raise PydanticCustomError(
                "database_url",
                "fanbridge cannot use this database ({shown}): only SQLite and PostgreSQL",
                {"shown": shown},
            )
        return value


class DiscordConfig(Section):
    token: str
    application_id: str | None = None
    webhooks: bool = True  # relay through per-channel webhooks (author name and avatar)
    # gateway shards, shared by the workers (default: Discord's recommendation, GET /gateway/bot)
    shard_count: int | None = Field(default=None, ge=1, le=10000)


class SlackConfig(Section):
    bot_token: str
    app_token: str | None = None
    signing_secret: str | None = None
    mode: Literal["socket", "http"] = "socket"
    # "Add to Slack" (OAuth v2): with both set, the web server serves install_path and
    # redirect_uri_path, and each workspace that installs the app gets its own bot token
    client_id: str | None = None
    client_secret: str | None = Field(default=None, validate_default=True)
    install_path: str = Field(default="/slack/install", pattern=r"^/[^\s?#]*$")
    redirect_uri_path: str = Field(default="/slack/oauth_redirect", pattern=r"^/[^\s?#]*$")
    # where Slack sends the browser back (default: [web] public_url + redirect_uri_path); it
    # must be one of the app's redirect URLs (manifest: oauth_config.redirect_urls)
    redirect_uri: str | None = None
    state_expiration_seconds: int = Field(default=600, ge=60, le=86400)

    @property
    def oauth(self) -> bool:
        """True when "Add to Slack" is configured (client id and secret)."""
        return bool(self.client_id and self.client_secret)

    @field_validator("client_secret")
    @classmethod
    def _both_credentials(cls, value: str | None, info: ValidationInfo) -> str | None:
        if bool(info.data.get("client_id")) != bool(value):
            raise PydanticCustomError(
                "slack_oauth",
                "Add to Slack needs both client_id and client_secret (the app's Basic "
                "Information page), or neither",
            )
        return value


class SpotifyConfig(Section):
    client_id: str
    client_secret: str
    # where Spotify sends the browser back after `fanbridge spotify login`; register the same
    # address in the Spotify app's settings (a loopback IP over http, or https)
    redirect_uri: str = "http://127.0.0.1:8080/spotify/callback"
    playlist_sync: bool = True  # keep a "Play all on Spotify" playlist per group (needs login)


class WebConfig(Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    public_url: str | None = None
    link_secret: str | None = None
    # signs the personal links to private groups' pages (else derived from the bot tokens)
    secret: str | None = None


class WorkersConfig(Section):
    # a worker holds its presence (and shards, ...) this many seconds past its last renewal,
    # renewed every third of it: a dead worker's work is taken over within this time
    lease_seconds: float = Field(default=15.0, ge=3, le=600)


class NetworkConfig(Section):
    emulator: str | None = None

    @field_validator("emulator")
    @classmethod
    def _origin(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.fullmatch(r"https?://[A-Za-z0-9.\-\[\]:]+(:\d+)?/?", value):
            raise ValueError("must be an origin such as http://127.0.0.1:8765 (no path)")
        return value.rstrip("/")


class RelayConfig(Section):
    max_attachment_bytes: int = Field(default=8 * 1024 * 1024, ge=0)
    outbox_max_attempts: int = Field(default=12, ge=1)
    # after a restart or a lost session, edits, deletes and reactions of this many hours back
    # are reconciled from each linked channel's history (new messages since the last one seen
    # always cross)
    catch_up_hours: float = Field(default=24.0, gt=0, le=24 * 14)
    # one message never becomes more than this many messages on the other side: the rest goes
    # as a text file attached to the last part
    max_parts: int = Field(default=4, ge=1, le=20)


class AnnounceConfig(Section):
    # the zone `when:18:00` is read in for people who chose none (`/announce zone <Area/City>`)
    timezone: str = "UTC"
    # a scheduled post that fell due while the bridge was down still goes out this late
    grace_minutes: float = Field(default=10.0, ge=0)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Europe/Paris or UTC") from None
        return value


class LoggingConfig(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class ChannelSeed(Section):
    platform: Literal["discord", "slack"]
    workspace: str = Field(min_length=1)
    channel: str = Field(min_length=1)
    direction: Literal["in", "out", "inout"] = "inout"


class GroupSeed(Section):
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["artist", "genre", "topic"] = "topic"
    visibility: Literal["public", "invite", "approval"] = "public"
    music_links: bool = True  # add a shared song's links on other services to relayed copies
    channels: list[ChannelSeed] = Field(default_factory=list)


class Config(Section):
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    discord: DiscordConfig | None = None
    slack: SlackConfig | None = None
    spotify: SpotifyConfig | None = None
    web: WebConfig = Field(default_factory=WebConfig)
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    workers: WorkersConfig = Field(default_factory=WorkersConfig)
    relay: RelayConfig = Field(default_factory=RelayConfig)
    announce: AnnounceConfig = Field(default_factory=AnnounceConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    groups: list[GroupSeed] = Field(default_factory=list)

    def secrets(self) -> list[str]:
        """Every secret value in this config (for the log redaction filter)."""
        found: list[str] = []
        for section, key in SECRET_KEYS:
            value = getattr(getattr(self, section, None), key, None)
            if isinstance(value, str) and value:
                found.append(value)
        return found


def load_config(path: str | Path, env: Mapping[str, str] | None = None) -> Config:
    """Read, resolve and validate a config file. Raises ConfigError with a one-line message."""
    env = os.environ if env is None else env
    file = Path(path)
    raw = _read_toml(file)
    raw = _apply_env_overrides(raw, env)
    resolved = _resolve_env_refs(raw, env, file, ())
    return config_from_dict(resolved, file)


def config_from_dict(data: dict[str, Any], file: Path | str = "<config>") -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, Path(file), data)) from None


def _read_toml(file: Path) -> dict[str, Any]:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{file}: file not found. Fix: pass the path of your config file "
            f"(start from config.example.toml)"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read the file ({exc.strerror})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{file}: TOML syntax error: {exc}. Fix: correct the line it names "
            f"(strings need quotes, tables are written [section])"
        ) from None


def _apply_env_overrides(raw: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """FANBRIDGE_<SECTION>_<KEY> overrides [section] key (sections and keys of the model only)."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in raw.items()}
    for section, model in _section_models().items():
        for key in model.model_fields:
            name = f"{ENV_PREFIX}{section.upper()}_{key.upper()}"
            if name in env:
                out.setdefault(section, {})
                if isinstance(out[section], dict):
                    out[section][key] = env[name]
    return out


def _section_models() -> dict[str, type[BaseModel]]:
    return {
        "database": DatabaseConfig,
        "discord": DiscordConfig,
        "slack": SlackConfig,
        "spotify": SpotifyConfig,
        "web": WebConfig,
        "network": NetworkConfig,
        "workers": WorkersConfig,
        "relay": RelayConfig,
        "announce": AnnounceConfig,
        "logging": LoggingConfig,
    }


def _resolve_env_refs(
    value: Any, env: Mapping[str, str], file: Path, where: tuple[Any, ...]
) -> Any:
    if isinstance(value, dict):
        return {k: _resolve_env_refs(v, env, file, (*where, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_env_refs(v, env, file, (*where, i)) for i, v in enumerate(value)]
    if isinstance(value, str) and value.startswith("env:"):
        name = value[4:]
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ConfigError(
                f"{file}: {_key_name(where)}: {value!r} is not a valid environment reference. "
                f'Fix: write "env:NAME" with a variable name made of letters, digits and _'
            )
        if not env.get(name):
            raise ConfigError(
                f"{file}: {_key_name(where)}: the environment variable {name} is not set. "
                f"Fix: export {name}=... before starting fanbridge"
            )
        return env[name]
    return value


def _key_name(where: tuple[Any, ...]) -> str:
    from adapters.config_errors import key_name

    return key_name(where)
