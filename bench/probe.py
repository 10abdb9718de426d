"""The real Runtime with two probes: the time each inbound post reached ``dispatch`` (keyed by
platform and platform message id) and a wake-up on every outbox delivery."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import traceback
from collections import Counter
from collections.abc import Collection, Iterator
from pathlib import Path
from unittest import mock

import adapters.runtime
from adapters.config import Config
from adapters.runtime import Runtime
from bridge.events import CoreEvent, MessagePosted
from bridge.outcome import Outcome
from bridge.records import OutboxItem
from storage.repos import SqlStore


class BenchRuntime(Runtime):
    def __init__(self, config: Config, *, schema: str | None = None) -> None:
        super().__init__(config, web_port=0)
        self.schema = schema
        self.received: dict[tuple[str, str], float] = {}
        self.handled: set[tuple[str, str]] = set()
        self.delivered_at: list[float] = []
        self._progress = asyncio.Event()

    async def dispatch(self, event: CoreEvent) -> Outcome:
        if not isinstance(event, MessagePosted):
            return await super().dispatch(event)
        key = (event.channel.platform.value, event.message_id)
        self.received.setdefault(key, time.time())
        try:
            return await super().dispatch(event)
        finally:
            self.handled.add(key)
            self._progress.set()

    async def start(self) -> None:
        """Start, and return once every linked channel's history has been read: a post made
        earlier is held by the catch-up gate and crosses with the history, after the bench
        would have read back the channels."""
        with _store_schema(self.schema):
            await super().start()
        assert self.worker is not None
        self.worker.on_delivered = self._delivered
        if self.catchup is not None:
            await asyncio.wait_for(self.catchup.idle(), timeout=60)

    def dead_tasks(self) -> dict[str, str]:
        """The runtime's background tasks (outbox, housekeeping) that ended with an error."""
        dead = {}
        for task in self._tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                exc = task.exception()
                assert exc is not None
                where = _our_frames(exc)
                first = str(exc).splitlines()[0][:60]
                dead[task.get_name()] = f"{type(exc).__name__}: {first} (in {where})"
        return dead

    def _delivered(self, _item: OutboxItem) -> None:
        self.delivered_at.append(time.time())
        self._progress.set()

    async def wait_settled(self, keys: Collection[tuple[str, str]], within: float) -> bool:
        """True once the router has handled every posted message (``keys``) and the outbox is
        empty, so nothing more can come; False when ``within`` seconds run out first. Woken by each
        handled event and each delivery, never by polling on a timer."""
        assert self.store is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            if self.handled.issuperset(keys) and await self.store.outbox_depth() == 0:
                return True
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._progress.wait(), timeout=remaining)
            except TimeoutError:
                return False
            self._progress.clear()


def _our_frames(exc: BaseException) -> str:
    """The project's frames of a traceback, outermost first (``file:line function``)."""
    frames = [
        f"{Path(f.filename).parent.name}/{Path(f.filename).name}:{f.lineno} {f.name}"
        for f in traceback.extract_tb(exc.__traceback__)
        if any(part in f.filename for part in ("/bridge/", "/storage/", "/adapters/"))
    ]
    return " > ".join(frames) or "?"


@contextlib.contextmanager
def _store_schema(schema: str | None) -> Iterator[None]:
    """Runtime.start opens the store from the URL alone; a PostgreSQL schema needs
    ``SqlStore.open(schema=...)``, so the bench swaps in a subclass while the runtime starts."""
    if schema is None:
        yield
        return

    class SchemaStore(SqlStore):
        @classmethod
        async def open(cls, url: str, **kwargs: object) -> SqlStore:
            return await SqlStore.open(url, schema=schema)

    with mock.patch.object(adapters.runtime, "SqlStore", SchemaStore):
        yield


class ErrorTally(logging.Handler):
    """Counts the bridge's ERROR log records by their exception's first line (or message)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            key = f"{type(exc).__name__}: {str(exc).splitlines()[0][:60]}"
        else:
            key = record.getMessage()[:70]
        self.counts[key] += 1

    @contextlib.contextmanager
    def installed(self) -> Iterator[ErrorTally]:
        root = logging.getLogger()
        root.addHandler(self)
        try:
            yield self
        finally:
            root.removeHandler(self)
