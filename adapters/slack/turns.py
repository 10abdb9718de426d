"""A Slack channel's messages in order across workers.

Slack hands each event to one of the workers' connections and sends the next one once the
previous is acknowledged, or after a short while when it is not (a busy worker). Within one
worker ``InOrder`` keeps a channel's events in the order they came; across workers, each
records the event it received (``slack_turn``) before handling it, and a message waits while
an earlier message of its channel (by ``ts``) is still being handled by another live worker
(never for its own rows: one worker handles a channel's events one at a time, so its own
earlier event is done or queued behind, sent again by Slack, and waiting for it would stall
both past Slack's acknowledgement deadline, making Slack send more events again).
A worker that dies mid-way holds the channel up only until Slack sends its event again (to a
live worker, whose row it becomes): its rows are ignored once its lease has expired and they
are ``RETRY_GRACE`` seconds old, and rows older than ``STALE`` seconds always are. SQLite
runs one process: no turns there."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

STALE = 30.0  # seconds after which an event's row no longer holds anyone up
# a message never waits longer for an earlier one: it is acknowledged once handled, and Slack
# sends an event again when its acknowledgement is 3 s late (to any worker, maybe this one,
# where it queues behind the next ones): waiting past that deadline only makes more late
WAIT_AT_MOST = 2.0
# an event that reached a worker killed before acknowledging it comes again from Slack once its
# acknowledgement is 3 s overdue: until then the dead worker's row still holds the next ones up
RETRY_GRACE = 5.0
POLL = 0.02  # seconds between two looks while waiting


class TurnStore(Protocol):
    async def begin_turn(self, channel: str, ts: str, worker: str) -> None: ...

    async def earlier_turns(
        self, channel: str, ts: str, *, stale: float, retry_grace: float = 0.0, worker: str = ""
    ) -> int: ...

    async def end_turn(self, channel: str, ts: str, worker: str, *, stale: float) -> None: ...


@dataclass
class Turn:
    """One event's turn; ``keep(event)`` when the core kept the event for later."""

    channel: str
    ts: str
    kept: object | None = None

    def keep(self, event: object) -> None:
        self.kept = event


class Turns:
    def __init__(self, store: TurnStore | None, worker: str) -> None:
        """``store`` None: one process (SQLite), where ``InOrder`` alone keeps the order."""
        self.store = store
        self.worker = worker
        self.waited = 0  # messages that waited for an earlier one (logs, benchmarks)
        self._kept: dict[int, tuple[Turn, object]] = {}  # id(event) -> its turn, event

    @contextlib.asynccontextmanager
    async def turn(self, channel: str, ts: str, recorded: Awaitable[None]) -> AsyncIterator[Turn]:
        """Around the handling of an event whose row ``recorded`` is writing (``begin``,
        started as the event came in): wait for the earlier ones of its channel, handle it,
        forget it, unless the handling ``keep``s it (held by the catch-up gate: the row goes
        once the gate hands it on, ``released``)."""
        handle = Turn(channel, ts)
        if self.store is None or not channel or not ts:
            await recorded
            yield handle
            return
        try:
            await recorded
            await self._wait(channel, ts)
            yield handle
        finally:
            if handle.kept is not None:
                self._kept[id(handle.kept)] = (handle, handle.kept)
            else:
                await self._end(channel, ts)

    async def released(self, event: object) -> None:
        """The catch-up gate handed on an event kept by ``turn``: its row goes now."""
        found = self._kept.pop(id(event), None)
        if found is not None and found[1] is event:
            await self._end(found[0].channel, found[0].ts)

    async def _end(self, channel: str, ts: str) -> None:
        if self.store is not None:
            with contextlib.suppress(Exception):  # a stale row holds nobody up for long
                await self.store.end_turn(channel, ts, self.worker, stale=STALE)

    def begin(self, channel: str, ts: str) -> asyncio.Task[None]:
        """Start recording the event at once, before it queues behind this worker's earlier
        events of the channel (their handling may take a while: the other workers must see
        this one meanwhile)."""
        return asyncio.create_task(self._begin(channel, ts), name=f"slack-turn-{ts}")

    async def _begin(self, channel: str, ts: str) -> None:
        if self.store is not None and channel and ts:
            with contextlib.suppress(Exception):  # without its row it only waits less
                await self.store.begin_turn(channel, ts, self.worker)

    async def _wait(self, channel: str, ts: str) -> None:
        assert self.store is not None
        deadline = time.monotonic() + WAIT_AT_MOST
        waited = False
        while await self.store.earlier_turns(
            channel, ts, stale=STALE, retry_grace=RETRY_GRACE, worker=self.worker
        ):
            if time.monotonic() > deadline:
                log.warning(
                    "slack: %s %s waited %.0fs for an earlier message", channel, ts, WAIT_AT_MOST
                )
                return
            waited = True
            await asyncio.sleep(POLL)
        if waited:
            self.waited += 1
            log.info(
                "slack: %s %s waited for an earlier message another worker handled", channel, ts
            )
