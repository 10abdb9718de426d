"""Per-key ordering: work for one key (a channel) runs one at a time, in the order it arrived.

Platform callbacks arrive in order (a Discord gateway stream, Slack deliveries that wait for the
ack) but run as concurrent tasks; without this, a message whose handling waits longer (a new
author's account, a profile lookup) is recorded after the one that followed it, and the outbox,
which delivers in record order, would reorder the channel.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager


class InOrder:
    """FIFO locks by key. ``asyncio.Lock`` wakes its waiters first come, first served, and a
    caller that enters ``hold`` before its first suspension keeps its place in the queue."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._holders: dict[Hashable, int] = {}

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._holders[key] = self._holders.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._release(key)

    def _release(self, key: Hashable) -> None:
        left = self._holders[key] - 1
        if left:
            self._holders[key] = left
        else:  # nobody holds or waits: forget the key, so the table stays small
            del self._holders[key]
            del self._locks[key]

    def __len__(self) -> int:
        return len(self._locks)
