"""No token, signing secret or webhook URL reaches a log line, whatever the level."""

from __future__ import annotations

import io
import logging

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
def captured() -> io.StringIO:
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
