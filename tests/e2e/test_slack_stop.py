"""A routine stop while Slack messages keep coming: the worker stops without an ERROR from the
Slack libraries (an acknowledgement written to a closing Socket Mode session used to log one on
every stop), and no message is lost: those the stopping worker acknowledged were handed on, the
others Slack sends again or the next start reads back from the history."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from emulators.server import ThreadedEmulator
from tests.e2e.harness import Chats, Emu, bridge_config, count, start_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")


class Records(logging.Handler):
    """Every record of WARNING and above that reaches the root logger."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def records() -> Iterator[Records]:
    handler = Records()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


async def test_a_stop_while_slack_messages_arrive_logs_no_error_and_loses_none(
    emulator: ThreadedEmulator, tmp_path: Path, records: Records
) -> None:
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        world = await emu.world()
        chats = Chats(emu, world)
        config = bridge_config(world, emulator.url, tmp_path / "bridge.db")
        runtime = await start_bridge(config)
        stopping: asyncio.Task[None] | None = None
        try:
            await chats.slack_post("frank", "before the stop")
            await chats.wait_for(chats.discord_texts, "before the stop")  # the relay flows

            # Grace's first message is still being handled when the stop comes: the look-up
            # of her profile hangs for a second (Slack is slow), then fails (the message goes
            # on under her user id).
            hang = {"platform": "slack", "path_glob": "*users.info", "mode": "timeout"}
            await emu.post("/_emu/faults", hang | {"retry_after": 1.0, "count": 1})
            grace_ts = await chats.slack_post("grace", "in hand at the stop")

            async def profile_asked() -> bool:
                rows = await emu.get("/_emu/requests", platform="slack")
                asked = [r["query"] | (r["body"] or {}) for r in rows if "users.info" in r["path"]]
                return any(a.get("user") == chats.s_users["grace"] for a in asked)

            assert await emu.until(profile_asked, what="the look-up of Grace's profile")
            stopping = asyncio.create_task(runtime.stop())
            # and Frank keeps writing while the worker stops: each is handled before the stop,
            # left for Slack to send again, or sent while no session is open
            during = [f"during the stop #{i}." for i in range(1, 6)]  # "#1." is not in "#10."
            for text in during:
                await chats.slack_post("frank", text)
            await asyncio.wait_for(stopping, timeout=30)
        finally:
            if stopping is None:
                await runtime.stop()
        # the message in hand was handled and acknowledged before the session closed: Slack
        # has no reason to send it again
        envelopes = await emu.get("/_emu/slack/events")
        [in_hand] = [e["event_id"] for e in envelopes if e["event"].get("ts") == grace_ts]

        async def tries() -> list[tuple[int, bool]]:
            rows = await emu.get("/_emu/slack/deliveries")
            return [(d["retry_num"], d["ok"]) for d in rows if d["event_id"] == in_hand]

        assert await emu.until(tries, what="the delivery of the message in hand") == [(0, True)]

        runtime = await start_bridge(config)  # the next start reads back what was missed
        try:
            expected = ["before the stop", "in hand at the stop", *during]

            async def all_shown() -> list[str] | None:
                texts = await chats.discord_texts()
                return texts if all(count(texts, t) for t in expected) else None

            shown = await emu.until(all_shown, timeout=30, what="every message")
            assert [count(shown, t) for t in expected] == [1] * len(expected)
        finally:
            await runtime.stop()
    # checked last: a handler the first stop left running would have failed by now
    slack_errors = [
        r for r in records.records if r.levelno >= logging.ERROR and r.name.startswith("slack")
    ]
    assert slack_errors == [], [r.getMessage() for r in slack_errors]
