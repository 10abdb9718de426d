"""Group commit: writes that arrive together are committed together.

One writer task takes everything queued when the previous commit finishes and writes it in one
transaction. Nothing waits for a timer: a lone write starts at once, and a burst is taken in as
few commits as the database's speed allows (DESIGN §4, unit of work). If the batch's commit
fails, each write is retried in a commit of its own, so one bad write fails alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

Write = Callable[[Sequence[T]], Awaitable[Sequence[R]]]


class GroupCommit(Generic[T, R]):
    """``submit(item)`` returns ``write([..., item, ...])``'s answer for that item."""

    def __init__(self, write: Write[T, R], *, max_batch: int = 200) -> None:
        self._write = write
        self.max_batch = max_batch
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.commits = 0  # batches written (a failed batch retried alone counts each retry)
        self.largest = 0

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain(), name="group-commit")
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
            self.largest = max(self.largest, len(batch))
            try:
                await self._commit(batch)
            finally:  # cancelled mid-commit: nobody is left waiting forever
                for _, future in batch:
                    if not future.done():
                        future.set_exception(asyncio.CancelledError())

    async def _commit(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            results = await self._write([item for item, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                if not batch[0][1].done():
                    batch[0][1].set_exception(exc)
                return
            log.info("group commit of %d failed; committing them one by one", len(batch))
            for one in batch:
                await self._commit([one])
            return
        self.commits += 1
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
