"""Two bridges on one PostgreSQL database, against the emulators: every message crosses once
whichever worker records and delivers it, and a ban recorded by one worker stops the other from
relaying the banned fan, although that worker had read (and kept) "not banned" just before."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from adapters.config import Config
from adapters.runtime import Runtime
from bridge.ids import Platform, UserRef
from emulators.server import ThreadedEmulator
from storage.notify import ChangeListener
from tests.e2e.harness import Chats, Emu, bridge_config, count, start_bridge
from tests.postgres import POSTGRES_URL, fresh_schema

pytestmark = pytest.mark.skipif(
    POSTGRES_URL is None, reason="needs FANBRIDGE_TEST_POSTGRES_URL (CI sets it)"
)


def on_postgres(config: Config, schema: str) -> Config:
    database = config.database.model_copy(update={"url": POSTGRES_URL, "schema_name": schema})
    return config.model_copy(update={"database": database})


async def banned_seen(runtime: Runtime, group_id: int, member_id: int) -> None:
    """Until ``runtime`` reads the ban, reading again after each notice its listener hears."""
    store, listener = runtime.store, runtime.listener
    assert store is not None and isinstance(listener, ChangeListener)
    while not await store.is_banned(group_id, member_id):
        await listener.wait_heard(listener.heard + 1)


async def test_two_workers_relay_each_message_once_and_a_ban_on_one_holds_on_both(
    emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    assert POSTGRES_URL is not None
    async with aiohttp.ClientSession() as session, fresh_schema(POSTGRES_URL) as schema:
        emu = Emu(emulator.url, session)
        world = await emu.world()
        config = on_postgres(bridge_config(world, emulator.url, tmp_path / "unused.db"), schema)
        first = await start_bridge(config)
        second = await start_bridge(config)
        try:
            chats = Chats(emu, world)
            for i in range(1, 6):
                await chats.discord_post("alice", f"pg-d {i}")
                await chats.slack_post("frank", f"pg-s {i}")
            await chats.wait_for(chats.slack_texts, "pg-d 5")
            await chats.wait_for(chats.discord_texts, "pg-s 5")
            slack, discord = await chats.slack_texts(), await chats.discord_texts()
            assert [count(slack, f"pg-d {i}") for i in range(1, 6)] == [1] * 5
            assert [count(discord, f"pg-s {i}") for i in range(1, 6)] == [1] * 5

            assert first.store is not None and second.store is not None
            group = await first.store.get_group("fans")
            bob = UserRef(Platform.DISCORD, chats.guild_id, str(chats.d_users["bob"]))
            account = await first.store.upsert_account(user=bob, display_name="Bob")
            assert group is not None
            for runtime in (first, second):  # both read it, and keep it
                assert runtime.store is not None
                assert not await runtime.store.is_banned(group.id, account.member_id)
            await first.store.record_action(
                group_id=group.id,
                kind="ban",
                target_member_id=account.member_id,
                target=None,
                actor=None,
                origin=Platform.DISCORD,
                at=first.clock.now(),
            )
            await asyncio.wait_for(banned_seen(second, group.id, account.member_id), 10)
            for i in range(1, 4):
                await chats.discord_post("bob", f"pg banned {i}")
            await chats.discord_post("alice", "pg sentinel")
            slack = await chats.wait_for(chats.slack_texts, "pg sentinel")
            assert [count(slack, f"pg banned {i}") for i in range(1, 4)] == [0] * 3
        finally:
            await second.stop()
            await first.stop()
