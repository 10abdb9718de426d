"""apscheduler behind the core's scheduling port: one date job per scheduled announcement, kept
in apscheduler's SQLAlchemy job store in the product's own database (table
``apscheduler_jobs``, created by apscheduler at start-up).

- The scheduler runs in its own thread (``BackgroundScheduler``) and every job-store write goes
  through a one-thread executor, so a database write never blocks the bridge's event loop; a job
  hands its work back to the loop.
- Times are on the bridge's clock: a test's manual clock that jumps ahead maps onto real time
  (``clock_moved`` re-plans), so nothing waits for real hours.
- The truth of what is scheduled is the ``announcement`` table; a job only says "look at #N
  now". Two bridges sharing the database may both run it: the compare-and-set in
  ``ScheduledAnnouncements.fire`` lets one send."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import socket
import time
from datetime import UTC, datetime

import sqlalchemy.exc
from apscheduler.jobstores.base import BaseJobStore, JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url

from bridge.announce.schedule import ScheduledAnnouncements
from bridge.ports import Clock
from storage.db import normalise_url

log = logging.getLogger(__name__)
JOB_TIMEOUT = 120.0  # seconds a job waits for its send on the loop
_LIVE: dict[str, tuple[asyncio.AbstractEventLoop, ScheduledAnnouncements]] = {}


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def job_store(database_url: str, schema: str | None = None) -> BaseJobStore:
    """apscheduler's SQLAlchemy job store on the product's database (a sync driver: sqlite3 or
    psycopg); in-memory SQLite gets a memory store (nothing outlives the process anyway)."""
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return MemoryJobStore()
        engine = create_sync_engine(url.set(drivername="sqlite"), connect_args={"timeout": 30})
        return SQLAlchemyJobStore(engine=engine)
    engine = create_sync_engine(url.set(drivername="postgresql+psycopg"), pool_pre_ping=True)
    return SQLAlchemyJobStore(engine=engine, tableschema=schema)


def run_announcement(announcement_id: int, owner: str) -> str:
    """The job apscheduler runs (in its thread): send on the owning bridge's loop."""
    live = _LIVE.get(owner) or next(iter(_LIVE.values()), None)
    if live is None:
        log.warning("announcement #%s is due but no bridge runs in this process", announcement_id)
        return "no bridge"
    loop, jobs = live
    future = asyncio.run_coroutine_threadsafe(jobs.fire(announcement_id), loop)
    outcome = future.result(timeout=JOB_TIMEOUT)
    log.info("announcement #%s: %s", announcement_id, outcome)
    return outcome


class ApScheduler:
    """The ``bridge.pipeline.scheduler.Scheduler`` port on apscheduler."""

    def __init__(self, store: BaseJobStore, clock: Clock, *, owner: str | None = None) -> None:
        self.clock = clock
        self.owner = owner or f"{process_name()}:{id(self)}"
        self._scheduler = BackgroundScheduler(
            jobstores={"default": store},
            timezone=UTC,
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        self._writes = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="jobstore")
        self._jobs: ScheduledAnnouncements | None = None
        self._stopped = False

    async def start(self, jobs: ScheduledAnnouncements) -> None:
        """Start the timer; the job store's first database work (creating its table) runs on
        the job-store thread, never on the event loop."""
        self._jobs = jobs
        loop = asyncio.get_running_loop()
        _LIVE[self.owner] = (loop, jobs)
        await loop.run_in_executor(self._writes, self._start_once_created)

    def _start_once_created(self) -> None:
        """Start; when another worker created the job table at the same moment (PostgreSQL
        answers a unique violation on its type), the table is there now: start again."""
        try:
            self._scheduler.start()
        except sqlalchemy.exc.IntegrityError:
            log.info("scheduler: another worker created the job table meanwhile; starting again")
            self._scheduler.start()

    async def stop(self) -> None:
        """After this, schedule/unschedule are no-ops (the table still holds every scheduled
        post; the next start plans them again)."""
        self._stopped = True
        _LIVE.pop(self.owner, None)
        await asyncio.get_running_loop().run_in_executor(self._writes, self._shutdown)
        self._writes.shutdown(wait=True)

    def _shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    # -- the port --------------------------------------------------------------------------
    def schedule(self, announcement_id: int, due_at: float) -> None:
        if self._stopped:
            return
        run_at = datetime.fromtimestamp(due_at - self._skew(), UTC)
        self._writes.submit(self._add, announcement_id, run_at)

    def unschedule(self, announcement_id: int) -> None:
        if not self._stopped:
            self._writes.submit(self._remove, announcement_id)

    async def flush(self) -> None:
        """Wait until every schedule/unschedule so far reached the job store."""
        await asyncio.get_running_loop().run_in_executor(self._writes, lambda: None)

    async def clock_moved(self) -> None:
        """Re-plan every scheduled announcement after the bridge's clock jumped (tests' manual
        clocks): due ones run through apscheduler at once."""
        if self._jobs is not None:
            for announcement in await self._jobs.store.scheduled_announcements():
                self.schedule(announcement.id, announcement.due_at or 0.0)
        await self.flush()
        self._scheduler.wakeup()

    def pending(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()]

    def _skew(self) -> float:
        return self.clock.now() - time.time()

    def _add(self, announcement_id: int, run_at: datetime) -> None:
        try:
            self._scheduler.add_job(
                "adapters.scheduler:run_announcement",
                trigger="date",
                run_date=run_at,
                args=[announcement_id, self.owner],
                id=f"announcement-{announcement_id}",
                name=f"announcement #{announcement_id}",
                replace_existing=True,
            )
        except Exception:  # a job-store failure: the periodic recovery pass plans it again
            log.exception("could not schedule announcement #%s", announcement_id)

    def _remove(self, announcement_id: int) -> None:
        try:
            self._scheduler.remove_job(f"announcement-{announcement_id}")
        except JobLookupError:
            pass
        except Exception:
            log.exception("could not unschedule announcement #%s", announcement_id)
