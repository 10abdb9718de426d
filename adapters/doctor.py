"""`fanbridge doctor`: every part the bridge depends on, checked live, one line per check.

Each check is a small function returning frozen results; ``CHECKS`` is the table run in order.
Nothing is changed anywhere: migrations are compared, never applied; platform calls only read
(``apps.connections.open`` hands out a Socket Mode URL that is simply never used).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import socket
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters import invite
from adapters.config import Config

DISCORD_API = "https://discord.com/api/v10"
SLACK_API = "https://slack.com/api/"
SPOTIFY_TOKEN_URL = "https://accounts.spotify.com/api/token"
MANIFEST = Path(__file__).resolve().parents[1] / "slack-app-manifest.yml"
TIMEOUT = 10.0

# Application flags (Discord developer docs, "Application" > "Application Flags").
GATEWAY_GUILD_MEMBERS = 1 << 14
GATEWAY_GUILD_MEMBERS_LIMITED = 1 << 15
GATEWAY_MESSAGE_CONTENT = 1 << 18
GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19
INTENTS = {
    "Server Members": GATEWAY_GUILD_MEMBERS | GATEWAY_GUILD_MEMBERS_LIMITED,
    "Message Content": GATEWAY_MESSAGE_CONTENT | GATEWAY_MESSAGE_CONTENT_LIMITED,
}
ADMINISTRATOR = 1 << 3
MANAGE_EVENTS = 1 << 33
ALL_PERMISSIONS = (1 << 53) - 1
# What the relay, reactions, threads and deletes use in every linked channel (adapters/invite.py).
CHANNEL_PERMISSIONS = {
    "View Channel": invite.VIEW_CHANNEL,
    "Send Messages": invite.SEND_MESSAGES,
    "Read Message History": invite.READ_MESSAGE_HISTORY,
    "Manage Webhooks": invite.MANAGE_WEBHOOKS,
    "Add Reactions": invite.ADD_REACTIONS,
    "Manage Messages": invite.MANAGE_MESSAGES,
    "Create Public Threads": invite.CREATE_PUBLIC_THREADS,
    "Send Messages in Threads": invite.SEND_MESSAGES_IN_THREADS,
    # an artist's event becomes a scheduled event (Manage Events allows it too)
    "Create Events": invite.CREATE_EVENTS | MANAGE_EVENTS,
}
SQLITE_MIN = (3, 35)  # RETURNING
POSTGRES_MIN = (13,)


@dataclass(frozen=True)
class Result:
    """One line of the report."""

    what: str
    problem: str | None = None
    fix: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None

    def line(self) -> str:
        if self.ok:
            return f"✓ {self.what}"
        return f"✗ {self.what}: {self.problem}. Fix: {self.fix}"


def passed(what: str) -> Result:
    return Result(what)


def failed(what: str, problem: str, fix: str) -> Result:
    return Result(what, problem.rstrip("."), fix)


@dataclass(frozen=True)
class Link:
    platform: str
    workspace: str
    channel: str


@dataclass
class Probe:
    """What the checks share: the config, one HTTP session, the linked channels found so far."""

    config: Config
    config_file: str
    session: aiohttp.ClientSession
    links: list[Link] = field(default_factory=list)

    def add_links(self, links: list[Link]) -> None:
        self.links.extend(link for link in links if link not in self.links)

    def linked(self, platform: str) -> list[Link]:
        return [link for link in self.links if link.platform == platform]


Check = Callable[[Probe], Awaitable[list[Result]]]


# -- database ----------------------------------------------------------------------------------
def _shown_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_missing(url: str) -> str | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or ":memory:" in url:
        return None
    path = Path(parsed.database)
    if not path.parent.is_dir():
        return f"directory {path.parent} does not exist"
    return None if path.exists() else f"no database file at {path}"


def _server_version(connection: Any) -> tuple[int, ...]:
    if connection.dialect.name == "sqlite":
        return sqlite3.sqlite_version_info
    return tuple(connection.dialect.server_version_info or ())


def _supported(backend: str, version: tuple[int, ...]) -> Result:
    shown = ".".join(str(v) for v in version)
    minimum = {"sqlite": SQLITE_MIN, "postgresql": POSTGRES_MIN}.get(backend)
    what = f"database supported ({backend} {shown})"
    if minimum is None:
        return failed(what, f"{backend} is not supported", "use SQLite or PostgreSQL")
    if version < minimum:
        need = ".".join(str(v) for v in minimum)
        return failed(what, f"needs {backend} {need} or newer", f"upgrade {backend}")
    return passed(what)


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def _migrations(engine: AsyncEngine, config_file: str) -> Result:
    from storage.migrate import current_revision

    logging.getLogger("alembic").setLevel(logging.WARNING)  # no "Context impl" lines in the report
    current, head = await current_revision(engine), head_revision()
    if current == head:
        return passed(f"database migrations current ({head})")
    return failed(
        "database migrations current",
        f"the database is at {current or 'no revision'}, this version needs {head}",
        f"run `fanbridge db upgrade --config {config_file}` (start-up applies them too)",
    )


async def _stored_links(engine: AsyncEngine) -> list[Link]:
    query = text("SELECT platform, workspace_id, channel_id FROM channel_link")
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [Link(str(p), str(w), str(c)) for p, w, c in rows]


async def check_database(probe: Probe) -> list[Result]:
    from storage.db import create_engine

    database = probe.config.database
    what = f"database reachable ({_shown_url(database.url)})"
    fix = "start the database server, or correct [database] url"
    if missing := _sqlite_missing(database.url):
        return [
            failed(
                what,
                missing,
                "correct [database] url, or create it: "
                f"fanbridge db upgrade --config {probe.config_file}",
            )
        ]
    engine = create_engine(database.url, schema=database.schema_name)
    try:
        try:
            async with asyncio.timeout(TIMEOUT), engine.connect() as conn:
                version = await conn.run_sync(_server_version)
        except Exception as exc:  # any driver: refused, unknown host, bad password, timeout
            return [failed(what, _describe(exc), fix)]
        results = [passed(what), _supported(engine.dialect.name, version)]
        results.append(await _migrations(engine, probe.config_file))
        if results[-1].ok:
            probe.add_links(await _stored_links(engine))
        return results
    finally:
        await engine.dispose()


def _describe(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    if isinstance(original, TimeoutError):
        return f"no answer within {TIMEOUT:.0f} s"
    message = str(original).strip().splitlines()[0] if str(original).strip() else ""
    return f"{type(original).__name__}: {message}" if message else type(original).__name__


# -- HTTP helpers ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    headers: dict[str, str]


async def _request(probe: Probe, method: str, url: str, **kwargs: Any) -> Reply:
    async with probe.session.request(method, url, **kwargs) as response:
        body = await response.json(content_type=None) if response.status != 204 else None
        return Reply(response.status, body, dict(response.headers))


# -- Discord -----------------------------------------------------------------------------------
def _discord_base(config: Config) -> str:
    emulator = config.network.emulator
    return f"{emulator.rstrip('/')}/discord/api/v10" if emulator else DISCORD_API


async def _discord(probe: Probe, path: str) -> Reply:
    assert probe.config.discord is not None
    headers = {"Authorization": f"Bot {probe.config.discord.token}"}
    return await _request(probe, "GET", _discord_base(probe.config) + path, headers=headers)


async def check_discord(probe: Probe) -> list[Result]:
    if probe.config.discord is None:
        return []
    me = await _discord(probe, "/users/@me")
    if me.status != 200:
        return [
            failed(
                "Discord bot token",
                f"Discord answered {me.status} to GET /users/@me",
                "developer portal > your app > Bot > Reset Token, put it in [discord] token",
            )
        ]
    results = [passed(f"Discord bot token (bot {me.body.get('username')})")]
    results.append(await _discord_intents(probe))
    bot_id = str(me.body["id"])
    for link in probe.linked("discord"):
        results.append(await _discord_channel(probe, bot_id, link))
    return results


async def _discord_intents(probe: Probe) -> Result:
    app = await _discord(probe, "/applications/@me")
    what = "Discord privileged intents (Server Members, Message Content)"
    if app.status != 200:
        return failed(what, f"GET /applications/@me answered {app.status}", "check the token")
    flags = int(app.body.get("flags") or 0)
    off = [name for name, bits in INTENTS.items() if not flags & bits]
    if not off:
        return passed(what)
    return failed(
        what,
        f"{' and '.join(off)} intent off",
        "developer portal > your app > Bot > Privileged Gateway Intents: turn on "
        + " and ".join(off),
    )


async def _discord_channel(probe: Probe, bot_id: str, link: Link) -> Result:
    what = f"Discord channel {link.channel}"
    channel = await _discord(probe, f"/channels/{link.channel}")
    if channel.status != 200:
        return failed(
            what,
            f"the bot cannot see it (GET /channels answered {channel.status})",
            "add the bot to that server (`fanbridge discord invite-url`) and allow it View "
            "Channel there, or remove the link",
        )
    what = f"Discord channel #{channel.body.get('name')} ({link.channel})"
    guild_id = str(channel.body.get("guild_id") or link.workspace)
    guild = await _discord(probe, f"/guilds/{guild_id}")
    member = await _discord(probe, f"/guilds/{guild_id}/members/{bot_id}")
    if guild.status != 200 or member.status != 200:
        return failed(what, "the bot is not a member of its server", "invite the bot again")
    allowed = channel_permissions(guild.body, member.body, channel.body, bot_id)
    missing = [name for name, bit in CHANNEL_PERMISSIONS.items() if not allowed & bit]
    if not missing:
        return passed(what)
    return failed(
        what,
        f"the bot lacks {', '.join(missing)}",
        f"channel settings > Permissions: allow the bot's role {', '.join(missing)} "
        "(or re-invite it with `fanbridge discord invite-url`)",
    )


def channel_permissions(
    guild: dict[str, Any], member: dict[str, Any], channel: dict[str, Any], user_id: str
) -> int:
    """Discord's computation (developer docs, "Permissions"): base from @everyone and the
    member's roles, then the channel's @everyone, role and member overwrites, in that order."""
    if str(guild.get("owner_id")) == user_id:
        return ALL_PERMISSIONS
    guild_id = str(guild["id"])
    roles = {str(r["id"]): int(r.get("permissions") or 0) for r in guild.get("roles") or []}
    mine = [str(r) for r in member.get("roles") or []]
    value = roles.get(guild_id, 0)
    for role_id in mine:
        value |= roles.get(role_id, 0)
    if value & ADMINISTRATOR:
        return ALL_PERMISSIONS
    overwrites = {str(o["id"]): o for o in channel.get("permission_overwrites") or []}
    value = _apply(value, [overwrites[guild_id]] if guild_id in overwrites else [])
    value = _apply(value, [overwrites[r] for r in mine if r in overwrites])
    return _apply(value, [overwrites[user_id]] if user_id in overwrites else [])


def _apply(value: int, overwrites: list[dict[str, Any]]) -> int:
    allow = deny = 0
    for overwrite in overwrites:
        allow |= int(overwrite.get("allow") or 0)
        deny |= int(overwrite.get("deny") or 0)
    return (value & ~deny) | allow


# -- Slack -------------------------------------------------------------------------------------
def _slack_base(config: Config) -> str:
    emulator = config.network.emulator
    return f"{emulator.rstrip('/')}/slack/api/" if emulator else SLACK_API


async def _slack(probe: Probe, method: str, token: str, **args: str) -> Reply:
    url = _slack_base(probe.config) + method
    headers = {"Authorization": f"Bearer {token}"}
    return await _request(probe, "POST", url, headers=headers, data=args)


def manifest_scopes(path: Path = MANIFEST) -> set[str]:
    """The bot scopes slack-app-manifest.yml asks for (empty when the file is not shipped)."""
    if not path.exists():
        return set()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return set(data["oauth_config"]["scopes"]["bot"])


async def check_slack(probe: Probe) -> list[Result]:
    slack = probe.config.slack
    if slack is None:
        return []
    auth = await _slack(probe, "auth.test", slack.bot_token)
    if not auth.body.get("ok"):
        return [
            failed(
                "Slack bot token",
                f"auth.test answered {auth.body.get('error')}",
                "api.slack.com > your app > OAuth & Permissions: copy the Bot User OAuth Token "
                "(xoxb-...) into [slack] bot_token",
            )
        ]
    results = [passed(f"Slack bot token ({auth.body.get('team')}, bot {auth.body.get('user')})")]
    results.append(_slack_scopes(auth))
    if slack.mode == "socket":
        results.append(await _slack_app_token(probe, slack.app_token))
    for link in probe.linked("slack"):
        results.append(await _slack_channel(probe, slack.bot_token, link))
    return results


def _slack_scopes(auth: Reply) -> Result:
    granted = {s.strip() for s in auth.headers.get("x-oauth-scopes", "").split(",") if s.strip()}
    missing = sorted(manifest_scopes() - granted)
    if not missing:
        return passed("Slack bot scopes (as slack-app-manifest.yml)")
    return failed(
        "Slack bot scopes",
        f"not granted: {', '.join(missing)}",
        "add them under OAuth & Permissions > Bot Token Scopes, then reinstall the app",
    )


async def _slack_app_token(probe: Probe, app_token: str | None) -> Result:
    what = "Slack app token (Socket Mode)"
    fix = (
        "api.slack.com > your app > Basic Information > App-Level Tokens: create one with "
        'connections:write, put it in [slack] app_token (or set mode = "http")'
    )
    if not app_token:
        return failed(what, "[slack] app_token is not set", fix)
    opened = await _slack(probe, "apps.connections.open", app_token)
    if opened.body.get("ok"):
        return passed(what)
    return failed(what, f"apps.connections.open answered {opened.body.get('error')}", fix)


async def _slack_channel(probe: Probe, token: str, link: Link) -> Result:
    what = f"Slack channel {link.channel}"
    info = await _slack(probe, "conversations.info", token, channel=link.channel)
    if not info.body.get("ok"):
        return failed(
            what,
            f"conversations.info answered {info.body.get('error')}",
            "check the channel id in the link, or invite the bot: /invite @<bot> in it",
        )
    what = f"Slack channel #{info.body['channel'].get('name')} ({link.channel})"
    if info.body["channel"].get("is_member"):
        return passed(what)
    return failed(what, "the bot is not a member", "in that channel type /invite @<your bot>")


# -- Spotify -----------------------------------------------------------------------------------
async def check_spotify(probe: Probe) -> list[Result]:
    spotify = probe.config.spotify
    if spotify is None:
        return []
    emulator = probe.config.network.emulator
    url = f"{emulator.rstrip('/')}/spotify-accounts/api/token" if emulator else SPOTIFY_TOKEN_URL
    pair = f"{spotify.client_id}:{spotify.client_secret}".encode()
    headers = {"Authorization": "Basic " + base64.b64encode(pair).decode()}
    form = {"grant_type": "client_credentials"}
    reply = await _request(probe, "POST", url, headers=headers, data=form)
    if reply.status == 200:
        return [passed("Spotify credentials")]
    error = reply.body.get("error") if isinstance(reply.body, dict) else None
    return [
        failed(
            "Spotify credentials",
            f"the token request answered {reply.status} {error or ''}".strip(),
            "developer.spotify.com > your app > Settings: copy Client ID and Client secret into "
            "[spotify]",
        )
    ]


# -- web port ----------------------------------------------------------------------------------
async def check_web_port(probe: Probe) -> list[Result]:
    web = probe.config.web
    what = f"web port free ({web.host}:{web.port})"
    try:
        with socket.create_server((web.host, web.port)):
            return [passed(what)]
    except OSError as exc:
        return [
            failed(
                what,
                exc.strerror or str(exc),
                "stop what listens there (is the bridge already running?) or change [web] port",
            )
        ]


CHECKS: tuple[tuple[str, Check], ...] = (
    ("database", check_database),
    ("Discord", check_discord),
    ("Slack", check_slack),
    ("Spotify", check_spotify),
    ("web", check_web_port),
)


def config_links(config: Config) -> list[Link]:
    return [
        Link(c.platform, c.workspace, c.channel) for group in config.groups for c in group.channels
    ]


async def _guarded(name: str, check: Check, probe: Probe) -> list[Result]:
    try:
        return await check(probe)
    except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as exc:
        return [
            failed(
                f"{name} reachable",
                _describe(exc),
                "check the network, or [network] emulator when testing against the emulators",
            )
        ]


async def run_doctor(config: Config, config_file: str, out: Callable[[str], None]) -> int:
    """Run every check, print one line each as it finishes; 0 when all passed, else 1."""
    timeout = aiohttp.ClientTimeout(total=TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        probe = Probe(config, config_file, session, config_links(config))
        failures = 0
        for name, check in CHECKS:
            for result in await _guarded(name, check, probe):
                out(result.line())
                failures += not result.ok
    return 1 if failures else 0
