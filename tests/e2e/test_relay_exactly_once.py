"""Exactly once, end to end: a Discord gateway replay and RESUME, Slack Events retries (the same
event_id, and the same message under a new event_id), and a restart of the bridge on the same
database never produce a second copy, and edits/deletes still find their copies afterwards.

To know a duplicate had its chance to appear, each test posts a sentinel *after* the disturbance
and waits for it: the outbox delivers per channel in order, so anything enqueued before the
sentinel is already shown when the sentinel is."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters.config import Config
from adapters.runtime import Runtime
from emulators.server import ThreadedEmulator
from tests.e2e.harness import Chats, Emu, bridge_config, count, start_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")


class Scene(Chats):
    def __init__(self, emu: Emu, world: dict[str, Any], config: Config, runtime: Runtime) -> None:
        super().__init__(emu, world)
        self.config = config
        self.runtime = runtime

    async def restart(self) -> None:
        """Stop the bridge and start a new one on the same SQLite file (no state in memory)."""
        await self.runtime.stop()
        self.runtime = await start_bridge(self.config)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def scene(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Scene]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        world = await emu.world()
        db = Path(tmp_path_factory.mktemp("exactly_once")) / "bridge.db"
        config = bridge_config(world, emulator.url, db)
        scene = Scene(emu, world, config, await start_bridge(config))
        try:
            yield scene
        finally:
            await scene.runtime.stop()


async def relay_both_ways(scene: Scene, tag: str, n: int) -> None:
    """``n`` messages from each side, waited for on the other side."""
    for i in range(1, n + 1):
        await scene.discord_post("alice", f"{tag}-d {i}")
        await scene.slack_post("frank", f"{tag}-s {i}")

    async def all_shown() -> bool:
        slack, discord = await scene.slack_texts(), await scene.discord_texts()
        return all(
            count(slack, f"{tag}-d {i}") and count(discord, f"{tag}-s {i}") for i in range(1, n + 1)
        )

    assert await scene.emu.until(all_shown, what=f"{tag}: both ways")


async def assert_each_once(scene: Scene, tag: str, n: int) -> None:
    slack, discord = await scene.slack_texts(), await scene.discord_texts()
    assert [count(slack, f"{tag}-d {i}") for i in range(1, n + 1)] == [1] * n
    assert [count(discord, f"{tag}-s {i}") for i in range(1, n + 1)] == [1] * n
    # and nothing came back as an echo to where it was written
    assert [count(discord, f"{tag}-d {i}") for i in range(1, n + 1)] == [1] * n
    assert [count(slack, f"{tag}-s {i}") for i in range(1, n + 1)] == [1] * n


async def test_gateway_replay_and_resume_make_no_duplicates(scene: Scene) -> None:
    await relay_both_ways(scene, "replay", 5)
    [before] = await scene.emu.get("/_emu/discord/gateway/sessions")
    replayed = await scene.emu.post("/_emu/discord/gateway/replay", {"last": 40})
    assert replayed["replayed"] >= 10  # the fans' messages and our own webhook copies, again
    dropped = await scene.emu.post("/_emu/discord/gateway/drop", {"resume": True})
    assert dropped["dropped"] == 1
    # posted while the bot is away: it arrives with the RESUME's replay of missed events
    await scene.discord_post("bob", "replay-d while away")
    await scene.discord_post("alice", "replay sentinel")
    slack = await scene.wait_for(scene.slack_texts, "replay sentinel")
    assert count(slack, "replay-d while away") == 1
    await assert_each_once(scene, "replay", 5)
    [after] = await scene.emu.get("/_emu/discord/gateway/sessions")
    assert after["session_id"] == before["session_id"] and after["connected"]  # resumed


async def test_slack_retries_and_new_event_ids_make_no_duplicates(scene: Scene) -> None:
    await relay_both_ways(scene, "retry", 5)
    retried = await scene.emu.post("/_emu/slack/events/redeliver", {"last": 20, "retry_num": 1})
    assert len(retried["deliveries"]) == 20
    assert all(d["ok"] and d["retry_num"] == 1 for d in retried["deliveries"])
    fresh = await scene.emu.post("/_emu/slack/events/redeliver", {"last": 20, "new_event_id": True})
    assert all(d["ok"] for d in fresh["deliveries"])
    await scene.slack_post("frank", "retry sentinel")
    await scene.wait_for(scene.discord_texts, "retry sentinel")
    await assert_each_once(scene, "retry", 5)


async def test_edit_and_delete_after_a_restart_reach_the_copies(scene: Scene) -> None:
    sent = await scene.discord_post("carol", "restart-d original words")
    ts = await scene.slack_post("grace", "restart-s original words")
    await scene.wait_for(scene.slack_texts, "restart-d original")
    await scene.wait_for(scene.discord_texts, "restart-s original")
    await scene.restart()  # the new discord.py client has none of these messages cached

    await scene.emu.post(f"/_emu/discord/messages/{sent['id']}/edit", {"content": "restart-d new"})
    edit = {"channel": scene.s_channel, "ts": ts, "user": scene.s_users["grace"]}
    await scene.emu.post("/_emu/slack/messages/edit", edit | {"text": "restart-s new"})
    slack = await scene.wait_for(scene.slack_texts, "restart-d new")
    discord = await scene.wait_for(scene.discord_texts, "restart-s new")
    assert count(slack, "restart-d original") == 0 and count(slack, "restart-d") == 1
    assert count(discord, "restart-s original") == 0 and count(discord, "restart-s") == 1

    await scene.emu.post(f"/_emu/discord/messages/{sent['id']}/delete", {})
    await scene.emu.post("/_emu/slack/messages/delete", edit)

    async def both_gone() -> bool:
        slack, discord = await scene.slack_texts(), await scene.discord_texts()
        return count(slack, "restart-") + count(discord, "restart-") == 0

    assert await scene.emu.until(both_gone, what="copies deleted after the restart")


async def test_new_messages_after_the_restart_are_relayed_once(scene: Scene) -> None:
    await relay_both_ways(scene, "after", 3)
    await scene.discord_post("alice", "after sentinel d")
    await scene.slack_post("frank", "after sentinel s")
    await scene.wait_for(scene.slack_texts, "after sentinel d")
    await scene.wait_for(scene.discord_texts, "after sentinel s")
    await assert_each_once(scene, "after", 3)


async def test_no_contract_violations(scene: Scene) -> None:
    assert await scene.emu.violations() == []
