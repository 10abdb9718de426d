"""Nothing secret reaches a log record, even at DEBUG: the real bridge (discord.py, slack-bolt in
Socket Mode, SQLAlchemy on SQLite) against the emulators with every logger at DEBUG and the
redaction installed as the CLI installs it. A message crosses each way (Slack to Discord through
a webhook the bridge creates, Discord to Slack), and no formatted record holds a bot token, the
app token, the signing secret, Slack's verification token, a webhook token or a Socket Mode
ticket. Records made by the emulator's own thread (the outside world) are not the product's."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.logsetup import install_redaction
from adapters.runtime import Runtime
from emulators.server import ThreadedEmulator
from emulators.slack import SLACK
from tests.e2e.harness import Chats, Emu, bridge_config, start_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")
LIBRARIES = ("discord", "slack_sdk", "slack_bolt", "sqlalchemy", "aiosqlite", "aiohttp", "asyncio")
FORMAT = logging.Formatter("%(levelname)s %(name)s %(message)s")


async def secrets_seen_by_the_bridge(world: dict[str, Any], runtime: Runtime) -> set[str]:
    """Every secret the bridge held or was handed during the run."""
    slack = world["slack"]
    found = {world["discord"]["bot_token"], slack["verification_token"]}
    found |= {slack[k] for k in ("bot_token", "app_token", "signing_secret")}
    assert runtime.store is not None
    for group in await runtime.store.list_groups():
        for link in await runtime.store.links_for_group(group.id):
            if link.webhook_ref:
                found.add(link.webhook_ref.partition(":")[2])
    return found


def socket_tickets(emulator: ThreadedEmulator) -> set[str]:
    """The Socket Mode tickets ``apps.connections.open`` handed out (read on the emulator's
    loop)."""
    assert emulator.server is not None
    hub = emulator.server.app[SLACK].sockets
    return set(emulator.call(lambda: list(hub.tickets)))


def product_records(records: list[logging.LogRecord]) -> list[str]:
    return [FORMAT.format(r) for r in records if r.threadName != "emulator"]


async def test_no_secret_reaches_any_record_at_debug(
    emulator: ThreadedEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in LIBRARIES:
        caplog.set_level(logging.DEBUG, logger=name)
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        world = await emu.world()
        config = bridge_config(world, emulator.url, tmp_path / "bridge.db")
        install_redaction(config.secrets())  # what `fanbridge run` does through setup_logging
        runtime = await start_bridge(config)
        try:
            chats = Chats(emu, world)
            await chats.slack_post("frank", "over the webhook, at debug")  # a Socket Mode event
            await chats.wait_for(chats.discord_texts, "over the webhook, at debug")
            await chats.discord_post("alice", "back through the bot, at debug")
            await chats.wait_for(chats.slack_texts, "back through the bot, at debug")
            secrets = await secrets_seen_by_the_bridge(world, runtime)
            secrets |= socket_tickets(emulator)
        finally:
            await runtime.stop()
    lines = product_records(caplog.records)
    assert len(secrets) >= 7, secrets  # four configured, verification token, webhook, ticket
    for library in ("discord.http", "slack_sdk", "sqlalchemy.engine"):
        assert any(f" {library}" in line for line in lines), library  # DEBUG really was on
    leaks = [(secret, line) for line in lines for secret in secrets if secret in line]
    assert leaks == [], "\n".join(f"{s[:12]}: {line[:700]}" for s, line in leaks)
