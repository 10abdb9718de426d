"""Scheduled announcements, end to end: `/announce post ... when:` on Discord (and Slack) through
real discord.py and slack-bolt against the emulators, apscheduler with its SQLAlchemy job store
in the bridge's database, and a clock the test moves (real time plus an offset it can jump), so
"in 2h" fires without waiting two hours.

A scheduled post fires once at its time; it is listed and can be cancelled; it survives a
restart; it is sent at start-up when it fell due while the bridge was down within the grace, and
reported as missed beyond it; two bridges sharing one PostgreSQL database send it once."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters.config import Config
from adapters.runtime import Runtime
from bridge.announce.model import AnnouncementStatus
from bridge.ids import Platform, Role, UserRef
from emulators.server import ThreadedEmulator
from tests.e2e.harness import Emu, JumpClock, bridge_config, grant
from tests.postgres import POSTGRES_URL, fresh_schema

pytestmark = pytest.mark.asyncio(loop_scope="module")
HOUR = 3600.0


class World:
    def __init__(self, emu: Emu, world: dict[str, Any], tmp: Path) -> None:
        self.emu = emu
        self.world = world
        self.tmp = tmp
        guild = world["discord"]["guilds"][0]
        team = world["slack"]["workspaces"][0]
        self.guild = str(guild["id"])
        self.team = str(team["id"])
        self.d_channels = [str(c["id"]) for c in guild["channels"]][:2]
        self.s_channel = str(team["channels"][0]["id"])
        self.du = {u["username"]: str(u["id"]) for u in guild["users"]}
        self.su = {u["name"]: str(u["id"]) for u in team["users"]}

    def config(self, db: str, **database: Any) -> Config:
        links = [
            ("discord", self.guild, self.d_channels[0]),
            ("discord", self.guild, self.d_channels[1]),
            ("slack", self.team, self.s_channel),
        ]
        config = bridge_config(self.world, self.emu.url, self.tmp / db, links=links)
        if database:
            config = config.model_copy(
                update={"database": config.database.model_copy(update=database)}
            )
        return config

    async def bridge(self, config: Config, clock: JumpClock) -> Runtime:
        runtime = Runtime(config, web_port=0, clock=clock)
        await runtime.start()
        store = runtime.store
        assert store is not None
        dave = UserRef(Platform.DISCORD, self.guild, self.du["dave"])
        await grant(store, dave, "Dave", Role.ARTIST)
        return runtime

    async def announce(self, who: str, sub: str, **options: Any) -> str:
        body = {
            "channel_id": self.d_channels[0],
            "user_id": self.du[who],
            "name": f"announce {sub}",
            "options": options,
            "timeout": 15,
        }
        answer = await self.emu.post("/_emu/discord/commands", body)
        return str(answer["data"]["content"])

    async def copies(self, needle: str) -> list[dict[str, Any]]:
        found = [
            m
            for c in self.d_channels
            for m in await self.emu.discord_messages(c)
            if any(needle in (e.get("description") or "") for e in m.get("embeds") or [])
        ]
        slack = await self.emu.slack_messages(self.s_channel)
        blocks = [m for m in slack if any(needle in str(b) for b in m.get("blocks") or [])]
        return found + blocks

    async def all_copies(self, needle: str, count: int = 3) -> list[dict[str, Any]]:
        async def shown() -> tuple[list[dict[str, Any]]] | None:
            found = await self.copies(needle)
            return (found,) if len(found) >= count else None

        return (await self.emu.until(shown, what=f"{count} copies of {needle!r}"))[0]

    async def discord_texts(self) -> list[str]:
        return [
            str(m.get("content") or "") for m in await self.emu.discord_messages(self.d_channels[0])
        ]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def w(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        yield World(emu, await emu.world(), Path(tmp_path_factory.mktemp("scheduled")))


def number(reply: str) -> int:
    found = re.search(r"#(\d+)", reply)
    assert found, reply
    return int(found.group(1))


def utc(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M UTC")


async def test_a_scheduled_announcement_fires_once_at_its_time(w: World) -> None:
    clock = JumpClock()
    runtime = await w.bridge(w.config("once.db"), clock)
    try:
        asked_at = clock.now()
        reply = await w.announce("dave", "post", message="Listening party tonight", when="in 2h")
        assert reply.startswith("⏰ Announcement #"), reply
        due = asked_at + 2 * HOUR
        assert utc(due) in reply or utc(due + 60) in reply  # the exact UTC time, confirmed
        assert "in 2 h" in reply
        assert runtime.scheduler is not None
        await runtime.scheduler.flush()
        assert runtime.scheduler.pending() == [f"announcement-{number(reply)}"]
        assert await w.copies("Listening party tonight") == []  # not before its time

        clock.advance(2 * HOUR + 1)
        await runtime.scheduler.clock_moved()
        copies = await w.all_copies("Listening party tonight")
        assert len(copies) == 3  # origin in #general, #music, Slack #general
        assert runtime.scheduled is not None and runtime.scheduled.fired == [number(reply)]

        clock.advance(HOUR)  # nothing fires twice
        await runtime.scheduler.clock_moved()
        await runtime.scheduled.recover()
        assert len(await w.copies("Listening party tonight")) == 3
        listed = await w.announce("dave", "list")
        assert f"#{number(reply)} sent" in listed
    finally:
        await runtime.stop()


async def test_list_and_cancel(w: World) -> None:
    clock = JumpClock()
    runtime = await w.bridge(w.config("cancel.db"), clock)
    try:
        keep = await w.announce("dave", "post", message="Merch drop", when="in 3h")
        drop = await w.announce("dave", "post", message="Secret gig", when="in 1h")
        listed = await w.announce("dave", "list")
        assert f"#{number(drop)} scheduled" in listed and f"#{number(keep)} scheduled" in listed
        assert listed.index(f"#{number(drop)}") < listed.index(f"#{number(keep)}")  # by time
        assert "Secret gig" in listed

        refused = await w.announce("bob", "cancel", id=number(drop))
        assert "only verified artists and group moderators" in refused
        cancelled = await w.announce("dave", "cancel", id=number(drop))
        assert cancelled.startswith(f"Cancelled scheduled announcement #{number(drop)}")
        again = await w.announce("dave", "cancel", id=number(drop))
        assert "is cancelled, not scheduled" in again

        clock.advance(3 * HOUR + 1)
        assert runtime.scheduler is not None
        await runtime.scheduler.clock_moved()
        await w.all_copies("Merch drop")
        assert await w.copies("Secret gig") == []
        listed = await w.announce("dave", "list")
        assert f"#{number(drop)} cancelled" in listed and f"#{number(keep)} sent" in listed
    finally:
        await runtime.stop()


async def test_a_scheduled_post_survives_a_restart_and_goes_out_within_the_grace(
    w: World,
) -> None:
    clock = JumpClock()
    config = w.config("restart.db")
    first = await w.bridge(config, clock)
    reply = await w.announce("dave", "post", message="Tour dates announced", when="in 1h")
    await first.stop()

    clock.advance(HOUR + 5 * 60)  # down when it fell due; back 5 minutes late (grace: 10)
    second = await w.bridge(config, clock)
    try:
        assert len(await w.all_copies("Tour dates announced")) == 3
        assert second.scheduled is not None and second.scheduled.fired == [number(reply)]
    finally:
        await second.stop()


async def test_a_post_due_beyond_the_grace_is_reported_as_missed(w: World) -> None:
    clock = JumpClock()
    config = w.config("missed.db")
    first = await w.bridge(config, clock)
    reply = await w.announce("dave", "post", message="Presale starts now", when="in 1h")
    await first.stop()

    clock.advance(HOUR + 30 * 60)  # back 30 minutes late: beyond the 10-minute grace
    second = await w.bridge(config, clock)
    try:

        async def notice() -> str | None:
            texts = await w.discord_texts()
            return next((t for t in texts if f"#{number(reply)}" in t and "not sent" in t), None)

        shown = await w.emu.until(notice, what="the missed notice")
        assert "Presale starts now" in shown and "beyond the 10 min grace" in shown
        assert await w.copies("Presale starts now") == []
        listed = await w.announce("dave", "list")
        assert f"#{number(reply)} missed" in listed
    finally:
        await second.stop()


async def test_a_time_in_the_past_or_garbage_is_refused_with_the_forms_that_work(
    w: World,
) -> None:
    clock = JumpClock()
    runtime = await w.bridge(w.config("refuse.db"), clock)
    try:
        past = await w.announce("dave", "post", message="x", when="2020-01-01T10:00Z")
        assert "has passed" in past
        garbage = await w.announce("dave", "post", message="x", when="next full moon")
        assert "Cannot read the time" in garbage and "in 2h" in garbage
        zone = await w.announce("dave", "zone", zone="Asia/Tokyo")
        assert "Asia/Tokyo" in zone
        tokyo = await w.announce("dave", "post", message="Tokyo show", when="tomorrow 18:00")
        assert "JST" in tokyo or "Asia/Tokyo" in tokyo
        assert "09:00 UTC" in tokyo  # 18:00 in Tokyo is 09:00 UTC
    finally:
        await runtime.stop()


async def test_the_slack_command_schedules_in_the_callers_profile_zone(w: World) -> None:
    clock = JumpClock()
    runtime = await w.bridge(w.config("slack.db"), clock)
    try:
        store = runtime.store
        assert store is not None
        await grant(store, UserRef(Platform.SLACK, w.team, w.su["grace"]), "Grace", Role.ARTIST)
        body = {
            "command": "/announce",
            "text": 'Album night when:"tomorrow 20:00"',
            "user": w.su["grace"],
            "wait": 12,
            "channel": w.s_channel,
        }
        answer = await w.emu.post("/_emu/slack/commands", body)
        text = "\n".join(str(r["text"]) for r in answer["responses"])
        assert "⏰ Announcement #" in text
        assert "19:00 UTC" in text and "Europe/Berlin" in text  # the profile's zone (CET)
    finally:
        await runtime.stop()


class BridgeProcess:
    """A second bridge in its own OS process (tests/e2e/bridge_process.py), driven over stdin."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, config: Config) -> tuple[BridgeProcess, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.e2e.bridge_process",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=str(Path(__file__).resolve().parents[2]),
        )
        bridge = cls(proc)
        assert proc.stdin is not None
        proc.stdin.write(config.model_dump_json().encode() + b"\n")
        name = await bridge.answer("ready")
        return bridge, name

    async def answer(self, expected: str) -> str:
        assert self.proc.stdout is not None
        line = (await asyncio.wait_for(self.proc.stdout.readline(), 60)).decode().strip()
        word, _, rest = line.partition(" ")
        assert word == expected, line
        return rest

    async def ask(self, command: str, expected: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command.encode() + b"\n")
        return await self.answer(expected)

    async def stop(self) -> None:
        if self.proc.returncode is None:
            await self.ask("stop", "stopped")
            await asyncio.wait_for(self.proc.wait(), 30)


@pytest.mark.skipif(POSTGRES_URL is None, reason="needs FANBRIDGE_TEST_POSTGRES_URL (CI sets it)")
async def test_two_bridge_processes_on_one_postgresql_database_send_it_once(w: World) -> None:
    assert POSTGRES_URL is not None
    async with fresh_schema(POSTGRES_URL) as schema:
        await both_bridges_race(w, w.config("unused.db", url=POSTGRES_URL, schema_name=schema))


async def both_bridges_race(w: World, config: Config) -> None:
    clock = JumpClock()
    here = await w.bridge(config, clock)
    other, other_name = await BridgeProcess.start(config)
    try:
        assert here.scheduler is not None and here.scheduled is not None
        assert other_name != here.scheduler.owner  # another process (host:pid differ)
        reply = await w.announce("dave", "post", message="Once only please", when="in 1h")
        clock.advance(HOUR + 1)
        await other.ask(f"jump {HOUR + 1}", "jumped")
        # both processes' timers go off at the same moment: exactly one of them sends
        there, here_outcome = await asyncio.gather(
            other.ask(f"fire {number(reply)}", "outcome"), here.scheduled.fire(number(reply))
        )
        assert sorted([there, here_outcome]) in (
            ["claimed elsewhere", "sent"],
            ["not scheduled", "sent"],
        )
        await w.all_copies("Once only please")
        # apscheduler's own jobs (one per process, shared job store) find nothing left to send
        await other.ask("replan", "replanned")
        await here.scheduler.clock_moved()
        await other.ask("recover", "recovered")
        await here.scheduled.recover()
        fired_there = json.loads(await other.ask("fired", "fired"))
        assert sorted(here.scheduled.fired + fired_there) == [number(reply)]
        assert len(await w.copies("Once only please")) == 3  # one per channel, never two
        assert here.store is not None
        sent = await here.store.get_announcement(number(reply))
        assert sent is not None and sent.status is AnnouncementStatus.SENT
        winner = other_name if there == "sent" else here.scheduler.owner
        assert sent.claimed_by == winner
    finally:
        await other.stop()
        await here.stop()


async def test_a_send_cut_off_by_a_crash_is_sent_after_the_restart(w: World) -> None:
    clock = JumpClock()
    config = w.config("crash.db")
    config = config.model_copy(
        update={"announce": config.announce.model_copy(update={"grace_minutes": 30})}
    )
    first = await w.bridge(config, clock)
    reply = await w.announce("dave", "post", message="Crash-proof news", when="in 1h")
    assert first.store is not None
    clock.advance(HOUR)
    # a bridge claimed the send and died before posting anything
    claimed = await first.store.move_announcement(
        number(reply),
        old=AnnouncementStatus.SCHEDULED,
        new=AnnouncementStatus.SENDING,
        at=clock.now(),
        by="crashed-bridge",
    )
    assert claimed
    await first.stop()

    clock.advance(11 * 60)  # the claim is stale after 10 minutes; still within the grace
    second = await w.bridge(config, clock)
    try:
        assert len(await w.all_copies("Crash-proof news")) == 3
        listed = await w.announce("dave", "list")
        assert f"#{number(reply)} sent" in listed
    finally:
        await second.stop()


class Crash(Exception):
    """The process dies right after the origin copy was posted."""


async def test_a_send_cut_off_after_its_origin_was_posted_is_finished_without_a_repeat(
    w: World,
) -> None:
    clock = JumpClock()
    config = w.config("crash-origin.db")
    first = await w.bridge(config, clock)
    reply = await w.announce("dave", "post", message="Half-sent news", when="in 1h")
    assert first.store is not None and first.announce is not None
    clock.advance(HOUR)
    assert await first.store.move_announcement(
        number(reply),
        old=AnnouncementStatus.SCHEDULED,
        new=AnnouncementStatus.SENDING,
        at=clock.now(),
        by="crashing-bridge",
    )
    announcement = await first.store.get_announcement(number(reply))
    assert announcement is not None
    remember = first.announce.origin_recorder(announcement.id)

    async def posted_then_crash(origin_id: str) -> None:
        await remember(origin_id)
        raise Crash

    with pytest.raises(Crash):
        await first.announce.send(announcement, posted=posted_then_crash)
    await first.stop()
    assert len(await w.copies("Half-sent news")) == 1  # only the origin made it

    clock.advance(11 * 60)
    second = await w.bridge(config, clock)
    try:
        assert len(await w.all_copies("Half-sent news")) == 3
        listed = await w.announce("dave", "list")
        assert f"#{number(reply)} sent" in listed
        assert len(await w.copies("Half-sent news")) == 3  # the origin was not posted again
    finally:
        await second.stop()
