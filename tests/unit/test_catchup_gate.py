"""The catch-up gate: a held channel's live events wait and follow its history in arrival
order; other channels and commands are never held."""

from __future__ import annotations

import asyncio

from bridge.events import Author, CommandInvoked, CoreEvent, MessagePosted
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.outcome import Handled, Ignored, Outcome
from bridge.pipeline.catchup.gate import LiveGate
from bridge.text import Document

GENERAL = ChannelRef(Platform.DISCORD, "1", "10")
MUSIC = ChannelRef(Platform.DISCORD, "1", "11")
SLACK = ChannelRef(Platform.SLACK, "T1", "C1")


def post(channel: ChannelRef, n: int) -> MessagePosted:
    author = Author(UserRef(channel.platform, channel.workspace, "u"), "Ana")
    return MessagePosted(str(n), channel, str(n), author, Document(()))


class Recorder:
    def __init__(self) -> None:
        self.seen: list[str] = []

    async def route(self, event: CoreEvent) -> Outcome:
        self.seen.append(getattr(event, "message_id", type(event).__name__))
        await asyncio.sleep(0)  # a real handler suspends: later events may arrive meanwhile
        return Handled("ok")


async def test_held_events_wait_and_follow_the_history_in_order() -> None:
    recorder = Recorder()
    gate = LiveGate(recorder.route)
    gate.hold(Platform.DISCORD)
    assert isinstance(await gate.handle(post(GENERAL, 3)), Ignored)
    assert isinstance(await gate.handle(post(GENERAL, 4)), Ignored)
    assert recorder.seen == []
    await recorder.route(post(GENERAL, 1))  # what catch-up reads from the history
    await recorder.route(post(GENERAL, 2))
    await gate.release(GENERAL)
    assert recorder.seen == ["1", "2", "3", "4"]
    await gate.handle(post(GENERAL, 5))  # released: straight through
    assert recorder.seen[-1] == "5"


async def test_other_channels_platforms_and_commands_are_not_held() -> None:
    recorder = Recorder()
    gate = LiveGate(recorder.route)
    gate.hold(Platform.DISCORD)
    await gate.release(MUSIC)
    await gate.handle(post(MUSIC, 1))
    await gate.handle(post(SLACK, 2))
    command = CommandInvoked("k", GENERAL, UserRef(Platform.DISCORD, "1", "u"), ("info",))
    assert isinstance(await gate.handle(command), Handled)
    assert recorder.seen == ["1", "2", "CommandInvoked"]
    assert gate.holds(GENERAL) and not gate.holds(MUSIC)


async def test_events_arriving_while_the_held_ones_are_handed_on_keep_their_place() -> None:
    recorder = Recorder()
    gate = LiveGate(recorder.route)
    gate.hold(Platform.DISCORD)
    for n in (1, 2):
        await gate.handle(post(GENERAL, n))
    release = asyncio.create_task(gate.release_all(Platform.DISCORD))
    await asyncio.sleep(0)  # the release is handing on event 1
    late = asyncio.create_task(gate.handle(post(GENERAL, 3)))
    await asyncio.gather(release, late)
    await gate.handle(post(GENERAL, 4))
    assert recorder.seen == ["1", "2", "3", "4"]
    assert not gate.holds(GENERAL)


async def test_a_new_hold_closes_channels_released_in_the_previous_round() -> None:
    gate = LiveGate(Recorder().route)
    gate.hold(Platform.DISCORD)
    await gate.release(GENERAL)
    assert not gate.holds(GENERAL)
    gate.hold(Platform.DISCORD)  # the session was lost again
    assert gate.holds(GENERAL)


async def test_a_slack_channel_passes_until_its_read_begins_and_notes_its_first_live_post() -> None:
    recorder = Recorder()
    gate = LiveGate(recorder.route)
    gate.hold(Platform.SLACK)
    await gate.handle(post(SLACK, 5))  # its turn has not come: straight through
    await gate.handle(post(SLACK, 6))
    assert recorder.seen == ["5", "6"]
    assert gate.begin(SLACK) == "5"  # the read stops before the first live post
    assert isinstance(await gate.handle(post(SLACK, 7)), Ignored)  # held while it is read
    await recorder.route(post(SLACK, 4))  # what the history shows
    await gate.release(SLACK)
    await gate.handle(post(SLACK, 8))
    assert recorder.seen == ["5", "6", "4", "7", "8"]
    gate.hold(Platform.SLACK)  # a new session: a new first live post
    assert gate.begin(SLACK) is None


async def test_a_slack_post_from_before_the_session_waits_for_its_channels_history() -> None:
    """Slack sends again what a stopped process never acknowledged: missed, not live."""
    recorder = Recorder()
    gate = LiveGate(recorder.route)
    gate.hold(Platform.SLACK, at=100.0)
    old = MessagePosted("k3", SLACK, "3", post(SLACK, 3).author, Document(()), at=99.0)
    new = MessagePosted("k9", SLACK, "9", post(SLACK, 9).author, Document(()), at=101.0)
    assert isinstance(await gate.handle(old), Ignored)
    await gate.handle(new)
    assert recorder.seen == ["9"] and gate.begin(SLACK) == "9"
    await recorder.route(post(SLACK, 2))  # the history, up to the live post
    await gate.release(SLACK)
    assert recorder.seen == ["9", "2", "3"]
