"""Logging set-up with a redaction filter: tokens, signing secrets and webhook URLs never reach
a log line, whatever the level, the arguments or the traceback.

Besides the configured secrets (masked wherever they appear), the patterns below catch what the
libraries log at DEBUG (and SQLAlchemy at INFO) and the config cannot name: webhook tokens in
discord.py's request URLs and response bodies, a channel link's ``webhook_ref`` (``<id>:<token>``)
in SQL parameters and rows, any ``"token"``/``"…_token"``/``"…secret"``/``"ticket"`` field of a
JSON body or a dict (Slack's verification token in Socket Mode envelopes, Discord interaction
tokens), and every websocket URL's path and query (Slack's Socket Mode URL is a bearer
credential: ``wss://…/link/?ticket=…``, or the emulator's ``ws://…/slack/socket/<ticket>``)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

PATTERNS: tuple[re.Pattern[str], ...] = (
    # Slack tokens: bot, user, app-level, config, refresh
    re.compile(r"\bxox[abposre]-[A-Za-z0-9-]{6,}"),
    re.compile(r"\bxapp-[A-Za-z0-9-]{6,}"),
    # Discord bot tokens: base64 user id . timestamp . hmac
    re.compile(r"\b[MNO][A-Za-z\d_-]{20,}\.[A-Za-z\d_-]{4,}\.[A-Za-z\d_-]{20,}"),
    # Discord and Slack webhook URLs (the token is the secret part)
    re.compile(r"(/api(?:/v\d+)?/webhooks/\d+/)[A-Za-z0-9_.-]+"),
    re.compile(r"(/webhooks/\d+/)[A-Za-z0-9_.-]{20,}"),
    re.compile(r"(hooks\.slack\.com/)[A-Za-z0-9/_-]+"),  # incoming webhooks, response_url
    # a channel link's webhook_ref, "<snowflake>:<token>" (SQL parameters and rows)
    re.compile(r"(?<![\w.:/-])(\d{15,21}:)[A-Za-z0-9_-]{24,}"),
    # Authorization headers and bearer tokens
    re.compile(r"((?:Bearer|Bot|Basic)\s+)[A-Za-z0-9._~+/=-]{8,}"),
    # query-string secrets
    re.compile(r"((?:token|client_secret|refresh_token|access_token|code|ticket)=)[^&\s\"']+"),
    # secret fields of a JSON body or a dict's repr: "token": "...", 'bot_token': '...'
    re.compile(
        r"(\\?[\"'](?:[A-Za-z_]*token|[A-Za-z_]*secret|ticket)\\?[\"']\s*:\s*\\?[\"'])[^\"'\\]+"
    ),
    # websocket URLs handed out by an API (Slack Socket Mode): keep only scheme and host
    re.compile(r"(\bwss?://[^/\s\"'<>?#]+/?)[^\s\"'<>]+"),
)
MASK = "[REDACTED]"


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and traceback) with secrets masked."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self.add_secrets(secrets)

    def add_secrets(self, secrets: Iterable[str]) -> None:
        self._secrets.update(s for s in secrets if s and len(s) >= 4)

    def redact(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        for pattern in PATTERNS:
            text = pattern.sub(_mask_match, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info:
            formatter = logging.Formatter()
            record.exc_text = self.redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def _mask_match(match: re.Match[str]) -> str:
    prefix = match.group(1) if match.groups() else ""
    return f"{prefix}{MASK}"


_FILTER = RedactingFilter()
_installed = False


def redaction_filter() -> RedactingFilter:
    return _FILTER


def install_redaction(secrets: Iterable[str] = ()) -> RedactingFilter:
    """Redact every record at creation, so every handler (ours, pytest's, a library's) only
    ever sees the masked text."""
    global _installed
    _FILTER.add_secrets(secrets)
    if not _installed:
        base_factory = logging.getLogRecordFactory()

        def factory(*args: object, **kwargs: object) -> logging.LogRecord:
            record = base_factory(*args, **kwargs)
            _FILTER.filter(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
    return _FILTER


def setup_logging(level: str = "INFO", secrets: Iterable[str] = ()) -> RedactingFilter:
    """Configure the root logger: one stderr handler; redaction for every record."""
    install_redaction(secrets)
    root = logging.getLogger()
    root.setLevel(level)
    if not any(getattr(h, "_fanbridge", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler._fanbridge = True  # type: ignore[attr-defined]
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
        root.addHandler(handler)
    return _FILTER
