"""Artist events end to end with real discord.py and slack-bolt against the emulators: an artist
announces a concert from Slack, and it becomes a scheduled event in both linked Discord servers
and a card in Slack; fans' interest is counted from both platforms, once per person (a linked
Discord and Slack account is one fan); a moderator edits it from Discord and every copy follows;
the reminders come 24 hours and 1 hour before (a jump clock) in every channel, once; the artist
cancels it from Slack and every scheduled event and card says so; no contract violations."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import icalendar
import pytest
import pytest_asyncio

from bridge.artist_events.model import EventState
from bridge.ids import ChannelRef, Platform, Role, UserRef
from emulators.server import ThreadedEmulator
from tests.e2e.artist_events_scene import EventScene, event_number
from tests.e2e.harness import Emu, JumpClock, bridge_config, grant, start_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")
TICKETS, MERCH = "https://tickets.example/roundhouse", "https://shop.example/tour-tee"
DAY, HOUR = 86400.0, 3600.0
GIG, STREAM = "Live at the Roundhouse", "Album release stream"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def e(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[EventScene]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        users = [{"username": "alice", "permissions": ["ADMINISTRATOR"]}, {"username": "dave"}]
        await emu.post(
            "/_emu/discord/guilds",
            {
                "name": "Second",
                "channels": [
                    "lobby",
                    {"name": "listening-room", "type": 2},
                    {"name": "stage", "type": 13},
                ],
            }
            | {"users": users},
        )
        world = await emu.world()
        guild, second = world["discord"]["guilds"][0], world["discord"]["guilds"][-1]
        team = world["slack"]["workspaces"][0]
        links = [
            ("discord", guild["id"], guild["channels"][0]["id"]),
            ("discord", second["id"], second["channels"][0]["id"]),
            ("slack", team["id"], team["channels"][0]["id"]),
        ]
        db = Path(tmp_path_factory.mktemp("artist_events")) / "bridge.db"
        clock = JumpClock()
        runtime = await start_bridge(
            bridge_config(world, emulator.url, db, links=links), clock=clock
        )
        scene = EventScene(emu, world, runtime, clock)
        try:
            await grant(
                scene.store,
                UserRef(Platform.SLACK, scene.team, scene.su["frank"]),
                "Frank",
                Role.ARTIST,
            )
            await grant(
                scene.store,
                UserRef(Platform.DISCORD, scene.guild, scene.du["carol"]),
                "Carol",
                Role.MODERATOR,
            )
            yield scene
        finally:
            await scene.runtime.stop()


async def test_a_fan_may_not_announce_an_event(e: EventScene) -> None:
    refused = await e.slack("grace", "event Secret gig when:in 2d")
    assert "only verified artists and group moderators" in refused
    assert "Usage" in await e.slack("frank", "event when:in 2d")  # no title


async def test_an_event_reaches_both_servers_and_slack_and_follows_every_change(
    e: EventScene,
) -> None:
    text = (
        f"event Live at the Roundhouse when:in 3d place:Roundhouse, London tickets:<{TICKETS}> "
        f"merch:<{MERCH}>"
    )
    reply = await e.slack("frank", text)
    number = event_number(reply)
    made = await e.store.get_artist_event(number)
    assert made is not None and made.details.place == "Roundhouse, London"

    d1, d2 = await e.scheduled_shows(GIG, lambda ev: True, "created")
    for ev in (d1, d2):
        assert ev["entity_type"] == 3 and ev["entity_metadata"] == {
            "location": "Roundhouse, London"
        }
        assert ev["scheduled_end_time"] and ev["status"] == 1 and ev["privacy_level"] == 2
        assert TICKETS in ev["description"] and MERCH in ev["description"]
    card = await e.s_card_shows(
        number, "Live at the Roundhouse", "Roundhouse, London", "0 interested"
    )
    urls = [el.get("url") for b in card["blocks"] if b["type"] == "actions" for el in b["elements"]]
    assert TICKETS in urls and MERCH in urls

    # interest, from both platforms, one per person
    await e.d_interested(e.guild, "bob", d1["id"])
    await e.s_card_shows(number, "1 interested")
    linked = await e.discord("bob", "fangroup account link")
    code = re.search(r"confirm (\S+?)`", linked)
    assert code, linked
    await e.slack("grace", f"account confirm {code.group(1)}", command="/fangroup")
    said = await e.s_interested("grace", card)  # bob on Slack: the same fan
    assert "1 interested" in said
    await e.d_interested(e.second, "dave", d2["id"])  # someone else, in the other server
    await e.s_card_shows(number, "2 interested")
    await e.scheduled_shows(
        GIG, lambda ev: "2 interested" in ev["description"], "the count on Discord"
    )
    assert "3 interested" in await e.s_interested("heidi", card)
    assert "2 interested" in await e.s_interested("heidi", card)  # a second click withdraws

    # a moderator edits it from Discord: every copy follows
    edited = await e.discord(
        "carol", "announce event-edit", id=number, when="in 4d", place="KOKO, London"
    )
    assert f"Event #{number} updated everywhere" in edited, edited
    moved = await e.scheduled_shows(
        GIG, lambda ev: ev["entity_metadata"] == {"location": "KOKO, London"}, "edited"
    )
    assert moved[0]["scheduled_start_time"] != d1["scheduled_start_time"]
    await e.s_card_shows(number, "KOKO, London", "2 interested")

    # the reminders: 24 hours and 1 hour before, once in every channel
    await e.jump(3 * DAY + 60)
    await e.everywhere_once("starts in 24 hours")
    assert await e.lines("starts in 1 hour") == [[], [], []]  # not before its time
    await e.jump(DAY - HOUR)
    await e.everywhere_once("starts in 1 hour")
    await e.jump(60)  # nothing more is due: still once each
    assert all(len(t) == 1 for t in await e.lines("starts in 24 hours"))

    # the artist cancels it from Slack: every scheduled event and card says so
    cancelled = await e.slack("frank", f"event cancel {number}")
    assert f"Event #{number}" in cancelled and "cancelled" in cancelled
    await e.scheduled_shows(GIG, lambda ev: ev["status"] == 4, "cancelled on Discord")
    card = await e.s_card_shows(number, "Cancelled")
    assert not [b for b in card["blocks"] if b["type"] == "actions"]  # no more buttons
    await e.everywhere_once("is cancelled")
    stored = await e.store.get_artist_event(number)
    assert stored is not None and stored.state is EventState.CANCELLED
    assert "already cancelled" in await e.slack("frank", f"event cancel {number}")


async def test_an_event_from_discord_is_edited_from_slack_and_shown_on_the_web(
    e: EventScene,
) -> None:
    reply = await e.discord(
        "carol",
        "announce event",
        title="Album release stream",
        when="in 2d",
        online="https://stream.example/live",
        tickets=TICKETS,
    )
    number = event_number(reply)
    made = await e.scheduled_shows(STREAM, lambda ev: ev["status"] == 1, "created")
    assert made[0]["entity_metadata"] == {"location": "https://stream.example/live"}
    edited = await e.slack("frank", f"event edit {number} place:Rough Trade, Bristol")
    assert f"Event #{number} updated everywhere" in edited
    await e.scheduled_shows(
        STREAM, lambda ev: ev["entity_metadata"] == {"location": "Rough Trade, Bristol"}, "edited"
    )
    await e.s_card_shows(number, "Album release stream", "Rough Trade, Bristol")

    html, raw, body = await web_views(e)
    assert "Album release stream" in html and "Rough Trade, Bristol" in html and "Upcoming" in html
    stream = {ev["title"]: ev for ev in body["events"]}["Album release stream"]
    assert stream["state"] == "scheduled" and stream["place"] == "Rough Trade, Bristol"
    assert (
        stream["tickets_url"] == TICKETS and stream["online_url"] == "https://stream.example/live"
    )
    assert stream["host"]["platform"] == "discord" and not stream["past"]
    check_calendar(raw, number, "CONFIRMED")

    cancelled = await e.discord("carol", "announce event-cancel", id=number)
    assert "cancelled everywhere" in cancelled
    await e.scheduled_shows(STREAM, lambda ev: ev["status"] == 4, "cancelled from Discord")
    await e.s_card_shows(number, "Cancelled", "Album release stream")
    html, raw, body = await web_views(e)
    assert "<s>Album release stream</s>" in html  # marked on the page
    assert {ev["title"]: ev for ev in body["events"]}[STREAM]["state"] == "cancelled"
    check_calendar(raw, number, "CANCELLED")


async def web_views(e: EventScene) -> tuple[str, bytes, dict[str, Any]]:
    """The events page, the iCalendar feed and the API's answer, as a browser fetches them."""
    assert e.runtime.web is not None
    base = e.runtime.web.url
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/g/fans/events") as page:
            assert page.status == 200
            html = await page.text()
        async with http.get(f"{base}/g/fans/events.ics") as feed:
            assert feed.status == 200 and feed.content_type == "text/calendar"
            raw = await feed.read()
        async with http.get(f"{base}/api/groups/fans/events") as api:
            assert api.status == 200
            body = await api.json()
        async with http.get(f"{base}/api/groups/fans/events?when=soon") as bad:
            assert bad.status == 400
    return html, raw, body


def check_calendar(raw: bytes, number: int, status: str) -> None:
    """The feed as a calendar app reads it: a real iCalendar parser, CRLF lines of at most 75
    octets, UTC times, a stable UID per event, a cancelled one CANCELLED."""
    lines = raw.split(b"\r\n")
    assert lines[-1] == b"" and all(b"\n" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines)
    calendar = icalendar.Calendar.from_ical(raw)
    events = {str(ev["SUMMARY"]): ev for ev in calendar.walk("VEVENT")}
    stream = events["Album release stream"]
    assert str(stream["UID"]).startswith(f"artist-event-{number}@")
    assert stream["LOCATION"] == "Rough Trade, Bristol"
    assert stream.decoded("DTSTART").tzinfo is not None
    assert stream.decoded("DTSTART").utcoffset().total_seconds() == 0
    assert stream.decoded("DTEND") > stream.decoded("DTSTART")
    assert str(stream["STATUS"]) == status and str(stream["URL"]) == TICKETS


async def test_a_scheduled_event_made_before_a_crash_is_not_made_twice(e: EventScene) -> None:
    """The outbox retries a creation whose id was never recorded: the event made by the first
    try is found (its description's marker) instead of a second one."""
    assert e.runtime.artist_events is not None
    events = e.runtime.artist_events
    reply = await e.slack("frank", "event Warm-up show when:in 5d place:Bristol")
    number = event_number(reply)
    [made, _] = await e.scheduled_shows("Warm-up show", lambda ev: True, "created")
    card = await events.drawer.card(number)
    channel = ChannelRef(Platform.DISCORD, e.guild, e.d["general"])
    again = await events.copies[Platform.DISCORD].post_event(channel, card)
    assert again == made["id"]
    assert [ev["name"] for ev in await e.scheduled(e.guild)].count("Warm-up show") == 1


async def test_online_in_a_voice_channel_is_a_voice_event_in_its_server(e: EventScene) -> None:
    """``online:`` naming the second server's voice channel: a VOICE event there, an external
    one (the link as its location) in the other server."""
    voice = e.voice
    link = f"https://discord.com/channels/{e.second}/{voice}"
    reply = await e.discord(
        "carol", "announce event", title="Listening session", when="in 6d", online=link
    )
    event_number(reply)
    first, second = await e.scheduled_shows("Listening session", lambda ev: True, "created")
    assert first["entity_type"] == 3 and first["entity_metadata"] == {"location": link}
    assert second["entity_type"] == 2 and second["channel_id"] == voice
    assert second["entity_metadata"] is None and second["scheduled_end_time"]

    # a stage needs Mute and Move Members, which the bridge does not ask for: an external event
    stage = f"https://discord.com/channels/{e.second}/{e.stage}"
    await e.discord("carol", "announce event", title="Q&A on stage", when="in 6d", online=stage)
    shown = await e.scheduled_shows("Q&A on stage", lambda ev: True, "created")
    assert [ev["entity_type"] for ev in shown] == [3, 3]
    assert shown[1]["entity_metadata"] == {"location": stage}


async def test_interest_marked_while_the_bridge_was_away_is_counted(e: EventScene) -> None:
    """Discord's gateway events sent while no bridge listened are gone: at start the bridge
    reads the scheduled events' interested users and counts them."""
    reply = await e.slack("frank", "event Afterparty when:in 5d place:Bristol")
    number = event_number(reply)
    [made, _] = await e.scheduled_shows("Afterparty", lambda ev: True, "created")
    await e.s_card_shows(number, "Afterparty", "0 interested")
    config = e.runtime.config
    await e.runtime.stop()
    await e.d_interested(e.guild, "alice", made["id"])  # nobody hears it
    e.runtime = await start_bridge(config, clock=e.clock)
    await e.s_card_shows(number, "Afterparty", "1 interested")
    await e.scheduled_shows("Afterparty", lambda ev: "1 interested" in ev["description"], "count")


async def test_no_contract_violations(e: EventScene) -> None:
    assert await e.emu.violations() == []
