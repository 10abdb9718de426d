"""A listening party on two workers (two bridges in one process on one PostgreSQL schema, one
jump clock): when a track ends both workers' timers wake and each linked channel still gets one
card per track (the party's compare-and-set lets one worker move it); a pause made through one
worker is what the other reads for timed comments at once (its cached playing party is dropped
by the first's NOTIFY); and with one worker stopped mid-party the other plays the party on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from adapters.config import Config
from adapters.parties import Parties
from adapters.runtime import Runtime
from bridge.party.model import Party, PartyState
from emulators.server import ThreadedEmulator
from storage.notify import ChangeListener
from storage.repos import SqlStore
from tests.e2e.harness import Emu, JumpClock, bridge_config, start_bridge
from tests.e2e.party_scene import PartyScene, party_number, song_url
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


@dataclass
class Workers:
    """Worker A (the scene's runtime until it is stopped) and worker B, on one clock."""

    scene: PartyScene
    a: Runtime
    b: Runtime
    a_running: bool = True

    @property
    def clock(self) -> JumpClock:
        return self.scene.clock

    def running(self) -> list[Runtime]:
        return [self.a, self.b] if self.a_running else [self.b]

    async def jump(self, seconds: float) -> None:
        """Time passes for both; every running worker's party timer wakes."""
        self.clock.advance(seconds)
        for runtime in self.running():
            parties_of(runtime).timer.poke()

    async def drained(self) -> None:
        """Until every outbox item (cards, notices) has been delivered."""

        async def empty() -> bool:
            return await store_of(self.b).outbox_depth() == 0

        await self.scene.emu.until(empty, what="the outbox drained")

    async def stop_a(self) -> None:
        self.a_running = False
        await self.a.stop()
        self.scene.runtime = self.b  # the scene reads the store through the live worker


def parties_of(runtime: Runtime) -> Parties:
    assert runtime.parties is not None
    return runtime.parties


def store_of(runtime: Runtime) -> SqlStore:
    assert runtime.store is not None
    return runtime.store


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def w(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Workers]:
    assert POSTGRES_URL is not None
    async with aiohttp.ClientSession() as session, fresh_schema(POSTGRES_URL) as schema:
        emu = Emu(emulator.url, session)
        world = await emu.world()
        tmp = Path(tmp_path_factory.mktemp("party-workers"))
        config = on_postgres(bridge_config(world, emulator.url, tmp / "unused.db"), schema)
        clock = JumpClock()
        a = await start_bridge(config, clock=clock)
        b = await start_bridge(config, clock=clock)
        workers = Workers(PartyScene(emu, world, a, clock), a, b)
        try:
            await workers.scene.seed_songs()
            yield workers
        finally:
            await b.stop()
            if workers.a_running:
                await a.stop()


async def seen_by(runtime: Runtime, group_id: int, state: PartyState) -> Party:
    """The group's playing party as ``runtime`` reads it (from its cache) once it is in
    ``state``, reading again after each notice its listener hears from the other worker."""
    listener = runtime.listener
    assert isinstance(listener, ChangeListener)
    while True:
        heard = listener.heard
        party = await store_of(runtime).playing_party(group_id)
        if party is not None and party.state is state:
            return party
        await listener.wait_heard(heard + 1)


async def test_both_workers_wake_at_a_tracks_end_and_each_channel_gets_one_card(
    w: Workers,
) -> None:
    p = w.scene
    reply = await p.slack_command("frank", f"party start {song_url(0)} {song_url(1)} {song_url(2)}")
    party_id = party_number(reply)
    await p.cards_show(party_id, "started")
    started = await p.party(party_id)

    await w.jump(201)  # both timers see the first song over: one of them moves the party
    await p.cards_show(party_id, "played", "started")
    await w.drained()
    await p.cards_show(party_id, "played", "started")  # and no second card came late
    party = await p.party(party_id)
    assert party.index == 1 and party.version == started.version + 1  # moved once

    await w.jump(181)
    await p.cards_show(party_id, "played", "played", "started")
    await w.drained()
    await p.cards_show(party_id, "played", "played", "started")
    assert (await p.party(party_id)).index == 2

    await w.jump(151)  # the last song ended: both timers close the party, one summary shows
    await p.cards_show(party_id, "played", "played", "played")
    over = f"Listening party #{party_id} is over: 3 of 3 song(s)"
    await p.notice_shown(over)
    await w.drained()
    assert tuple(map(len, await p.notices(over))) == (1, 1)
    assert (await p.party(party_id)).state is PartyState.ENDED


async def test_a_pause_through_one_worker_is_read_at_once_by_the_other(w: Workers) -> None:
    p = w.scene
    reply = await p.slack_command("frank", f"party start {song_url(0)} {song_url(1)}")
    party_id = party_number(reply)
    await p.cards_show(party_id, "started")
    group = await store_of(w.a).get_group("fans")
    assert group is not None
    playing = await store_of(w.a).playing_party(group.id)  # A keeps it in its cache
    assert playing is not None and playing.id == party_id
    assert playing.state is PartyState.PLAYING

    await w.jump(30)
    await parties_of(w.b).service.pause(party_id)
    paused = await asyncio.wait_for(seen_by(w.a, group.id, PartyState.PAUSED), 10)
    assert paused.id == party_id and paused.paused_at is not None
    await p.cards_show(party_id, "paused")

    await parties_of(w.a).service.resume(party_id)  # and the other way round
    await asyncio.wait_for(seen_by(w.b, group.id, PartyState.PLAYING), 10)
    await p.cards_show(party_id, "started")
    await parties_of(w.b).service.stop(party_id)
    await p.notice_shown(f"Listening party #{party_id} is over")


async def test_with_one_worker_stopped_mid_party_the_other_plays_it_on(w: Workers) -> None:
    p = w.scene
    reply = await p.slack_command("frank", f"party start {song_url(0)} {song_url(1)}")
    party_id = party_number(reply)
    await p.cards_show(party_id, "started")

    await w.stop_a()
    await w.jump(201)  # only B is left to notice the first song ended
    await p.cards_show(party_id, "played", "started")
    await w.jump(181)
    await p.cards_show(party_id, "played", "played")
    await p.notice_shown(f"Listening party #{party_id} is over: 2 of 2 song(s)")
    await w.drained()
    await p.cards_show(party_id, "played", "played")
    assert (await p.party(party_id)).state is PartyState.ENDED
