"""Weekly digests end to end (real discord.py and slack-bolt against the emulators, a jump clock):
an admin sets the digest from Slack in their profile's zone; at its time every linked channel
gets the week's digest once, with the week's songs, curators and new members drawn for each
platform; a bridge that was down at the time sends it when it comes back, once, and a bridge
started again after that does not send it twice. The emulator fails the module on any request
the platforms' specs reject."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import pytest_asyncio

from adapters.config import Config
from adapters.runtime import Runtime
from bridge.digests.schedule import DAYS
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.music.model import Metadata
from bridge.records import ItemLink, ShareDraft
from emulators.server import ThreadedEmulator
from storage.repos import SqlStore
from tests.e2e.harness import Emu, JumpClock, bridge_config, start_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")
BERLIN = ZoneInfo("Europe/Berlin")  # the emulated Slack profiles' zone
SONGS = (("Opening Night", "Lumen Twins"), ("Second Wind", "Harbor Lights"))


def spotify_id(n: int) -> str:
    return f"{n:02d}DigestSongAbcdefghij"[:22]


@dataclass
class DigestScene:
    emu: Emu
    world: dict[str, Any]
    config: Config
    clock: JumpClock
    runtime: Runtime | None = None

    def __post_init__(self) -> None:
        guild, team = self.world["discord"]["guilds"][0], self.world["slack"]["workspaces"][0]
        self.guild, self.team = str(guild["id"]), str(team["id"])
        self.d_general = str(guild["channels"][0]["id"])
        self.s_general = str(team["channels"][0]["id"])
        self.du = {u["username"]: str(u["id"]) for u in guild["users"]}
        self.su = {u["name"]: str(u["id"]) for u in team["users"]}

    @property
    def store(self) -> SqlStore:
        assert self.runtime is not None and self.runtime.store is not None
        return self.runtime.store

    async def start(self) -> None:
        self.runtime = await start_bridge(self.config, clock=self.clock)

    async def stop(self) -> None:
        assert self.runtime is not None
        await self.runtime.stop()
        self.runtime = None

    async def jump(self, seconds: float) -> None:
        self.clock.advance(seconds)
        if self.runtime is not None and self.runtime.digests is not None:
            self.runtime.digests.timer.poke()

    async def slack_command(self, who: str, text: str) -> str:
        body = {"command": "/fangroup", "text": text, "user": self.su[who]}
        answer = await self.emu.post("/_emu/slack/commands", body | {"channel": self.s_general})
        return str(answer["responses"][-1]["text"])

    async def discord_command(self, who: str, name: str, **options: str) -> str:
        body = {"channel_id": self.d_general, "user_id": self.du[who], "name": name}
        answer = await self.emu.post("/_emu/discord/commands", body | {"options": options})
        return str(answer["data"]["content"])

    # -- the week's music ----------------------------------------------------------------------
    async def share(self, n: int, who: str, platform: Platform) -> None:
        """``who`` shares song ``n`` from ``platform``'s #general (recorded as the relay does)."""
        group = await self.store.get_group("fans")
        assert group is not None
        title, artist = SONGS[n]
        sid = spotify_id(n)
        url = f"https://open.spotify.com/track/{sid}"
        item = await self.store.item_for_link("spotify", "track", sid)
        if item is None:
            meta = Metadata("spotify", "track", sid, url, title, (artist,))
            item = await self.store.create_item(meta, match_key=None)
            await self.store.add_item_link(item, ItemLink("spotify", "track", sid, url))
        d = platform is Platform.DISCORD
        where = (self.guild, self.d_general) if d else (self.team, self.s_general)
        user = UserRef(platform, where[0], self.du[who] if d else self.su[who])
        await self.store.upsert_account(user=user, display_name=who.title())
        message, _ = await self.store.record_message(
            group_id=group.id,
            author=user,
            origin=ChannelRef(platform, *where),
            origin_message_id=f"{self.clock.now():.6f}",
            text=url,
        )
        key = f"spotify:track:{sid}"
        await self.store.add_shares(
            group_id=group.id,
            message_id=message.id,
            shared_by=user,
            shared_by_name=who.title(),
            drafts=[ShareDraft(key, "spotify", url)],
        )
        await self.store.mark_link(key, status="ok", item_id=item)

    # -- the digests as people see them --------------------------------------------------------
    async def d_digests(self) -> list[dict[str, Any]]:
        rows = await self.emu.discord_messages(self.d_general)
        return [
            m for m in rows if any("Weekly digest" in (e.get("title") or "") for e in m["embeds"])
        ]

    async def s_digests(self) -> list[dict[str, Any]]:
        rows = await self.emu.slack_messages(self.s_general)
        return [m for m in rows if "Weekly digest" in str((m.get("blocks") or [{}])[0])]

    async def digests_shown(self, count: int) -> None:
        async def shown() -> bool:
            return len(await self.d_digests()) == count and len(await self.s_digests()) == count

        await self.emu.until(shown, timeout=20, what=f"{count} digest(s) on each platform")

    async def drained(self) -> None:
        async def empty() -> bool:
            return await self.store.outbox_depth() == 0

        await self.emu.until(empty, what="the outbox drained")

    async def pass_made(self) -> None:
        """One more pass of the digests' timer has run (nothing left for it to do now)."""
        assert self.runtime is not None and self.runtime.digests is not None
        await self.runtime.digests.service.fire_due()


def weekly_in_two_hours(now: float) -> tuple[str, str, float]:
    """The day and time (Berlin) two hours from ``now``, and that moment."""
    local = (datetime.fromtimestamp(now, UTC) + timedelta(hours=2)).astimezone(BERLIN)
    local = local.replace(second=0, microsecond=0)
    return DAYS[local.weekday()], f"{local:%H:%M}", local.timestamp()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def d(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[DigestScene]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        world = await emu.world()
        config = bridge_config(world, emulator.url, Path(tmp_path_factory.mktemp("d")) / "b.db")
        scene = DigestScene(emu, world, config, JumpClock())
        await scene.start()
        try:
            yield scene
        finally:
            if scene.runtime is not None:
                await scene.stop()


async def test_the_weeks_digest_comes_at_its_time_once_on_both_platforms(d: DigestScene) -> None:
    day, clock, due = weekly_in_two_hours(d.clock.now())
    refused = await d.slack_command("frank", f"digest weekly {day} {clock}")
    assert "may not change the digest" in refused
    reply = await d.slack_command("erin", f"digest weekly {day} {clock}")
    assert f"every {day.capitalize()} at {clock} (Europe/Berlin)" in reply
    shown = await d.discord_command("alice", "fangroup digest show")
    assert f"every {day.capitalize()} at {clock} (Europe/Berlin)" in shown

    await d.share(0, "alice", Platform.DISCORD)
    await d.share(0, "frank", Platform.SLACK)
    await d.share(1, "frank", Platform.SLACK)
    await d.jump(3600)
    assert await d.d_digests() == [] and await d.s_digests() == []  # not yet

    await d.jump(due - d.clock.now() + 30)
    await d.digests_shown(1)
    [embed] = (await d.d_digests())[0]["embeds"]
    songs = next(f["value"] for f in embed["fields"] if f["name"] == "Most shared songs")
    assert songs.index("Opening Night") < songs.index("Second Wind") and "· 2 shares" in songs
    curators = next(f["value"] for f in embed["fields"] if f["name"] == "Top curators")
    assert curators.index("Frank") < curators.index("Alice")
    assert any(f["name"] == "New members" for f in embed["fields"])
    blocks = str((await d.s_digests())[0]["blocks"])
    assert "Most shared songs" in blocks and "Opening Night" in blocks and "Frank" in blocks
    assert "<https://open.spotify.com/track/" in blocks

    await d.drained()
    await d.pass_made()
    await d.jump(60)
    await d.drained()
    await d.digests_shown(1)  # once: no second post came


async def test_a_bridge_down_at_the_time_sends_it_when_back_once(d: DigestScene) -> None:
    await d.stop()
    await d.jump(7 * 24 * 3600)  # next week's time passes while no bridge runs
    await d.start()  # back within the grace: it sends the missed digest
    await d.digests_shown(2)
    await d.drained()
    latest = (await d.s_digests())[-1]
    assert "quiet week" in str(latest["blocks"])
    await d.stop()
    await d.start()  # and a bridge started again does not send it twice
    await d.pass_made()
    await d.drained()
    await d.digests_shown(2)


async def test_a_poll_closed_in_the_week_shows_its_result_in_the_digest(d: DigestScene) -> None:
    assert d.runtime is not None
    opened = await d.slack_command("frank", "poll Vinyl or tape? | Vinyl | Tape")
    found = re.search(r"Poll #(\d+)", opened)
    assert found, opened
    poll = found.group(1)

    async def card() -> dict[str, Any] | None:
        rows = await d.emu.slack_messages(d.s_general)
        return next((m for m in rows if f"'{poll}:0'" in str(m.get("blocks"))), None)

    shown = await d.emu.until(card, what=f"poll #{poll}'s card in Slack")
    [button] = [b for b in buttons(shown) if b.get("value") == f"{poll}:0"]  # Vinyl's
    vote = {"user": d.su["erin"], "channel": d.s_general, "message_ts": shown["ts"]}
    vote |= {"action_id": button["action_id"], "value": button["value"]}
    await d.emu.post("/_emu/slack/actions", vote)  # erin votes Vinyl

    async def counted() -> bool:
        return len((await d.store.poll_counts(int(poll))).votes) == 1

    await d.emu.until(counted, what="erin's vote counted")
    closed = await d.slack_command("frank", f"poll close {poll}")
    assert "closed" in closed.lower() or "results" in closed.lower(), closed
    await d.jump(7 * 24 * 3600)  # the next digest's time
    await d.digests_shown(3)
    [embed] = (await d.d_digests())[-1]["embeds"]
    polls = next(f["value"] for f in embed["fields"] if f["name"] == "Poll results")
    assert "Vinyl or tape?: Vinyl 1 ✓, Tape 0" in polls and "· 1 voter" in polls
    assert "Poll results" in str((await d.s_digests())[-1]["blocks"])


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Every button of a Slack message: in actions blocks and as sections' accessories."""
    found = []
    for block in message.get("blocks") or []:
        found += [e for e in block.get("elements") or [] if e.get("type") == "button"]
        accessory = block.get("accessory") or {}
        if accessory.get("type") == "button":
            found.append(accessory)
    return found
