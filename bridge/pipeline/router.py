"""Event in → echo guard → dedupe → the service that handles its kind (a dispatch table)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bridge.events import (
    CoreEvent,
    HomeOpened,
    MemberBanned,
    MemberTimedOut,
    MemberUnbanned,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionChanged,
)
from bridge.ids import ChannelRef, UserRef
from bridge.metrics import Metrics, NullMetrics
from bridge.outcome import EventHandler, EventHandlers, Handled, Ignored, Outcome
from bridge.pipeline.echo import EchoGuard
from bridge.pipeline.ordering import InOrder
from bridge.ports import Clock, EventStore

log = logging.getLogger(__name__)

EVENT_TTL = 2 * 3600.0  # inbound_event rows are kept at least an hour (DESIGN §3)
# Deduplicated by the state they change, not by a recorded key: a post by its origin copy (unique
# in the store), an edit by comparing texts, a delete by the message's deleted_at, a reaction by
# the stored set. A key recorded by a process that died before it stored the message would hide
# that message from catch-up and from other workers; these need none.
BY_STATE = (MessagePosted, MessageEdited, MessageDeleted, ReactionChanged)


class Router:
    def __init__(
        self,
        *,
        store: EventStore,
        handlers: Mapping[type, EventHandler],
        echo: EchoGuard,
        clock: Clock,
        metrics: Metrics | None = None,
    ) -> None:
        """``handlers``: event type -> its handler, every service's ``handlers()`` merged by
        the composition root (``merge_handlers``)."""
        self.store = store
        self.metrics: Metrics = metrics or NullMetrics()
        self.echo = echo
        self.clock = clock
        self._table: EventHandlers = dict(handlers)
        self.events_in = 0
        self._order = InOrder()

    async def handle(self, event: CoreEvent) -> Outcome:
        """Public entry: never raises for a bad event; logs and reports an Ignored instead."""
        self.events_in += 1
        self.metrics.event_in(type(event).__name__)
        try:
            async with self._order.hold(_order_key(event)):  # one channel, one at a time
                outcome = await self._handle(event)
        except Exception as exc:  # one broken event must not stop the bridge
            log.exception("<= %s failed", type(event).__name__)
            return Ignored(f"error: {exc!r}")
        if isinstance(outcome, Ignored):
            log.debug("<= %s ignored: %s", type(event).__name__, outcome.reason)
        return outcome

    async def _handle(self, event: CoreEvent) -> Outcome:
        if isinstance(event, MessagePosted) and self.echo.is_echo(event.echo_marker):
            return Ignored("our own echo (marker)")
        handler = self._table.get(type(event))
        if handler is None:
            return Ignored("no handler")
        by_state = isinstance(event, BY_STATE)
        key = f"{type(event).__name__}:{event.key}" if event.key and not by_state else ""
        platform = _platform(event)
        if key and not await self.store.remember_event(
            platform=platform, key=key, at=self.clock.now()
        ):
            return Ignored("duplicate event")
        try:
            return await handler(event)
        except BaseException:
            if key:  # not handled: a redelivery of this event must not count as a duplicate
                await self.store.forget_event(platform=platform, key=key)
            raise

    async def housekeeping(self) -> int:
        """Forget dedupe keys older than the TTL."""
        return await self.store.forget_events(before=self.clock.now() - EVENT_TTL)


def _platform(event: CoreEvent) -> str:
    """The platform an event came from (its channel's, or for a home view its user's)."""
    if isinstance(event, MemberBanned | MemberUnbanned | MemberTimedOut):
        return event.platform.value
    where = event.user if isinstance(event, HomeOpened) else event.channel
    return where.platform.value


def _order_key(event: CoreEvent) -> ChannelRef | UserRef:
    """Events of one channel are handled in the order they arrived (a home view: per user; a
    ban, unban or timeout from the platform: per target, so a softban's unban never overtakes
    its ban). Every other event happens in a channel."""
    if isinstance(event, HomeOpened):
        return event.user
    if isinstance(event, MemberBanned | MemberUnbanned | MemberTimedOut):
        return event.target
    return event.channel


def merge_handlers(*tables: Mapping[type, EventHandler]) -> EventHandlers:
    """One table from every service's ``handlers()``; two services claiming one event type is
    a wiring mistake, refused at start."""
    merged: EventHandlers = {}
    for table in tables:
        for kind, handler in table.items():
            if kind in merged:
                raise ValueError(f"two handlers for {kind.__name__}")
            merged[kind] = handler
    return merged


__all__ = ["Handled", "Ignored", "Router", "merge_handlers"]
