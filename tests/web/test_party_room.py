"""A listening party's room in real browsers (Debian's chromium through playwright) against a
running bridge (real discord.py and slack-bolt against the emulators), its time a JumpClock the
test moves (the party timer is poked after each jump, as it would wake by itself in real time).

Two rooms show the same song within 1 s of the same position; a pause from Slack reaches both
within 1 s; a late joiner starts at the party's position; a skip reaches every open room within
1 s; a comment posted on Discord at 0:42 of a song pops up as a floating note at 0:42 when a
later party plays that song (an artist's with the artist badge), and the song's item page lists
and plays its moments; a fan writes from the room with their personal link (`/fangroup web`)
into the linked Discord and Slack channels under their name, and nobody writes without one.
No room logs a JavaScript error."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from adapters.runtime import Runtime
from bridge.ids import Platform, Role, UserRef
from bridge.music.tab_query import TabQuery
from bridge.party.clock import position_ms
from emulators.server import ThreadedEmulator
from tests.e2e.harness import Emu, JumpClock, bridge_config, grant
from tests.e2e.party_scene import PartyScene, party_number, song_url
from tests.web.conftest import open_page, screenshot

pytestmark = pytest.mark.asyncio(loop_scope="module")
PUBLIC_URL = "https://fans.example.org"
KEY = re.compile(r"\?key=(\S+)")
SYNC_MS = 1000


@dataclass
class Room:
    scene: PartyScene
    browser: Browser
    url: str  # the bridge's own web server
    pages: list[Page] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    async def open(self, party_id: int, key: str = "", *, phone: bool = False) -> Page:
        page = await open_page(self.browser, self.url, phone=phone)
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.pages.append(page)
        await page.goto(f"/g/fans/party/{party_id}" + (f"?key={key}" if key else ""))
        await expect(page.locator("#party-room")).to_have_attribute("data-state", re.compile("."))
        return page

    async def server_position(self, party_id: int) -> int:
        party = await self.scene.party(party_id)
        return position_ms(party, self.scene.clock.now())

    async def close(self) -> None:
        for page in self.pages:
            await page.context.close()
        self.pages.clear()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def p(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[PartyScene]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        world = await emu.world()
        config = bridge_config(world, emulator.url, Path(tmp_path_factory.mktemp("room")) / "b.db")
        web = config.web.model_copy(update={"public_url": PUBLIC_URL})
        clock = JumpClock()
        runtime = Runtime(config.model_copy(update={"web": web}), web_port=0, clock=clock)
        await runtime.start()
        scene = PartyScene(emu, world, runtime, clock)
        try:
            await scene.seed_songs()
            yield scene
        finally:
            await scene.runtime.stop()


@pytest_asyncio.fixture(loop_scope="module")
async def room(p: PartyScene, browser: Browser) -> AsyncIterator[Room]:
    assert p.runtime.web is not None
    found = Room(p, browser, p.runtime.web.url)
    try:
        yield found
    finally:
        await found.close()
        assert found.errors == [], found.errors  # every room read without a JavaScript error


async def shown_position(page: Page) -> int:
    return int(await page.locator("#position").get_attribute("data-position-ms") or "-1")


async def stop(p: PartyScene, party_id: int) -> None:
    assert p.runtime.parties is not None
    await p.runtime.parties.service.stop(party_id)


async def test_rooms_share_the_position_a_pause_and_a_late_joiner(
    p: PartyScene, room: Room
) -> None:
    reply = await p.slack_command("frank", f"party start {song_url(0)} {song_url(1)}")
    party_id = party_number(reply)
    first, second = await room.open(party_id), await room.open(party_id)
    await p.jump(20)
    for page in (first, second):
        await expect(page.locator("#track-title")).to_have_text("Opening Night")
        await expect(page.locator("#party-state")).to_have_text("Playing")
        await expect(page.locator("#track-artists")).to_have_text("Lumen Twins")
        await expect(page.locator("#length")).to_have_text("3:20")
    for page in (first, second):  # each page against the server's clock at the same instant
        await expect(page.locator("#position")).to_have_text(re.compile(r"^0:[2-5]\d$"))
        server, shown = await room.server_position(party_id), await shown_position(page)
        assert abs(server - shown) <= SYNC_MS, (server, shown)
    a, b = await asyncio.gather(shown_position(first), shown_position(second))
    assert abs(a - b) <= SYNC_MS, (a, b)

    answer = await p.slack_command("frank", "party pause")
    assert "pause" in answer.lower(), answer
    await asyncio.gather(
        *[
            expect(page.locator("#party-state")).to_have_attribute(
                "data-state", "paused", timeout=1000
            )
            for page in (first, second)
        ]
    )
    await expect(first.locator("#party-state")).to_have_text("Paused")
    held = await room.server_position(party_id)
    for page in (first, second):
        assert abs(await shown_position(page) - held) <= SYNC_MS

    await p.slack_command("frank", "party resume")
    await p.jump(60)
    late = await room.open(party_id)
    await expect(late.locator("#party-state")).to_have_text("Playing")
    server, shown = await room.server_position(party_id), await shown_position(late)
    assert server > 75_000 and abs(server - shown) <= SYNC_MS, (server, shown)
    await expect(late.locator("#party-queue li")).to_have_count(2)
    await expect(late.locator("#party-queue li.current")).to_have_text(re.compile("Opening Night"))
    for page in (first, second):  # the open rooms followed the jump too
        await expect(page.locator("#position")).to_have_text(re.compile(r"^1:(1[5-9]|[2-5]\d)$"))
    await screenshot(late, "party-room")
    phone = await room.open(party_id, phone=True)
    await expect(phone.locator("#track-title")).to_have_text("Opening Night")
    await screenshot(phone, "party-room-phone")

    await p.slack_command("frank", "party skip")
    await asyncio.gather(
        *[
            expect(page.locator("#track-title")).to_have_text("Second Wind", timeout=1000)
            for page in (first, second, late)
        ]
    )
    await expect(late.locator("#party-queue li.current")).to_have_text(re.compile("Second Wind"))
    assert await shown_position(late) < 2000
    await stop(p, party_id)
    await expect(late.locator("#party-state")).to_have_text("Ended", timeout=1000)


async def test_a_comment_at_0_42_pops_up_at_0_42_in_a_later_party(
    p: PartyScene, room: Room
) -> None:
    # the party starts 42 s before now, so the Discord comment's own time (the platform's clock)
    # lies 42 s into the song
    p.clock.advance(-p.clock.offset - 42)
    reply = await p.slack_command("frank", f"party start {song_url(2)}")
    party_id = party_number(reply)
    await p.jump(42)
    assert abs(await room.server_position(party_id) - 42_000) < 1000
    dave = UserRef(Platform.DISCORD, p.guild, p.du["dave"])
    await grant(p.store, dave, "Dave", Role.ARTIST)  # the group's verified artist
    for who, line in (("bob", "that drop at 0:42!"), ("dave", "we wrote this part at 3am")):
        body = {"channel_id": p.d["general"], "user_id": p.du[who], "content": line}
        await p.emu.post("/_emu/discord/messages", body)
    group = await p.store.get_group("fans")
    assert group is not None
    item = (await p.party(party_id)).queue[0].item_id

    async def stamped() -> bool:
        return len(await p.store.item_moments(group.id, item)) == 2

    await p.emu.until(stamped, what="both comments stamped with the song")
    moment, artist = await p.store.item_moments(group.id, item)
    assert 42_000 <= moment.position_ms < 43_000 and not moment.by_artist, moment
    assert artist.by_artist and artist.position_ms < 43_500, artist
    await stop(p, party_id)

    later = party_number(await p.slack_command("frank", f"party start {song_url(2)}"))
    page = await room.open(later)
    await expect(page.locator("#track-title")).to_have_text("Last Call")
    assert await page.locator("#notes .note").count() == 0
    await p.jump(40 - await room.server_position(later) / 1000)  # to 0:40, however long
    await expect(page.locator("#position")).to_have_text(re.compile(r"^0:(39|4[01])$"))
    note = await page.wait_for_selector("#notes .note", timeout=4000)
    assert note is not None
    shown_at = await shown_position(page)
    assert 42_000 <= shown_at < 43_500, shown_at  # it popped up at 0:42, not before
    assert await note.get_attribute("data-position-ms") == str(moment.position_ms)
    text = await note.inner_text()
    assert "0:42" in text and "(Discord)" in text and "that drop at 0:42!" in text, text
    assert moment.author and moment.author in text and not await note.query_selector(".badge")
    badge = await page.wait_for_selector("#notes .note .badge", timeout=3000)
    assert badge is not None and await badge.inner_text() == "artist"
    await expect(page.locator("#notes .note").last).to_contain_text("we wrote this part at 3am")
    await screenshot(page, "party-room-note")
    await stop(p, later)


async def test_the_item_page_lists_the_songs_moments_and_plays_them(
    p: PartyScene, room: Room
) -> None:
    """After the test above: "Last Call" has Bob's moment at 0:42 and its artist's just after."""
    group = await p.store.get_group("fans")
    assert group is not None
    [item] = [
        i for i in (await p.store.tab_items(group.id, TabQuery())).items if i.title == "Last Call"
    ]
    page = await open_page(room.browser, room.url)
    room.pages.append(page)
    page.on("pageerror", lambda e: room.errors.append(str(e)))
    await page.goto(f"/g/fans/item/{item.ref}")
    listed = page.locator("#item-moments li")
    await expect(listed).to_have_count(2)
    await expect(listed.first).to_have_text("0:42 — Bob (Discord): that drop at 0:42!")
    await expect(listed.last).to_contain_text("Dave (Discord) artist: we wrote this part at 3am")
    await expect(page.locator("#position")).to_have_text("0:00")
    await listed.first.locator("button").click()  # plays from just before the moment
    await expect(page.locator("#item-player")).to_have_attribute("data-state", "playing")
    note = await page.wait_for_selector("#notes .note", timeout=3000)
    assert note is not None and "that drop at 0:42!" in await note.inner_text()
    shown_at = await shown_position(page)
    assert 42_000 <= shown_at < 43_500, shown_at


async def test_a_fan_writes_from_the_room_with_their_personal_link(
    p: PartyScene, room: Room
) -> None:
    party_id = party_number(await p.slack_command("frank", f"party start {song_url(0)}"))
    answer = await p.slack_command("erin", "web")
    found = KEY.search(answer)
    assert found, answer
    page = await room.open(party_id, key=found.group(1))
    line = "hello from the room"
    await page.fill("#comment-text", line)
    await page.click("#comment-send")
    await expect(page.locator("#comment-status")).to_have_text("Sent to the group's channels.")
    await expect(page.locator("#chat li").last).to_contain_text(line, timeout=3000)
    await expect(page.locator("#chat li").last).to_contain_text("erin")

    async def both_sides() -> tuple[dict[str, object], dict[str, object]] | None:
        d = [m for m in await p.emu.discord_messages(p.d["general"]) if m.get("content") == line]
        s = [m for m in await p.emu.slack_messages(p.s["general"]) if m.get("text") == line]
        return (d[0], s[0]) if d and s else None

    d_copy, s_copy = await p.emu.until(both_sides, what="the room's message on both sides")
    assert "erin" in str(d_copy["author"]).lower(), d_copy  # the webhook speaks as the fan
    assert "erin" in str(s_copy.get("username", "")).lower(), s_copy

    stranger = await room.open(party_id)  # no personal link: the room says how to get one
    await stranger.evaluate("window.localStorage.clear()")
    await stranger.reload()
    await stranger.fill("#comment-text", "let me in")
    await stranger.click("#comment-send")
    await expect(stranger.locator("#comment-status")).to_contain_text("/fangroup web")
    url = f"{room.url}/g/fans/party/{party_id}/comments"
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json={"text": "let me in"}) as refused:
            assert refused.status == 403
            assert "personal link" in (await refused.json())["error"]["message"]
        forged = {"text": "let me in", "key": found.group(1)[:-4] + "AAAA"}
        async with http.post(url, json=forged) as refused:
            assert refused.status == 403
    assert not [m for m in await p.emu.discord_messages(p.d["general"]) if "let me in" in str(m)]
    await stop(p, party_id)


async def test_the_tab_opened_with_a_personal_link_leads_to_the_live_room(
    p: PartyScene, room: Room
) -> None:
    """The link `/fangroup web` gives opens the tab; its banner leads to the live party's room
    with the fan's key kept, so they can write there without pasting anything."""
    party_id = party_number(await p.slack_command("frank", f"party start {song_url(1)}"))
    answer = await p.slack_command("grace", "web")
    found = KEY.search(answer)
    assert found, answer
    page = await open_page(room.browser, room.url)
    room.pages.append(page)
    await page.goto(f"/g/fans?key={found.group(1)}")
    banner = page.locator(".live-party a")
    await expect(banner).to_have_text(f"Listening party #{party_id} with frank")
    await banner.click()
    await expect(page.locator("#party-room")).to_have_attribute("data-state", "playing")
    line = "grace came from the tab"
    await page.fill("#comment-text", line)
    await page.click("#comment-send")
    await expect(page.locator("#comment-status")).to_have_text("Sent to the group's channels.")
    await stop(p, party_id)
    await page.goto("/g/fans")
    await expect(page.locator(".live-party")).to_have_count(0)  # over: no banner
