"""Live events wait while their channel catches up, so what was missed crosses before what
came after it.

While a platform's session is being (re)established and its channels' histories are read, the
posts, edits, deletes and reactions arriving live from that platform are held in memory, per
channel, in arrival order. When a channel's history has been fed through the pipeline, its held
events follow (those already seen in the history are ignored there as duplicates). Held events
are not lost by a crash either: they are in the history the next catch-up reads.

On a *passing* platform (Slack, where 10,000 channels take hours at Tier 3) a channel is held
only while its own read is under way: before its turn its live events go straight through, and
the first message that did is remembered, so the read stops there (what is newer came live). A
message posted before the session began (one Slack sends again because a stopped process never
acknowledged it) is missed, not live: it is held and follows the channel's history, in order.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable, Collection

from bridge.events import CoreEvent, MessageDeleted, MessageEdited, MessagePosted, ReactionChanged
from bridge.ids import ChannelRef, Platform
from bridge.outcome import Held, Outcome

log = logging.getLogger(__name__)

Route = Callable[[CoreEvent], Awaitable[Outcome]]
ChannelEvent = MessagePosted | MessageEdited | MessageDeleted | ReactionChanged
HELD = (MessagePosted, MessageEdited, MessageDeleted, ReactionChanged)


class LiveGate:
    def __init__(self, route: Route, *, passing: Collection[Platform] = (Platform.SLACK,)) -> None:
        self._route = route
        self._passing = frozenset(passing)  # held per channel only while it is read
        self._reading: set[ChannelRef] = set()  # passing platforms: read under way
        self._live_from: dict[Platform, float] = {}  # passing platforms: the session began
        # passing platforms: the first message that went through live before the channel's read
        self.first_live: dict[ChannelRef, str] = {}
        # told of each held event once it is handed on (the Slack side keeps its turn till then)
        self.on_released: Callable[[CoreEvent], Awaitable[None]] | None = None
        self._held_platforms: set[Platform] = set()
        self._open: set[ChannelRef] = set()  # caught up in this round while the platform is held
        self._queues: dict[ChannelRef, deque[ChannelEvent]] = {}

    def hold(self, platform: Platform, *, at: float = 0.0) -> None:
        """From now on, hold ``platform``'s channel events until each channel is released
        (``at``: when its new session began; a passing platform lets newer posts through)."""
        self._live_from[platform] = at
        if platform not in self._held_platforms:
            log.info("catch-up: holding live %s events until history is read", platform.value)
        self._held_platforms.add(platform)
        self._open = {c for c in self._open if c.platform is not platform}
        self.first_live = {c: m for c, m in self.first_live.items() if c.platform is not platform}

    def holds(self, channel: ChannelRef) -> bool:
        if channel.platform not in self._held_platforms:
            return False
        if channel.platform in self._passing:
            return channel in self._reading
        return channel not in self._open

    def passing(self, platform: Platform) -> bool:
        """The platform's channels are held only while each is read."""
        return platform in self._passing

    def begin(self, channel: ChannelRef) -> str | None:
        """The channel's read begins: on a passing platform, hold its live events from now on.
        The id of the first message that went through live before (the read stops there)."""
        if channel.platform in self._passing and channel.platform in self._held_platforms:
            self._reading.add(channel)
        return self.first_live.get(channel)

    def _missed(self, event: ChannelEvent) -> bool:
        """A post from before the session began, in a channel waiting for its read."""
        live_from = self._live_from.get(event.channel.platform, 0.0)
        return (
            isinstance(event, MessagePosted)
            and event.at < live_from
            and self._passes(event.channel)
        )

    def _passes(self, channel: ChannelRef) -> bool:
        """Waiting for its read on a passing platform: through now, first message noted."""
        return (
            channel.platform in self._passing
            and channel.platform in self._held_platforms
            and channel not in self._open
        )

    def held(self, channel: ChannelRef) -> int:
        return len(self._queues.get(channel, ()))

    async def handle(self, event: CoreEvent) -> Outcome:
        if isinstance(event, HELD) and (self.holds(event.channel) or self._missed(event)):
            self._queues.setdefault(event.channel, deque()).append(event)
            return Held("held until the channel's history is caught up")
        if isinstance(event, MessagePosted) and self._passes(event.channel):
            self.first_live.setdefault(event.channel, event.message_id)
        return await self._route(event)

    async def release(self, channel: ChannelRef) -> int:
        """Hand on the channel's held events in order, then let its events through."""
        handed = await self._drain(channel)
        if channel.platform in self._held_platforms:
            self._open.add(channel)
        self._reading.discard(channel)
        self.first_live.pop(channel, None)
        return handed

    async def release_all(self, platform: Platform) -> int:
        """The platform's session resumed (nothing was missed) or every channel is done."""
        handed = 0
        while pending := [c for c in self._queues if c.platform is platform]:
            for channel in pending:  # events held meanwhile: drained in the next pass
                handed += await self._drain(channel)
        self._held_platforms.discard(platform)  # no await since the last check: none overtakes
        self._open = {c for c in self._open if c.platform is not platform}
        self._reading = {c for c in self._reading if c.platform is not platform}
        self.first_live = {c: m for c, m in self.first_live.items() if c.platform is not platform}
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
