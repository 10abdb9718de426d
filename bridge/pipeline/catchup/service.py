"""Catch-up of one platform: every linked channel's history since the last message the bridge
saw there is fed through the pipeline in order; edits, deletes and reactions made within the
window are reconciled; the workspace's ban list is compared with the one last read."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field

from bridge.events import (
    CoreEvent,
    MemberBanned,
    MemberUnbanned,
    MessageDeleted,
    ReactionChanged,
)
from bridge.ids import ChannelRef, MessageCopy, Platform, UserRef
from bridge.metrics import Metrics, NullMetrics
from bridge.outcome import Handled, Outcome
from bridge.pipeline.catchup.gate import LiveGate
from bridge.pipeline.catchup.model import (
    CatchUpStore,
    HistoryReader,
    LastPosts,
    Scan,
    SeenMessage,
    caught_up_key,
)
from bridge.pipeline.catchup.reactions import ReactionCheck
from bridge.ports import Clock
from bridge.records import ChannelLink

log = logging.getLogger(__name__)

Route = Callable[[CoreEvent], Awaitable[Outcome]]
LONGEST = 14 * 24 * 3600.0  # never read further back than this for missed posts
MARGIN = 300.0  # after a lost session, read from this long before it was lost
YIELD_EVERY = 50  # channels planned between two turns of the event loop


class Stopping(Exception):
    """The bridge is stopping: the pass ends between two messages."""


@dataclass(frozen=True, slots=True)
class CatchUpSettings:
    window: float = 24 * 3600.0  # edits, deletes and reactions are reconciled this far back
    channels_at_once: int = 4  # channels read concurrently (each paced by its platform)


@dataclass
class Progress:
    """One channel's catch-up, as `/fangroup info` and the log show it."""

    state: str = "waiting"  # waiting | reading | done | failed
    read: int = 0
    found: Counter[str] = field(default_factory=Counter)
    error: str = ""
    live: bool = False  # waiting, and its live events go through meanwhile (Slack)

    def describe(self) -> str:
        if self.state == "reading":
            return f"catching up: {self.read} messages read"
        if self.state == "waiting" and self.live:
            return "catching up: waiting for its turn (live messages cross meanwhile)"
        if self.state == "waiting":
            return "catching up: waiting for its turn"
        if self.state == "failed":
            return f"catch-up failed ({self.error}); retried at the next reconnect"
        return ""


QUIET = Progress(state="done")  # shared, never changed: nothing to read there
WAITING = Progress()  # shared, never changed: waiting for its turn
WAITING_LIVE = Progress(live=True)  # the same, its live events going through meanwhile


class ReadStart:
    """Called by a reader right before a channel's first request goes out (after any wait for
    the platform's pace, which may take a minute): on a passing platform the channel's live
    events are held from then on, and the read stops before the first message that went
    through live before (``before``). Called once; later calls answer the same."""

    def __init__(self, gate: LiveGate, reader: HistoryReader, channel: ChannelRef) -> None:
        self.gate = gate
        self.reader = reader
        self.channel = channel
        self.before: float | None = None
        self.begun = False

    def __call__(self) -> float | None:
        if not self.begun:
            self.begun = True
            first_live = self.gate.begin(self.channel)
            if first_live is not None:
                self.before = self.reader.position(first_live)
        return self.before


class CatchUp:
    def __init__(
        self,
        *,
        store: CatchUpStore,
        route: Route,
        gate: LiveGate,
        clock: Clock,
        settings: CatchUpSettings | None = None,
        metrics: Metrics | None = None,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.wake = wake  # the outbox, when mirrors are put right
        self.route = route
        self.gate = gate
        self.clock = clock
        self.settings = settings or CatchUpSettings()
        self.metrics: Metrics = metrics or NullMetrics()
        self.readers: dict[Platform, HistoryReader] = {}
        self.progress: dict[ChannelRef, Progress] = {}
        self._pending: set[ChannelRef] = set()  # waiting or reading (kept, not counted)
        self._runs: dict[Platform, asyncio.Task[None]] = {}
        self._again: set[Platform] = set()
        self._lost_at: dict[Platform, float] = {}  # a session lost since the last catch-up
        self._started: set[Platform] = set()  # caught up once in this process
        self._caught: dict[ChannelRef, float] = {}  # when each channel's catch-up completed
        self._stopping = False
        # several workers, and others were live before this one: a new session only missed
        # what came since another worker stopped receiving it, so no pass reads further back
        # than this many seconds (None: the whole window, as when the bridge was down)
        self.live_deployment_reach: float | None = None
        # platforms whose first session needs no reading at all: other live workers received
        # their events all along (Slack sends each event to one of the workers' connections)
        self.received_elsewhere: set[Platform] = set()
        self._idle = asyncio.Event()  # no pass under way
        self._idle.set()
        self._begun = asyncio.Event()  # passes may start (see defer)
        self._begun.set()

    def defer(self) -> None:
        """Passes asked for from now on wait until ``begin``: the bridge finishes starting
        (and says it is ready) before its CPU goes to reading thousands of channels; live
        events wait in the gate meanwhile, as they would for the read itself."""
        self._begun.clear()

    def begin(self) -> None:
        """Let the passes asked for since ``defer`` start."""
        self._begun.set()

    # -- session hooks (called by the adapters) ---------------------------------------------
    def session_lost(self, platform: Platform) -> None:
        """The platform's connection dropped: hold its live events until we know what was
        missed (a resumed session replays it; a new one needs the history)."""
        self._lost_at.setdefault(platform, self.clock.now())
        self.gate.hold(platform, at=self.clock.now())

    def session_resumed(self, platform: Platform) -> None:
        """Resumed with the missed events replayed: nothing to read back."""
        self._lost_at.pop(platform, None)
        if platform not in self._runs:
            self._spawn(self.gate.release_all(platform), f"release-{platform.value}")

    def session_new(self, platform: Platform) -> None:
        """A new session (start-up, or one that could not be resumed): read the history."""
        if platform in self.received_elsewhere:  # joining live workers: nothing was missed
            self.received_elsewhere.discard(platform)
            self._started.add(platform)
            self.session_resumed(platform)
            return
        self.gate.hold(platform, at=self.clock.now())
        if self._stopping:
            return
        if platform in self._runs:
            self._again.add(platform)  # read again once the current pass ends
            return
        self._idle.clear()
        self._runs[platform] = self._spawn(self._run(platform), f"catch-up-{platform.value}")

    def _spawn(self, work: Awaitable[object], name: str) -> asyncio.Task[None]:
        async def wrapped() -> None:
            await work

        return asyncio.get_running_loop().create_task(wrapped(), name=name)

    async def stop(self, grace: float = 5.0) -> None:
        """Stop between two messages (what is left is read again at the next start); a pass
        still waiting on the platform after ``grace`` seconds is cancelled."""
        self._stopping = True
        self._begun.set()  # a deferred pass ends at once
        runs = list(self._runs.values())
        if runs:
            _, late = await asyncio.wait(runs, timeout=grace)
            for task in late:
                task.cancel()
            for task in runs:
                with contextlib.suppress(asyncio.CancelledError, Exception):  # stopping anyway
                    await task
        self._runs.clear()

    async def idle(self) -> None:
        """Return once no catch-up pass is under way (at once when none is)."""
        await self._idle.wait()

    def running(self) -> bool:
        """A catch-up pass is under way (or due) on some platform."""
        return bool(self._runs)

    def describe(self, channel: ChannelRef) -> str:
        progress = self.progress.get(channel)
        return progress.describe() if progress is not None else ""

    # -- one pass over a platform -------------------------------------------------------------
    async def _run(self, platform: Platform) -> None:
        try:
            await self._begun.wait()
            while not self._stopping:
                self._again.discard(platform)
                lost_at = self._lost_at.pop(platform, None)
                floor = lost_at - MARGIN if lost_at and platform in self._started else None
                if floor is None and self.live_deployment_reach is not None:
                    floor = self.clock.now() - self.live_deployment_reach
                await self.platform(platform, floor=floor)
                self._started.add(platform)
                if platform not in self._again:
                    break
        finally:
            self._runs.pop(platform, None)
            if not self._runs:
                self._idle.set()

    async def platform(self, platform: Platform, *, floor: float | None = None) -> None:
        """Catch up every linked channel of ``platform``, then let its live events through.
        ``floor``: a session lost in this process; nothing older needs reading again."""
        reader = self.readers.get(platform)
        started = time.monotonic()
        links: list[ChannelLink] = []
        todo: list[ChannelLink] = []
        try:
            if reader is not None:
                links = await self.store.links_of(platform)
                todo, newest = await self._plan(reader, links, floor)
                if not await self._read_all(reader, todo, newest, floor):
                    return  # stopping (a channel's own failure is caught in channel())
                await self._bans(reader, links)
        finally:
            await self.gate.release_all(platform)
            self._count_pending()
        log.info(
            "catch-up %s: %d channel(s), %d read, in %.1fs",
            platform.value,
            len(links),
            len(todo),
            time.monotonic() - started,
        )

    async def _plan(
        self, reader: HistoryReader, links: list[ChannelLink], floor: float | None
    ) -> tuple[list[ChannelLink], Mapping[ChannelRef, str]]:
        """The channels to read (each waiting for its turn; those never caught up, then those
        caught up longest ago, first) and their newest recorded posts. A channel where the
        platform says nothing was posted since it would be read from, and that holds no copy
        in the window, is let through at once without a request."""
        window_start = self._window_start(floor)
        marks = await self.store.channel_marks(reader.platform, since=window_start)
        self._caught.update(marks.caught_up)  # each platform's own channels
        knows = reader if isinstance(reader, LastPosts) else None
        waiting = WAITING_LIVE if self.gate.passing(reader.platform) else WAITING
        todo: list[ChannelLink] = []
        for n, link in enumerate(links, 1):
            newest = marks.newest_origin.get(link.channel)
            if knows is not None and link.channel not in marks.recent:
                last = knows.last_post(link.channel)
                since = self._since(reader, link, window_start, floor, newest)
                if last is not None and last < since:
                    self.progress[link.channel] = QUIET
                    await self.gate.release(link.channel)
                    continue
            todo.append(link)
            self.progress[link.channel] = waiting
            self._pending.add(link.channel)
            if n % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # live traffic first
        todo.sort(key=lambda lk: self._caught.get(lk.channel, 0.0))  # stable: link order kept
        self._count_pending()
        return todo, marks.newest_origin

    async def _read_all(
        self,
        reader: HistoryReader,
        todo: list[ChannelLink],
        newest: Mapping[ChannelRef, str],
        floor: float | None,
    ) -> bool:
        """Read the channels ``channels_at_once`` at a time (each paced by its platform);
        False when the bridge is stopping."""
        turns = iter(todo)
        width = max(1, min(self.settings.channels_at_once, len(todo)))
        readers = (self._take_turns(turns, reader, newest, floor) for _ in range(width))
        ended = await asyncio.gather(*readers, return_exceptions=True)
        return not self._stopping and not any(isinstance(e, BaseException) for e in ended)

    async def _take_turns(
        self,
        turns: Iterator[ChannelLink],
        reader: HistoryReader,
        newest: Mapping[ChannelRef, str],
        floor: float | None,
    ) -> None:
        for link in turns:  # shared by the readers: each channel is taken once
            if self._stopping:
                raise Stopping
            await self.channel(reader, link, floor=floor, newest=newest.get(link.channel))

    def _window_start(self, floor: float | None) -> float:
        start = self.clock.now() - self.settings.window
        return start if floor is None else max(start, floor)

    def _count_pending(self) -> None:
        self.metrics.catchup_channels(len(self._pending))

    async def channel(
        self,
        reader: HistoryReader,
        link: ChannelLink,
        *,
        floor: float | None = None,
        newest: str | None = None,
    ) -> Progress:
        """Read one channel's history and feed what was missed; its held events follow.
        ``newest``: the platform id of the last post recorded there, if any."""
        channel = link.channel
        progress = self.progress[channel] = Progress(state="reading")
        self._pending.add(channel)
        start = ReadStart(self.gate, reader, channel)
        try:
            done = await self._channel(reader, link, progress, floor, newest, start)
            progress.state = "done"
            await self._caught_up(channel, done)
        except (asyncio.CancelledError, Stopping):
            raise
        except Exception as exc:  # one channel's failure never stops the others
            progress.state, progress.error = "failed", str(exc)[:200]
            log.warning("catch-up %s failed: %s", channel, exc)
        finally:
            await self.gate.release(channel)
            if progress.state in ("done", "failed"):
                self._pending.discard(channel)
            self._count_pending()
        if progress.found:
            found = ", ".join(f"{n} {kind}(s)" for kind, n in sorted(progress.found.items()))
            log.info("catch-up %s: %d read, found %s", channel, progress.read, found)
        return progress

    async def _caught_up(self, channel: ChannelRef, at: float) -> None:
        """Remember that the channel's history is read up to ``at`` (live events after): the
        next start reads it only from there, and after the channels never caught up."""
        self._caught[channel] = at
        await self.store.set_sync_state(caught_up_key(channel), [f"{at:.6f}"])

    async def _channel(
        self,
        reader: HistoryReader,
        link: ChannelLink,
        progress: Progress,
        floor: float | None,
        newest: str | None,
        start: ReadStart,
    ) -> float:
        """Read and feed the channel's history; when it is complete up to."""
        channel = link.channel
        window_start = self._window_start(floor)
        copies = await self.store.recent_copies(channel, since=window_start)
        since = self._since(reader, link, window_start, floor, newest)
        threads = {c.thread_id for c in copies if c.thread_id}
        scan = await reader.scan(channel, since=since, threads=threads, begin=start)
        progress.read = len(scan.messages)
        for _ in range(scan.pages):
            self.metrics.catchup_request(channel.platform.value)
        known = {c.platform_message_id: c for c in copies}
        for seen in scan.messages:
            if self._stopping:
                raise Stopping
            await self._seen(reader, channel, seen, known, progress, window_start)
        if start.before is None:  # bounded: what is newer than the bound came live
            scan = await self._settled(reader, channel, scan, copies, threads)
        await self._deleted(reader, channel, scan, copies, progress, window_start)
        return scan.taken if scan.taken is not None else scan.until

    async def _settled(
        self,
        reader: HistoryReader,
        channel: ChannelRef,
        scan: Scan,
        copies: list[MessageCopy],
        threads: set[str],
    ) -> Scan:
        """The history is complete only up to ``scan.until`` (what is newer is left to the live
        events): a copy it did not show that is newer than that (a restart right after
        traffic) is judged on a second read once the history has caught up with it."""
        seen = {m.message_id for m in scan.messages}
        young = [
            at
            for c in copies
            if c.platform_message_id not in seen
            and (at := reader.position(c.platform_message_id)) > scan.until
        ]
        if not young:
            return scan
        await asyncio.sleep(max(young) - scan.until)
        return await reader.scan(channel, since=scan.since, threads=threads)

    def _since(
        self,
        reader: HistoryReader,
        link: ChannelLink,
        window_start: float,
        floor: float | None,
        newest: str | None,
    ) -> float:
        """From the last message people posted here that the bridge recorded (``newest``, or
        the window, whichever is earlier), never before the channel was linked nor before its
        last completed catch-up (what came after that came live, or is read now)."""
        since = window_start
        if newest is not None and floor is None:
            since = min(since, reader.position(newest))
        caught = self._caught.get(link.channel, 0.0)
        return max(since, caught, link.linked_at, self.clock.now() - LONGEST)

    async def _seen(
        self,
        reader: HistoryReader,
        channel: ChannelRef,
        seen: SeenMessage,
        known: dict[str, MessageCopy],
        progress: Progress,
        window_start: float,
    ) -> None:
        if seen.posted is not None and seen.message_id not in known:
            await self._feed(seen.posted, progress, "post")
        if seen.at < window_start or not (
            seen.edited or seen.reactions or seen.message_id in known
        ):
            return
        copy = known.get(seen.message_id) or await self.store.find_copy(channel, seen.message_id)
        if copy is None:
            return
        if seen.edited is not None and copy.is_origin:
            await self._feed(seen.edited, progress, "edit")
        await self._reaction_check(progress).copy(reader, channel, seen, copy)

    async def _deleted(
        self,
        reader: HistoryReader,
        channel: ChannelRef,
        scan: Scan,
        copies: list[MessageCopy],
        progress: Progress,
        window_start: float,
    ) -> None:
        """A copy recorded in the part of the history that was read completely, and absent
        from it, was deleted while the bridge was not listening."""
        seen = {m.message_id for m in scan.messages}
        for copy in copies:
            if copy.platform_message_id in seen or not _covered(reader, scan, copy, window_start):
                continue
            event = MessageDeleted(
                key=f"{copy.platform_message_id}:delete",
                channel=channel,
                message_id=copy.platform_message_id,
            )
            await self._feed(event, progress, "delete")

    async def _bans(self, reader: HistoryReader, links: list[ChannelLink]) -> None:
        """Bans and unbans made on the platform while the bridge was down, from its ban list
        compared with the one read last time (the first read only remembers it)."""
        for workspace in sorted({lk.channel.workspace for lk in links}):
            try:
                now = await reader.banned(workspace)
            except Exception as exc:  # the ban list is best effort next to the messages
                log.warning("catch-up: ban list of %s unreadable: %s", workspace, exc)
                continue
            if now is None:
                continue
            key = f"bans:{reader.platform.value}:{workspace}"
            before = await self.store.get_sync_state(key)
            if before is not None:
                await self._ban_changes(reader.platform, workspace, set(before), set(now))
            await self.store.set_sync_state(key, sorted(now))

    async def _ban_changes(
        self, platform: Platform, workspace: str, before: set[str], now: set[str]
    ) -> None:
        stamp = f"{self.clock.now():.3f}"
        for user in sorted(now - before):
            target = UserRef(platform, workspace, user)
            event: CoreEvent = MemberBanned(
                f"ban:{workspace}:{user}:{stamp}", platform, workspace, target
            )
            if isinstance(await self.route(event), Handled):
                self.metrics.caught_up("ban")
        for user in sorted(before - now):
            target = UserRef(platform, workspace, user)
            event = MemberUnbanned(f"unban:{workspace}:{user}:{stamp}", platform, workspace, target)
            if isinstance(await self.route(event), Handled):
                self.metrics.caught_up("unban")

    def _reaction_check(self, progress: Progress) -> ReactionCheck:
        async def feed(event: ReactionChanged) -> None:
            await self._feed(event, progress, "reaction")

        return ReactionCheck(store=self.store, clock=self.clock, wake=self.wake, feed=feed)

    async def _feed(self, event: CoreEvent, progress: Progress, kind: str) -> None:
        """Through the pipeline like a live event; counted when it changed something."""
        if isinstance(await self.route(event), Handled):
            progress.found[kind] += 1
            self.metrics.caught_up(kind)


def _covered(reader: HistoryReader, scan: Scan, copy: MessageCopy, window_start: float) -> bool:
    in_thread = copy.thread_id and copy.thread_id != copy.platform_message_id
    if in_thread and copy.thread_id not in scan.threads:
        return False
    at = reader.position(copy.platform_message_id)
    return max(scan.since, window_start) <= at <= scan.until
