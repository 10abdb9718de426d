"""No token, signing secret or webhook URL reaches a log line, whatever the level: neither what
the product logs nor what the libraries log at DEBUG (lines shaped as discord.py, slack_sdk,
SQLAlchemy and aiosqlite write them; tests/e2e/test_debug_secrets.py runs the real ones)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from adapters.logsetup import install_redaction

DISCORD_TOKEN = "MTA5ODc2NTQzMjEwOTg3NjU0.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789"
SLACK_TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp"
APP_TOKEN = "xapp-1-A012345-678901234-abcdef0123456789"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
WEBHOOK = "https://discord.com/api/webhooks/123456789012345678/Zx9_SecretWebhookToken-abc123XYZ"
SECRETS = [DISCORD_TOKEN, SLACK_TOKEN, APP_TOKEN, SIGNING_SECRET, WEBHOOK]
LEVELS = [logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL]


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    install_redaction([SIGNING_SECRET])
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("fanbridge.test.redaction")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


@pytest.mark.parametrize("level", LEVELS)
def test_secrets_never_reach_output(captured: io.StringIO, level: int) -> None:
    logger = logging.getLogger("fanbridge.test.redaction")
    for secret in SECRETS:
        logger.log(level, "in the message: %s", secret)
        logger.log(level, "Authorization: Bot " + secret)
        logger.log(level, "call %s", {"url": secret, "headers": {"Authorization": secret}})
        try:
            raise RuntimeError(f"request failed for {secret}")
        except RuntimeError:
            logger.log(level, "with a traceback", exc_info=True)
    output = captured.getvalue()
    assert "[REDACTED]" in output
    assert "request failed for" in output  # the message itself survives
    for secret in SECRETS:
        assert secret not in output
    assert "Zx9_SecretWebhookToken" not in output


def test_ordinary_text_is_kept(captured: io.StringIO) -> None:
    logging.getLogger("fanbridge.test.redaction").info("relayed message 1234 to #general")
    assert "relayed message 1234 to #general" in captured.getvalue()


# -- what the libraries log at DEBUG (and SQLAlchemy at INFO), as they log it ----------------
HOOK_TOKEN = "b7vz0XB5JSTtRvSvbiW6DVJPd74cp5WYI2-1A8BFB9qI9fcAZx9_SecretWebhookTokenAbc"
VERIFICATION = "Jhj5dZrVaK7ZwHHjRyZWjbDl"
TICKET = "3f2b8c1e-5d7a-4b9e-8c2d-1a2b3c4d5e6f"
EMU_TICKET = "gy7hmf06xh3trk0zwrqg35tr"
INTERACTION = "aW50ZXJhY3Rpb246MTU3OTAzNTQ4MDEyMzY0MTg1Njp0b2tlbg"
RESPONSE_PATH = "T0Z5VEEFU4T/1579035480/Xq8SecretResponsePart"
LIBRARY_LINES = {
    "discord.py creating a webhook": (
        "POST https://discord.com/api/v10/channels/1579035290432049154/webhooks has received "
        "{'id': '1579035303019155456', 'type': 1, 'name': 'fanbridge', "
        f"'token': '{HOOK_TOKEN}', 'url': "
        f"'https://discord.com/api/webhooks/1579035303019155456/{HOOK_TOKEN}'}}",
        HOOK_TOKEN,
        "'id': '1579035303019155456'",
    ),
    "discord.py executing a webhook": (
        "Webhook ID 1579035303019155456 with POST "
        f"https://discord.com/api/v10/webhooks/1579035303019155456/{HOOK_TOKEN}?wait=1 "
        "has returned status code 200",
        HOOK_TOKEN,
        "Webhook ID 1579035303019155456",
    ),
    "discord.py answering an interaction": (
        "POST https://discord.com/api/v10/webhooks/1579035290432049160/"
        f"{INTERACTION}/messages/@original with None has returned 200",
        INTERACTION,
        "has returned 200",
    ),
    "a gateway event with an interaction token": (
        "For Shard ID None: WebSocket Event: {'t': 'INTERACTION_CREATE', 'd': "
        f'{{"id": "1579035480123641999", "token": "{INTERACTION}", "type": 2}}}}',
        INTERACTION,
        "INTERACTION_CREATE",
    ),
    "SQLAlchemy's parameters (INFO)": (
        f"[generated in 0.00021s] ('1579035303019155456:{HOOK_TOKEN}', 1)",
        HOOK_TOKEN,
        "('1579035303019155456:",
    ),
    "SQLAlchemy's rows (DEBUG)": (
        "Row (1, 1, 'discord', '1579035290432049153', '1579035290432049154', 'inout', "
        f"'1579035303019155456:{HOOK_TOKEN}', 'config', 1796541750.7424407, 'general')",
        HOOK_TOKEN,
        "'general'",
    ),
    "aiosqlite's statements (DEBUG)": (
        "executing functools.partial(<built-in method execute of sqlite3.Cursor object>, "
        "'UPDATE channel_link SET webhook_ref=? WHERE channel_link.id = ?', "
        f"('1579035303019155456:{HOOK_TOKEN}', 1))",
        HOOK_TOKEN,
        "UPDATE channel_link SET webhook_ref=?",
    ),
    "a Socket Mode envelope": (
        'Received message (type: TEXT, data: \'{"envelope_id": "4a968051", "payload": '
        f'{{"token": "{VERIFICATION}", "team_id": "T0Z5VEEFU4T", "event": {{"type": '
        '"message", "text": "hello"}}, "type": "events_api"}\', extra: \'\')',
        VERIFICATION,
        '"text": "hello"',
    ),
    "an interactivity payload with a response_url": (
        f'{{"token": "{VERIFICATION}", "response_url": '
        f'"https://hooks.slack.com/commands/{RESPONSE_PATH}"}}',
        "Xq8SecretResponsePart",
        "https://hooks.slack.com/",
    ),
    "apps.connections.open on Slack": (
        "Received the following response - status: 200, body: {'ok': True, 'url': "
        f"'wss://wss-primary.slack.com/link/?ticket={TICKET}&app_id=A0FANBRIDGE'}}",
        TICKET,
        "wss://wss-primary.slack.com/",
    ),
    "apps.connections.open on the emulator": (
        "Received the following response - status: 200, body: {'ok': True, 'url': "
        f"'ws://127.0.0.1:40109/slack/socket/{EMU_TICKET}?app_id=A0FANBRIDGE'}}",
        EMU_TICKET,
        "ws://127.0.0.1:40109/",
    ),
    "a Socket Mode reconnect": (
        f"A new session has been established (session id: 1, url: wss://wss-primary.slack."
        f"com/link/?ticket={TICKET}&app_id=A0FANBRIDGE)",
        TICKET,
        "A new session has been established",
    ),
}


@pytest.mark.parametrize("case", list(LIBRARY_LINES))
@pytest.mark.parametrize("level", [logging.DEBUG, logging.INFO])
def test_what_libraries_log_at_debug_is_redacted(
    captured: io.StringIO, case: str, level: int
) -> None:
    line, secret, kept = LIBRARY_LINES[case]
    logging.getLogger("fanbridge.test.redaction").log(level, "%s", line)
    output = captured.getvalue()
    assert secret not in output and "[REDACTED]" in output
    assert kept in output  # what the line is about stays readable


def test_ids_times_and_links_are_not_secrets(captured: io.StringIO) -> None:
    ordinary = (
        "copy 1579035303019155456:0 of message ts 1767400000.000100 at 12:30:45, "
        "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC, "
        '{"token_type": "Bearer", "expires_in": 3600, "tokens": 3}'
    )
    logging.getLogger("fanbridge.test.redaction").debug(ordinary)
    assert ordinary in captured.getvalue()
