"""The delivery loop over the durable outbox: per-channel order, rate limits, retries with
backoff and jitter, dead letters."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import heapq
import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from bridge.actions import (
    BanAction,
    DeleteAction,
    EditAction,
    EffectAction,
    MemberSanction,
    OutboxAction,
    OutgoingMessage,
    PostAction,
    ReactAction,
    SendResult,
    UnbanAction,
    UnreadableAction,
    styled,
)
from bridge.ids import ChannelRef, MessageCopy, Platform
from bridge.metrics import Metrics, NullMetrics
from bridge.pipeline.commit import GroupCommit
from bridge.pipeline.compose import Composer
from bridge.pipeline.delivery import DeliveryHandlers, Skipped
from bridge.pipeline.echo import EchoGuard, marker_for
from bridge.ports import (
    ChatAdapter,
    Clock,
    MessageStore,
    ModerationStore,
    OutboxStore,
    PartialDelivery,
    Paused,
    PermanentError,
    RateLimited,
    SentFinder,
    TransientError,
    WaitForRoom,
)
from bridge.records import Delivered, OutboxDraft, OutboxItem
from bridge.text import Emoji

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboxSettings:
    """Delivery timings. A transient failure (5xx, timeout, dropped connection) is retried with
    exponential backoff and jitter, capped at ``max_backoff``; an item becomes a dead letter only
    after ``max_attempts`` tries *and* ``give_up_after`` seconds in the queue, so an outage
    shorter than that loses nothing, however many retries it took (429s count as tries too)."""

    max_attempts: int = 12
    base_backoff: float = 0.5
    max_backoff: float = 60.0
    give_up_after: float = 3600.0
    batch: int = 50
    idle_poll: float = 1.0
    # an item stays claimed this long past the last extension; the worker extends its claims
    # every third of it while it delivers them, so a dead worker's items are free again after
    # at most this (the runtime sets four [workers] lease_seconds on PostgreSQL)
    lease: float = 120.0
    # an item for a paused workspace (the Slack app removed there) is held, not tried, and
    # looked at again this often; installing the app again makes it due at once
    paused_recheck: float = 300.0


class OutboxWorkerStore(OutboxStore, MessageStore, ModerationStore, Protocol):
    """What delivering reads and writes: the items, the copies they make, the moderation
    effects they carry out (and whether a ban still stands)."""


class OutboxWorker:
    def __init__(
        self,
        *,
        store: OutboxWorkerStore,
        adapters: Mapping[Platform, ChatAdapter],
        composer: Composer,
        echo: EchoGuard,
        clock: Clock,
        settings: OutboxSettings | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.metrics: Metrics = metrics or NullMetrics()
        self.adapters = adapters
        self.composer = composer
        self.echo = echo
        self.clock = clock
        self.settings = settings or OutboxSettings()
        self._wake = asyncio.Event()
        self._handlers = (
            DeliveryHandlers()
            .add(PostAction, self._post)
            .add(EditAction, self._edit)
            .add(DeleteAction, self._delete)
            .add(ReactAction, self._react)
            .add(BanAction, self._ban)
            .add(UnbanAction, self._unban)
        )
        self._stopping = False
        self._running = False
        # item id -> its delivery; never re-claimed while here, even past its lease
        self._inflight: dict[int, asyncio.Task[None]] = {}
        self._channel_of: dict[int, ChannelRef] = {}  # item id in flight -> its channel
        self._retries: list[float] = []  # a heap of the retry times this worker set
        # message id -> (channel, emoji) -> a react action that found no room (WaitForRoom)
        self._no_room: dict[int, dict[tuple[ChannelRef, Emoji], ReactAction]] = {}
        self.delivered = 0
        self.rate_limited = 0
        self.on_delivered: Callable[[OutboxItem], None] | None = None
        self._parts: dict[int, list[MessageCopy]] = {}  # item id -> copies its delivery made
        # deliveries that finish together are recorded in one transaction
        self._completions: GroupCommit[Delivered, None] = GroupCommit(store.complete_deliveries)

    def wake(self) -> None:
        self._wake.set()

    def register(self, handlers: DeliveryHandlers) -> None:
        """More action kinds, registered by the composition root (moderation effects:
        bridge/moderation/delivery.py; report cards: bridge/reports/delivery.py; join cards and
        grants: bridge/gates/delivery.py)."""
        self._handlers.include(handlers)

    def stop(self) -> None:
        """Ask ``run`` to return once the deliveries in flight are finished and recorded.

        Cancelling a delivery midway could leave a message sent but its copy unrecorded (a
        duplicate after a restart) and its row claimed until the lease runs out."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Deliver until stopped (``stop``: deliveries in flight finish) or cancelled.

        Each claimed item is delivered by its own task, so a channel that waits (a platform's
        rate limit, a slow answer) never holds up the others; the store hands out at most one
        item per channel at a time, which keeps each channel in order."""
        self._stopping = False
        self._running = True
        keeping = asyncio.create_task(self._keep_claims(), name="outbox-claims")
        try:
            while not self._stopping:
                self._wake.clear()
                if not await self._start_due():
                    await self._idle()
            if self._inflight:
                await asyncio.wait(self._inflight.values())
        finally:
            self._running = False
            keeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeping
            for task in self._inflight.values():
                task.cancel()

    async def _keep_claims(self) -> None:
        """Extend the claims of the items in flight here every third of the lease: a long
        delivery (a large upload, a platform's rate limit) keeps its claim while this worker
        lives, and a worker killed mid-delivery frees its items within one lease."""
        lease = self.settings.lease
        while True:
            await asyncio.sleep(lease / 3)
            if not self._inflight:
                continue
            try:
                until = self.clock.now() + lease
                await self.store.extend_claims(list(self._inflight), until=until)
            except Exception:  # the database is away: the claims still run a while
                log.warning("=> outbox: could not extend the claims in flight", exc_info=True)

    async def _start_due(self) -> int:
        room = self.settings.batch - len(self._inflight)
        if room <= 0:
            return 0
        try:
            items = await self.store.claim(
                now=self.clock.now(),
                limit=room,
                lease=self.settings.lease,
                busy=self._inflight.keys(),
            )
        except Exception:  # the database is away: keep the loop alive and try again
            log.exception("=> outbox: claiming failed; retrying after %ss", self.settings.idle_poll)
            return 0
        for item in items:
            self._start(item)
        return len(items)

    def _start(self, item: OutboxItem) -> None:
        if item.id in self._inflight:
            return
        task = asyncio.create_task(self._deliver(item), name=f"outbox-{item.id}")
        self._inflight[item.id] = task
        self._channel_of[item.id] = item.target
        task.add_done_callback(functools.partial(self._finished, item.id))

    def lease(self) -> float | None:
        """The Handoff (bridge/pipeline/handoff.py): while ``run`` delivers and has room, fresh
        items may be recorded claimed for this worker."""
        room = len(self._inflight) < self.settings.batch
        return self.settings.lease if self._running and not self._stopping and room else None

    def deliver_now(self, items: Sequence[OutboxItem]) -> None:
        """Deliver items recorded claimed for this worker, without claiming them."""
        for item in items:
            self._start(item)

    async def settled(self, channel: ChannelRef) -> None:
        """The Handoff: wait for the deliveries into ``channel`` in flight here to be recorded."""
        tasks = [t for i, t in self._inflight.items() if self._channel_of.get(i) == channel]
        if tasks:
            await asyncio.wait(tasks)

    def _finished(self, item_id: int, task: asyncio.Task[None]) -> None:
        self._inflight.pop(item_id, None)
        self._channel_of.pop(item_id, None)
        if not task.cancelled() and task.exception() is not None:  # the store failed: lease
            log.error("=> delivery not recorded", exc_info=task.exception())  # expiry retries
        self._wake.set()  # the channel's next item may now be claimed

    async def _idle(self) -> None:
        """Wait for new work, a finished delivery, or the earliest retry this worker scheduled
        (the store is polled every ``idle_poll`` anyway)."""
        now = self.clock.now()
        while self._retries and self._retries[0] <= now:
            heapq.heappop(self._retries)
        timeout = self.settings.idle_poll
        if self._retries:
            timeout = min(timeout, self._retries[0] - now)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=timeout)

    async def _retry_at(self, item: OutboxItem, error: str, at: float) -> None:
        await self.store.retry(item.id, error=error, at=at)
        heapq.heappush(self._retries, at)

    async def drain_once(self) -> int:
        """Claim what is due and deliver it, waiting for every delivery (benchmarks, tests)."""
        items = await self.store.claim(
            now=self.clock.now(), limit=self.settings.batch, lease=self.settings.lease
        )
        if items:
            await asyncio.gather(*(self._deliver(item) for item in items))
        return len(items)

    async def _deliver(self, item: OutboxItem) -> None:
        adapter = self.adapters.get(item.target.platform)
        handler = self._handlers.find(item.action)
        if adapter is None or handler is None:
            why = _undeliverable(item.action, adapter)
            await self.store.bury(item.id, error=why)
            await self._settle(item, "failed", why)
            return
        try:
            await self._handle(handler, item, adapter)
        except Skipped as exc:
            await self.store.complete(item.id)
            await self._settle(item, "skipped", str(exc))
        except RateLimited as exc:
            self.rate_limited += 1
            self.metrics.rate_limited(item.target.platform.value)
            await self._retry_at(item, str(exc), self.clock.now() + exc.retry_after)
        except Paused as exc:
            await self._hold(item, exc)
        except PermanentError as exc:
            log.warning("=> %s %s refused: %s", item.target, item.action.kind, exc)
            await self.store.bury(item.id, error=str(exc))
            await self._settle(item, "failed", str(exc))
        except (TransientError, OSError, TimeoutError) as exc:
            await self._retry_later(item, str(exc) or type(exc).__name__)
        except Exception as exc:  # an adapter bug must not stop delivery to other channels
            log.exception("=> %s %s failed", item.target, item.action.kind)
            await self._retry_later(item, repr(exc))
        else:
            copies = tuple(self._parts.pop(item.id, ()))
            await self._completions.submit(Delivered(item.id, copies))
            await self._settle(item, "done", "")
            self.delivered += 1
            self.metrics.relayed(item.target.platform.value)
            if self.on_delivered is not None:
                self.on_delivered(item)

    async def _handle(
        self,
        handler: Callable[[OutboxItem, ChatAdapter], Awaitable[None]],
        item: OutboxItem,
        adapter: ChatAdapter,
    ) -> None:
        """Run ``handler``; the copies it made are kept for the item's completion, unless it
        fails: then they are recorded at once (a retry resumes after them)."""
        try:
            await handler(item, adapter)
        except BaseException:
            for copy in self._parts.pop(item.id, ()):
                await self.store.add_copy(
                    message_id=copy.message_id,
                    channel=copy.channel,
                    platform_message_id=copy.platform_message_id,
                    part=copy.part,
                    thread_id=copy.thread_id,
                )
            raise

    async def _hold(self, item: OutboxItem, paused: Paused) -> None:
        """Keep an item for a paused workspace (and its channel's later items behind it) until
        the workspace resumes. Not a try, unless some parts of a split message went out first
        (counted, so the retry resumes after them)."""
        log.info("=> %s %s held: %s", item.target, item.action.kind, paused)
        at = self.clock.now() + self.settings.paused_recheck
        tried = isinstance(paused.__cause__, PartialDelivery)
        await self.store.retry(item.id, error=str(paused), at=at, tried=tried)
        heapq.heappush(self._retries, at)

    async def _retry_later(self, item: OutboxItem, error: str) -> None:
        waited = self.clock.now() - item.created_at
        if (
            item.attempts + 1 >= self.settings.max_attempts
            and waited >= self.settings.give_up_after
        ):
            log.error("=> %s gave up after %d attempts: %s", item.target, item.attempts + 1, error)
            await self.store.bury(item.id, error=error)
            await self._settle(item, "failed", error)
            return
        doubled = self.settings.base_backoff * 2 ** min(item.attempts, 32)
        delay = min(self.settings.max_backoff, doubled)
        delay *= random.uniform(0.5, 1.5)
        await self._retry_at(item, error, self.clock.now() + delay)

    async def _settle(self, item: OutboxItem, status: str, detail: str) -> None:
        """The modlog effect this item performs (if any) is done, failed or skipped."""
        action = item.action
        if isinstance(action, EffectAction) and action.effect_id is not None:
            await self.store.set_effect(
                action.effect_id, status=status, detail=detail, at=self.clock.now()
            )

    # -- handlers ----------------------------------------------------------------------------
    async def _target_copies(self, item: OutboxItem, message_id: int) -> list[MessageCopy]:
        copies = await self.store.copies_of(message_id)
        return sorted((c for c in copies if c.channel == item.target), key=lambda c: c.part)

    async def _post(self, action: PostAction, item: OutboxItem, adapter: ChatAdapter) -> None:
        message = await self.store.get_message(action.message_id)
        if message is None or message.deleted_at is not None:
            return
        # a retry resumes after the parts already delivered (a crash, or a split message whose
        # later part failed): those are never sent twice. A first attempt has none.
        fresh = item.attempts == 0 and not item.resumed
        first = 0 if fresh else len(await self._target_copies(item, message.id))
        marker = marker_for(item.id, item.attempts)
        outgoing = await self.composer.compose(message, item.target, action, marker)
        outgoing = styled(outgoing, action)
        if item.resumed:
            first = await self._adopt_unrecorded(item, adapter, message.id, outgoing, first)
        outgoing = replace(outgoing, first_part=first)
        self.echo.expect(marker)
        try:
            result = await adapter.post(item.target, outgoing)
        except PartialDelivery as exc:
            await self._record_parts(message.id, item, exc.sent, first)
            raise exc.cause from exc
        await self._record_parts(message.id, item, result, first)
        log.debug("=> %s post #%d as %s", item.target, message.id, result.ids)

    async def _adopt_unrecorded(
        self,
        item: OutboxItem,
        adapter: ChatAdapter,
        message_id: int,
        outgoing: OutgoingMessage,
        first: int,
    ) -> int:
        """Parts an earlier attempt posted but never recorded are recorded now, not posted again;
        returns the first part still to send."""
        if not isinstance(adapter, SentFinder):
            return first
        markers = [marker_for(item.id, n) for n in range(item.attempts + 1)]
        found = await adapter.find_sent(
            item.target, outgoing, since=item.created_at, markers=markers
        )
        fresh = [i for i in found.ids if await self.store.find_copy(item.target, i) is None]
        if fresh:
            log.info("=> %s post #%d was already sent as %s", item.target, message_id, fresh)
            adopted = SendResult(tuple(fresh), found.thread_id)
            await self._record_parts(message_id, item, adopted, first)
        return first + len(fresh)

    async def _record_parts(
        self, message_id: int, item: OutboxItem, result: SendResult, first: int
    ) -> None:
        self._parts.setdefault(item.id, []).extend(
            MessageCopy(
                message_id, item.target, platform_id, first + offset, False, result.thread_id
            )
            for offset, platform_id in enumerate(result.ids)
        )

    async def _edit(self, action: EditAction, item: OutboxItem, adapter: ChatAdapter) -> None:
        message = await self.store.get_message(action.message_id)
        copies = await self._target_copies(item, action.message_id)
        if message is None or message.deleted_at is not None or not copies:
            return
        marker = marker_for(item.id, item.attempts)
        outgoing = await self.composer.compose(message, item.target, action, marker)
        outgoing = styled(outgoing, action)
        result = await adapter.edit(item.target, copies, outgoing)
        known = {c.platform_message_id for c in copies}
        for part, platform_id in enumerate(result.ids):
            if platform_id not in known:
                await self.store.add_copy(
                    message_id=message.id,
                    channel=item.target,
                    platform_message_id=platform_id,
                    part=part,
                    thread_id=result.thread_id or copies[0].thread_id,
                )

    async def _delete(self, action: DeleteAction, item: OutboxItem, adapter: ChatAdapter) -> None:
        copies = await self._target_copies(item, action.message_id)
        if copies:
            await adapter.delete(item.target, copies)

    async def _react(self, action: ReactAction, item: OutboxItem, adapter: ChatAdapter) -> None:
        copies = await self._target_copies(item, action.message_id)
        if not copies:
            return
        emoji, add = action.emoji, action.add
        message_id, key = action.message_id, (item.target, emoji)
        try:
            await adapter.react(item.target, copies[0], emoji, add=add)
        except WaitForRoom as exc:
            log.info("=> %s %s waits for room on message #%d", item.target, emoji.name, message_id)
            self._no_room.setdefault(message_id, {})[key] = action
            raise Skipped(f"kept until room frees: {exc}") from exc
        if not add:
            await self._room_freed(message_id, key)

    async def _room_freed(self, message_id: int, removed: tuple[ChannelRef, Emoji]) -> None:
        """A reaction left the message (here, or on another platform after a person removed
        it): the reactions that found no room on it are tried again, in a fresh outbox row
        each (one that is still wanted is refused again and waits for the next free slot)."""
        waiting = self._no_room.pop(message_id, {})
        waiting.pop(removed, None)  # no longer wanted there
        drafts = [OutboxDraft(target, action) for (target, _), action in waiting.items()]
        if drafts:
            await self.store.enqueue(drafts, at=self.clock.now())
            self.wake()

    async def _ban(self, action: BanAction, item: OutboxItem, adapter: ChatAdapter) -> None:
        if not await self._banned(action):  # a softban: the unban came first
            raise Skipped("unbanned before the ban took effect")
        await adapter.ban(item.target, action.user, reason=_reason(action))

    async def _unban(self, action: UnbanAction, item: OutboxItem, adapter: ChatAdapter) -> None:
        if await self._banned(action):
            raise Skipped("banned again before the unban took effect")
        await adapter.unban(item.target, action.user, reason=_reason(action))

    async def _banned(self, action: MemberSanction) -> bool:
        return await self.store.is_banned(action.group_id, action.member_id)


def _reason(action: MemberSanction) -> str:
    return action.reason or "fanbridge: banned from the Fan Group"


def _undeliverable(action: OutboxAction, adapter: ChatAdapter | None) -> str:
    if isinstance(action, UnreadableAction):
        return action.why
    return "no adapter" if adapter is None else f"no handler for {action.kind}"
