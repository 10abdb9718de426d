"""Live events wait while their channel catches up, so what was missed crosses before what
came after it.

While a platform's session is being (re)established and its channels' histories are read, the
posts, edits, deletes and reactions arriving live from that platform are held in memory, per
channel, in arrival order. When a channel's history has been fed through the pipeline, its held
events follow (those already seen in the history are ignored there as duplicates). Held events
are not lost by a crash either: they are in the history the next catch-up reads.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable

from bridge.events import CoreEvent, MessageDeleted, MessageEdited, MessagePosted, ReactionChanged
from bridge.ids import ChannelRef, Platform
from bridge.outcome import Held, Outcome

log = logging.getLogger(__name__)

Route = Callable[[CoreEvent], Awaitable[Outcome]]
ChannelEvent = MessagePosted | MessageEdited | MessageDeleted | ReactionChanged
HELD = (MessagePosted, MessageEdited, MessageDeleted, ReactionChanged)


class LiveGate:
    def __init__(self, route: Route) -> None:
        self._route = route
        # told of each held event once it is handed on (the Slack side keeps its turn till then)
        self.on_released: Callable[[CoreEvent], Awaitable[None]] | None = None
        self._held_platforms: set[Platform] = set()
        self._open: set[ChannelRef] = set()  # caught up in this round while the platform is held
        self._queues: dict[ChannelRef, deque[ChannelEvent]] = {}

    def hold(self, platform: Platform) -> None:
        """From now on, hold ``platform``'s channel events until each channel is released."""
        if platform not in self._held_platforms:
            log.info("catch-up: holding live %s events until history is read", platform.value)
        self._held_platforms.add(platform)
        self._open = {c for c in self._open if c.platform is not platform}

    def holds(self, channel: ChannelRef) -> bool:
        return channel.platform in self._held_platforms and channel not in self._open

    def held(self, channel: ChannelRef) -> int:
        return len(self._queues.get(channel, ()))

    async def handle(self, event: CoreEvent) -> Outcome:
        if isinstance(event, HELD) and self.holds(event.channel):
            self._queues.setdefault(event.channel, deque()).append(event)
            return Held("held until the channel's history is caught up")
        return await self._route(event)

    async def release(self, channel: ChannelRef) -> int:
        """Hand on the channel's held events in order, then let its events through."""
        handed = await self._drain(channel)
        if channel.platform in self._held_platforms:
            self._open.add(channel)
        return handed

    async def release_all(self, platform: Platform) -> int:
        """The platform's session resumed (nothing was missed) or every channel is done."""
        handed = 0
        while pending := [c for c in self._queues if c.platform is platform]:
            for channel in pending:  # events held meanwhile: drained in the next pass
                handed += await self._drain(channel)
        self._held_platforms.discard(platform)  # no await since the last check: none overtakes
        self._open = {c for c in self._open if c.platform is not platform}
        return handed

    async def _drain(self, channel: ChannelRef) -> int:
        queue = self._queues.get(channel)
        handed = 0
        while queue:  # events held while we hand on the earlier ones join the end
            event = queue.popleft()
            await self._route(event)
            if self.on_released is not None:
                await self.on_released(event)
            handed += 1
        self._queues.pop(channel, None)
        return handed
