"""A weekly digest on two workers (two bridges in one process on one PostgreSQL schema, one jump
clock): at its time both workers' timers wake, and each linked channel still gets the digest
once (the row unique per group and week lets one worker make it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from adapters.config import Config
from bridge.ids import Platform
from emulators.server import ThreadedEmulator
from tests.e2e.harness import Emu, JumpClock, bridge_config, start_bridge
from tests.e2e.test_digests import DigestScene, weekly_in_two_hours
from tests.postgres import POSTGRES_URL, fresh_schema

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.skipif(
        POSTGRES_URL is None, reason="needs FANBRIDGE_TEST_POSTGRES_URL (CI sets it)"
    ),
]


def on_postgres(config: Config, schema: str) -> Config:
    database = config.database.model_copy(update={"url": POSTGRES_URL, "schema_name": schema})
    return config.model_copy(update={"database": database})


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def two(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[DigestScene, DigestScene]]:
    assert POSTGRES_URL is not None
    async with aiohttp.ClientSession() as session, fresh_schema(POSTGRES_URL) as schema:
        emu = Emu(emulator.url, session)
        world = await emu.world()
        tmp = Path(tmp_path_factory.mktemp("digest-workers"))
        config = on_postgres(bridge_config(world, emulator.url, tmp / "unused.db"), schema)
        clock = JumpClock()
        a = DigestScene(emu, world, config, clock, await start_bridge(config, clock=clock))
        b = DigestScene(emu, world, config, clock, await start_bridge(config, clock=clock))
        try:
            yield a, b
        finally:
            await b.stop()
            await a.stop()


async def test_two_workers_send_the_digest_once(two: tuple[DigestScene, DigestScene]) -> None:
    a, b = two
    day, clock, due = weekly_in_two_hours(a.clock.now())
    reply = await a.slack_command("erin", f"digest weekly {day} {clock}")
    assert "Europe/Berlin" in reply
    await a.share(0, "alice", Platform.DISCORD)
    await a.share(1, "frank", Platform.SLACK)

    a.clock.advance(due - a.clock.now() + 30)
    for worker in (a, b):  # both timers wake at the time
        assert worker.runtime is not None and worker.runtime.digests is not None
        worker.runtime.digests.timer.poke()
    await a.digests_shown(1)
    await a.drained()
    await a.pass_made()
    await b.pass_made()
    await b.drained()
    await a.digests_shown(1)
