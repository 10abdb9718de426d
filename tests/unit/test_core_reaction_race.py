"""A fan may react to a relayed copy the moment it shows, before the bridge has recorded that
copy (its delivery is still finishing). The reaction must not be dropped as "unknown message":
the relay waits for that channel's deliveries in flight, then finds the copy and mirrors it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from bridge.actions import OutgoingMessage, SendResult
from bridge.events import Author, MessagePosted, ReactionChanged
from bridge.ids import ChannelRef, Direction, Platform
from bridge.outcome import Handled
from bridge.pipeline.outbox import OutboxWorker
from bridge.records import OutboxItem
from bridge.relay.service import RelayService
from bridge.testing import RecordingAdapter
from bridge.text import Emoji, doc
from tests.unit.core_scene import ALICE, D1, ERIN, S1, Core


@dataclass
class SlowDiscord(RecordingAdapter):
    """Posts the copy (its id exists on Discord) but answers only once ``release`` is set."""

    posted: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    ids: list[str] = field(default_factory=list)

    async def post(self, target: ChannelRef, message: OutgoingMessage) -> SendResult:
        result = await super().post(target, message)
        self.ids.extend(result.ids)
        self.posted.set()
        await self.release.wait()
        return result


@dataclass
class WatchedHandoff:
    """The worker as the relay's handoff, telling the test when the relay starts waiting."""

    worker: OutboxWorker
    waiting: asyncio.Event = field(default_factory=asyncio.Event)

    def lease(self) -> float | None:
        return self.worker.lease()

    def deliver_now(self, items: Sequence[OutboxItem]) -> None:
        self.worker.deliver_now(items)

    async def settled(self, channel: ChannelRef) -> None:
        self.waiting.set()
        await self.worker.settled(channel)


async def test_a_reaction_on_a_copy_not_yet_recorded_is_mirrored() -> None:
    core = Core()
    await core.group((D1, Direction.INOUT), (S1, Direction.INOUT))
    discord = SlowDiscord(Platform.DISCORD)
    core.worker.adapters[Platform.DISCORD] = discord
    handoff = WatchedHandoff(core.worker)
    relay = RelayService(core.store, core.clock, core.worker.wake, handoff=handoff)
    runner = asyncio.create_task(core.worker.run())
    try:
        posted = MessagePosted("p1", S1, "1.0001", Author(ERIN, "Erin"), doc("new single!"), at=1)
        assert isinstance(await relay.posted(posted), Handled)
        await asyncio.wait_for(discord.posted.wait(), timeout=5)
        [copy_id] = discord.ids
        fire = Emoji("🔥", unicode="🔥")
        reacted = asyncio.create_task(
            relay.reaction(ReactionChanged("r1", D1, copy_id, ALICE, fire, True))
        )
        await asyncio.wait_for(handoff.waiting.wait(), timeout=5)  # the copy is not recorded
        discord.release.set()
        outcome = await asyncio.wait_for(reacted, timeout=5)
    finally:
        core.worker.stop()
        await asyncio.wait_for(runner, timeout=5)
    assert isinstance(outcome, Handled), outcome
    await core.deliver()
    [mirror] = core.slack.of("react")
    assert (mirror.target, mirror.emoji, mirror.add) == (S1, "🔥", True)
