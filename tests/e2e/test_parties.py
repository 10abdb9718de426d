"""Listening parties end to end: started from Slack and from Discord, the now-playing cards on
both platforms edited in place as tracks advance (a jump clock, no real waiting), pause, resume
and skip from the cards' buttons on each platform, a restart in the middle resuming at the right
track and position, and an artist's party announced, reminded and started on time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from adapters.runtime import Runtime
from bridge.ids import Platform, Role, UserRef
from bridge.party.clock import position_ms
from bridge.party.model import PartyState
from emulators.server import ThreadedEmulator
from tests.e2e.harness import Emu, JumpClock, bridge_config, grant
from tests.e2e.party_scene import PartyScene, party_number, song_url

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def p(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[PartyScene]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        world = await emu.world()
        config = bridge_config(world, emulator.url, Path(tmp_path_factory.mktemp("p")) / "b.db")
        clock = JumpClock()
        runtime = Runtime(config, web_port=0, clock=clock)
        await runtime.start()
        scene = PartyScene(emu, world, runtime, clock)
        try:
            await scene.seed_songs()
            yield scene
        finally:
            await scene.runtime.stop()


async def stop_party(p: PartyScene, party_id: int) -> None:
    assert p.runtime.parties is not None
    await p.runtime.parties.service.stop(party_id)
    await p.notice_shown(f"Listening party #{party_id} is over")


async def test_a_party_from_slack_plays_its_songs_with_cards_edited_in_place(
    p: PartyScene,
) -> None:
    reply = await p.slack_command("frank", f"party start {song_url(0)} {song_url(1)}")
    party_id = party_number(reply)
    assert "started: 2 song(s)" in reply
    await p.cards_show(party_id, "started")
    [d_card] = await p.d_cards(party_id)
    assert "Opening Night" in d_card["embeds"][0]["title"]

    await p.jump(201)  # the first song ended a second ago: its card says so, the next is up
    await p.cards_show(party_id, "played", "started")
    d_cards = await p.d_cards(party_id)
    assert d_cards[0]["id"] == d_card["id"]  # edited in place, not posted again
    assert "Second Wind" in d_cards[1]["embeds"][0]["title"]
    party = await p.party(party_id)
    assert party.index == 1 and abs(position_ms(party, p.clock.now()) - 1000) < 1500

    await p.jump(181)  # the last song ended: the party closes with a summary on both sides
    await p.cards_show(party_id, "played", "played")
    await p.notice_shown(f"Listening party #{party_id} is over: 2 of 2 song(s)")
    assert (await p.party(party_id)).state is PartyState.ENDED


async def test_a_party_from_discord_is_steered_by_each_platforms_buttons(p: PartyScene) -> None:
    reply = await p.discord_command("bob", "fangroup party start", source="top")
    party_id = party_number(reply)
    await p.cards_show(party_id, "started")
    await p.jump(30)

    [d_card] = await p.d_cards(party_id)
    refused = await p.s_click("grace", (await p.s_cards(party_id))[0], "pause")
    assert "Only the party's host" in refused  # a fan may not steer
    answer = await p.d_click("bob", d_card, "pause")
    assert "paused" in answer
    await p.cards_show(party_id, "paused")
    paused_at = position_ms(await p.party(party_id), p.clock.now())
    assert 29_000 <= paused_at <= 32_000

    await p.jump(600)  # a pause holds the position however long it lasts
    assert position_ms(await p.party(party_id), p.clock.now()) == paused_at
    resumed = await p.s_click("erin", (await p.s_cards(party_id))[0], "resume")  # an admin
    assert "resume" in resumed
    await p.cards_show(party_id, "started")

    await p.d_click("bob", (await p.d_cards(party_id))[0], "skip")
    await p.cards_show(party_id, "played", "started")
    party = await p.party(party_id)
    assert party.index == 1 and position_ms(party, p.clock.now()) < 2000
    await stop_party(p, party_id)


async def test_a_restart_in_the_middle_resumes_at_the_right_track_and_position(
    p: PartyScene,
) -> None:
    reply = await p.slack_command("frank", f"party start {song_url(0)} {song_url(1)} {song_url(2)}")
    party_id = party_number(reply)
    await p.cards_show(party_id, "started")
    config, clock = p.runtime.config, p.clock
    await p.runtime.stop()
    clock.advance(200 + 60)  # down while the first song ended and 60 s of the second played
    p.runtime = Runtime(config, web_port=0, clock=clock)
    await p.runtime.start()

    await p.cards_show(party_id, "played", "started")  # the restarted bridge moved on
    party = await p.party(party_id)
    assert party.index == 1
    # 60 s of the second song, plus the real seconds the restart took
    expected = (clock.now() - party.draft.starts_at - 200) * 1000
    assert expected >= 60_000 and abs(position_ms(party, clock.now()) - expected) < 1000
    d_cards = await p.d_cards(party_id)
    assert "Second Wind" in d_cards[1]["embeds"][0]["title"]
    await stop_party(p, party_id)


async def test_an_artist_party_is_announced_reminded_and_starts_on_time(p: PartyScene) -> None:
    dave = UserRef(Platform.DISCORD, p.guild, p.du["dave"])
    await grant(p.store, dave, "Dave", Role.ARTIST)
    reply = await p.discord_command(
        "dave", "announce party", source="top", when="in 2h", message="Album night!"
    )
    assert "party #" in reply, reply
    party_id = party_number(reply.split("party ", 1)[1])
    party = await p.party(party_id)
    assert party.state is PartyState.SCHEDULED and party.draft.by_artist

    async def announced() -> bool:
        rows = await p.emu.discord_messages(p.d["general"])
        embeds = [e for m in rows for e in m.get("embeds") or []]
        on_discord = any(
            "Listening party with Dave" in (e.get("description") or "") for e in embeds
        )
        slack = await p.emu.slack_messages(p.s["general"])
        on_slack = any("Listening party with Dave" in str(m.get("blocks")) for m in slack)
        return on_discord and on_slack

    await p.emu.until(announced, what="the party's announcement on both platforms")
    await p.jump(3600 + 1)
    await p.notice_shown("starts in 1 hour")
    await p.jump(50 * 60)
    await p.notice_shown("starts in 10 minutes")
    await p.jump(10 * 60)
    await p.notice_shown(f"Listening party #{party_id} with Dave is starting")
    await p.cards_show(party_id, "started")
    [card] = await p.d_cards(party_id)
    assert "🎤" in str(card["embeds"][0]["fields"])  # queued by the artist: the badge
    await stop_party(p, party_id)
