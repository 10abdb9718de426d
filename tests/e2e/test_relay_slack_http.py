"""The relay with ``[slack] mode = "http"``: the emulator delivers signed Events API POSTs to the
bridge's own aiohttp server (``/slack/events``), with Slack's retries; everything else is as in
Socket Mode."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters.runtime import Runtime
from emulators.server import ThreadedEmulator
from tests.e2e.harness import Chats, Emu, bridge_config, count, start_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")


class Scene(Chats):
    def __init__(self, emu: Emu, world: dict[str, Any], runtime: Runtime) -> None:
        super().__init__(emu, world)
        self.runtime = runtime
        assert runtime.web is not None
        self.events_url = f"{runtime.web.url}/slack/events"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def scene(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Scene]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        world = await emu.world()
        db = Path(tmp_path_factory.mktemp("slack_http")) / "bridge.db"
        runtime = await start_bridge(bridge_config(world, emulator.url, db, slack_mode="http"))
        scene = Scene(emu, world, runtime)
        try:
            yield scene
        finally:
            await runtime.stop()


async def test_the_request_url_passes_slacks_verification(scene: Scene) -> None:
    target = await scene.emu.post("/_emu/slack/events/target", {"url": scene.events_url})
    assert target["verified"] is True  # the url_verification challenge was answered


async def test_slack_message_reaches_discord_over_http_events(scene: Scene) -> None:
    await scene.slack_post("frank", "over http from *slack*")
    discord = await scene.wait_for(scene.discord_texts, "over http from")
    assert count(discord, "over http from **slack**") == 1
    deliveries = await scene.emu.get("/_emu/slack/deliveries")
    assert {d["transport"] for d in deliveries} == {"http"}
    assert all(d["ok"] and d["status"] == 200 for d in deliveries)


async def test_discord_message_reaches_slack(scene: Scene) -> None:
    await scene.discord_post("alice", "to slack in http mode")
    slack = await scene.wait_for(scene.slack_texts, "to slack in http mode")
    assert count(slack, "to slack in http mode") == 1


async def test_slack_retries_are_not_relayed_twice(scene: Scene) -> None:
    for i in range(1, 4):
        await scene.slack_post("grace", f"http retry {i}")
    await scene.wait_for(scene.discord_texts, "http retry 3")
    retried = await scene.emu.post("/_emu/slack/events/redeliver", {"last": 3, "retry_num": 1})
    assert [d["status"] for d in retried["deliveries"]] == [200] * 3  # acked, and ignored
    fresh = await scene.emu.post("/_emu/slack/events/redeliver", {"last": 3, "new_event_id": True})
    assert all(d["ok"] for d in fresh["deliveries"])
    await scene.slack_post("grace", "http retry sentinel")
    discord = await scene.wait_for(scene.discord_texts, "http retry sentinel")
    assert [count(discord, f"http retry {i}") for i in range(1, 4)] == [1, 1, 1]


async def test_unsigned_or_forged_posts_are_refused(scene: Scene) -> None:
    envelope = {
        "type": "event_callback",
        "team_id": scene.team_id,
        "event_id": "EvFORGED",
        "event": {"type": "message", "channel": scene.s_channel, "user": "U1", "text": "forged"},
    }
    body = json.dumps(envelope).encode()
    headers = {"Content-Type": "application/json"}
    async with scene.emu.session.post(scene.events_url, data=body, headers=headers) as response:
        assert response.status == 401
    headers |= {
        "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": "v0=" + "0" * 64,
    }
    async with scene.emu.session.post(scene.events_url, data=body, headers=headers) as response:
        assert response.status == 401
    await scene.slack_post("frank", "after the forgery")
    discord = await scene.wait_for(scene.discord_texts, "after the forgery")
    assert count(discord, "forged") == 0


async def test_no_contract_violations(scene: Scene) -> None:
    assert await scene.emu.violations() == []
