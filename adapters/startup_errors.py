"""Start-up failures as one sentence each: what failed and how to fix it.

``Runtime.start`` records which part it was starting (``StartupFailed.part``: "database",
"discord", "slack", "web", ...); ``describe`` looks the failure up in ``TABLE`` (the first row
whose test matches wins) and phrases it for a person. Anything not in the table still gets one
line that names the part, with a hint to run again with ``--debug`` for the traceback."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy.engine import make_url

from adapters.config import Config
from adapters.sqlite_lock import DatabaseInUse

BIND_ERRORS = {errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES}
SLACK_AUTH_ERRORS = {
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "not_allowed_token_type",
}
PLATFORM_NAMES = {"discord": "Discord", "slack": "Slack"}


class StartupFailed(Exception):
    """Start-up stopped at ``part`` because of ``error`` (also the ``__cause__``)."""

    def __init__(self, part: str, error: BaseException) -> None:
        super().__init__(f"starting {part}: {type(error).__name__}: {error}")
        self.part = part
        self.error = error


@dataclass(frozen=True)
class Failure:
    part: str  # the part being started
    error: BaseException  # the exception in the chain that matched
    config: Config


@dataclass(frozen=True)
class Row:
    parts: frozenset[str]  # the parts this row applies to (empty: any)
    test: Callable[[BaseException], bool]
    sentence: Callable[[Failure], str]


def _type_named(*names: str) -> Callable[[BaseException], bool]:
    """Matches by class name anywhere in the MRO (no import of optional libraries)."""

    def test(exc: BaseException) -> bool:
        return any(f"{c.__module__}.{c.__qualname__}" in names for c in type(exc).__mro__)

    return test


def _slack_auth(exc: BaseException) -> bool:
    if not _type_named("slack_sdk.errors.SlackApiError")(exc):
        return False
    response = getattr(exc, "response", None)
    code = response.get("error") if response is not None else None
    return code in SLACK_AUTH_ERRORS


def _slack_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    return str(response.get("error")) if response is not None else "refused"


def _slack_app_token(exc: BaseException) -> bool:
    url = str(getattr(getattr(exc, "response", None), "api_url", ""))
    return "apps.connections.open" in url


def _bind_error(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in BIND_ERRORS


def _unreachable(exc: BaseException) -> bool:
    if _type_named("aiohttp.client_exceptions.ClientConnectorError")(exc):
        return True
    if _type_named("aiohttp.client_exceptions.ServerDisconnectedError")(exc):
        return True
    return isinstance(exc, ConnectionError | TimeoutError) or (
        isinstance(exc, OSError) and exc.errno is not None and not _bind_error(exc)
    )


def _database_where(config: Config) -> str:
    try:
        url = make_url(config.database.url)
    except Exception:  # validated by the config already; stay one line whatever happens
        return "the database"
    if url.get_backend_name() == "sqlite":
        return f"the SQLite file {url.database}"
    port = f":{url.port}" if url.port else ""
    return f"PostgreSQL at {url.host or 'localhost'}{port} (database {url.database or '?'})"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno:
        return os.strerror(exc.errno).lower()
    os_error = getattr(exc, "os_error", None)  # aiohttp's ClientConnectorError
    if isinstance(os_error, OSError) and os_error.errno:
        return os.strerror(os_error.errno).lower()
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    text = str(exc).split("\n", 1)[0].strip()
    return text or type(exc).__name__


def _platform_where(failure: Failure) -> str:
    emulator = failure.config.network.emulator
    name = PLATFORM_NAMES.get(failure.part, failure.part)
    if emulator:
        return f"{name} at the emulator {emulator}"
    return {"discord": "Discord (discord.com)", "slack": "Slack (slack.com)"}.get(
        failure.part, name
    )


def _platform_fix(failure: Failure) -> str:
    if failure.config.network.emulator:
        return "start `fanbridge emulate` or correct [network] emulator (or remove it)"
    return "check this machine's internet connection, DNS and firewall (outbound HTTPS)"


def _database_fix(failure: Failure) -> str:
    if make_url(failure.config.database.url).get_backend_name() == "sqlite":
        return "check that the file's folder exists and is writable, or correct [database] url"
    return "start PostgreSQL, or correct host, port, user and password in [database] url"


def _db_auth(exc: BaseException) -> bool:
    return _type_named(
        "asyncpg.exceptions.InvalidPasswordError",
        "asyncpg.exceptions.InvalidAuthorizationSpecificationError",
    )(exc)


def _db_missing(exc: BaseException) -> bool:
    return _type_named("asyncpg.exceptions.InvalidCatalogNameError")(exc)


def _holder(exc: BaseException) -> str:
    return (exc.pid if isinstance(exc, DatabaseInUse) else "") or "?"


def _web_where(failure: Failure) -> str:
    return f"{failure.config.web.host}:{failure.config.web.port}"


ANY: frozenset[str] = frozenset()
PLATFORMS = frozenset({"discord", "slack"})
TABLE: tuple[Row, ...] = (
    Row(
        frozenset({"discord"}),
        _type_named("discord.errors.LoginFailure"),
        lambda f: (
            "Discord refused the bot token (401). Fix: copy the token again from the "
            "Developer Portal > Bot into [discord] token"
        ),
    ),
    Row(
        frozenset({"discord"}),
        _type_named("discord.errors.PrivilegedIntentsRequired"),
        lambda f: (
            "Discord refused the privileged intents (4014). Fix: turn on Message Content "
            "Intent and Server Members Intent in the Developer Portal > Bot"
        ),
    ),
    Row(
        frozenset({"slack"}),
        lambda e: _slack_auth(e) and _slack_app_token(e),
        lambda f: (
            f"Slack refused the app-level token ({_slack_code(f.error)}). Fix: copy the "
            "xapp-... token (connections:write) from your Slack app's Basic Information > "
            "App-Level Tokens into [slack] app_token"
        ),
    ),
    Row(
        frozenset({"slack"}),
        _slack_auth,
        lambda f: (
            f"Slack refused the bot token ({_slack_code(f.error)}). Fix: copy the Bot User "
            "OAuth Token (xoxb-...) again from your Slack app's OAuth & Permissions page into "
            "[slack] bot_token"
        ),
    ),
    Row(
        frozenset({"web"}),
        _bind_error,
        lambda f: (
            f"the web port {_web_where(f)} is not available ({_reason(f.error)}). Fix: stop "
            "what uses it, or set [web] port to a free port"
        ),
    ),
    Row(
        frozenset({"database"}),
        lambda e: isinstance(e, DatabaseInUse),
        lambda f: (
            f"{_database_where(f.config)} is in use by another fanbridge process "
            f"(pid {_holder(f.error)}): SQLite runs one process. Fix: stop "
            'that process, or use PostgreSQL ([database] url = "postgresql://...") to run '
            "several workers"
        ),
    ),
    Row(
        frozenset({"database"}),
        _db_auth,
        lambda f: (
            f"{_database_where(f.config)} refused the login ({_reason(f.error)}). Fix: "
            "correct the user and password in [database] url"
        ),
    ),
    Row(
        frozenset({"database"}),
        _db_missing,
        lambda f: (
            f"{_database_where(f.config)}: {_reason(f.error)}. Fix: create it "
            "(createdb NAME) or correct the database name in [database] url"
        ),
    ),
    Row(
        frozenset({"database"}),
        _unreachable,
        lambda f: (
            f"cannot reach {_database_where(f.config)} ({_reason(f.error)}). "
            f"Fix: {_database_fix(f)}"
        ),
    ),
    Row(
        frozenset({"database"}),
        _type_named("sqlalchemy.exc.OperationalError"),
        lambda f: (
            f"cannot open {_database_where(f.config)} ({_reason(f.error)}). Fix: {_database_fix(f)}"
        ),
    ),
    Row(
        PLATFORMS,
        _unreachable,
        lambda f: (
            f"cannot reach {_platform_where(f)} ({_reason(f.error)}). Fix: {_platform_fix(f)}"
        ),
    ),
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, what caused it, and the members of exception groups (each once)."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                todo.append(linked)


def describe(exc: BaseException, config: Config) -> str:
    """One line (without the ``fanbridge:`` prefix) for a failure of ``fanbridge run``."""
    part = exc.part if isinstance(exc, StartupFailed) else "the bridge"
    error = exc.error if isinstance(exc, StartupFailed) else exc
    for row in TABLE:
        if row.parts and part not in row.parts:
            continue
        for linked in _chain(error):
            if row.test(linked):
                return _one_line(row.sentence(Failure(part, linked, config)))
    name = PLATFORM_NAMES.get(part, part)
    return _one_line(
        f"{name} failed to start ({type(error).__name__}: {_reason(error)}). "
        "Fix: run again with --debug to see the details"
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())
