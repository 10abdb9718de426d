"""Slack turns (``slack_turn``): which Slack message events the workers are handling right now,
by channel and ``ts``. A worker records its event before handling it and removes it after;
the next message of the channel, handled by another worker, waits while an earlier one is
still there, unless the worker holding it is dead (its ``worker:`` lease expired) or the row is
older than ``stale`` seconds."""

from __future__ import annotations

from sqlalchemy import and_, exists, func, literal
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import col, delete, select

from storage.base import RepoBase
from storage.tables import LeaseRow, SlackTurnRow

WORKER_PREFIX = "worker:"


class TurnRepo(RepoBase):
    async def begin_turn(self, channel: str, ts: str, worker: str) -> None:
        """Record the event as this worker's. Slack sends an event again when the worker it
        went to did not acknowledge it (killed, or slow): the row becomes the new worker's."""
        row = {"channel": channel, "ts": ts, "worker": worker, "at": self.clock.now()}
        statement = pg_insert(SlackTurnRow).values(row)
        statement = statement.on_conflict_do_update(
            index_elements=["channel", "ts"],
            set_={"worker": statement.excluded.worker, "at": statement.excluded.at},
        )
        async with self.session() as s:
            await s.exec(statement)

    async def earlier_turns(
        self,
        channel: str,
        ts: str,
        *,
        stale: float,
        retry_grace: float = 0.0,
        worker: str = "",
    ) -> int:
        """How many earlier events of ``channel`` are still being handled by another worker
        than ``worker``: a live one, or a dead one less than ``retry_grace`` seconds ago (Slack
        sends such an event again, to a live worker, once its acknowledgement is overdue).
        ``worker``'s own rows never count: it handles a channel's events one at a time, so its
        own earlier one is either done or queued behind the asking one (an event Slack sent it
        again), and waiting for it would only make both late."""
        now = self.clock.now()
        holder_lives = exists().where(
            and_(
                col(LeaseRow.name) == literal(WORKER_PREFIX) + col(SlackTurnRow.worker),
                col(LeaseRow.expires_at) > now,
            )
        )
        query = select(func.count()).where(
            col(SlackTurnRow.channel) == channel,
            col(SlackTurnRow.ts) < ts,
            col(SlackTurnRow.worker) != worker,
            col(SlackTurnRow.at) > now - stale,
            holder_lives | (col(SlackTurnRow.at) > now - retry_grace),
        )
        async with self.session() as s:
            return int((await s.exec(query)).one())

    async def end_turn(self, channel: str, ts: str, worker: str, *, stale: float) -> None:
        """Remove the event's row if ``worker`` wrote it (Slack may have sent the event again
        to another worker, whose row it is: that one still holds the next messages up), and
        the channel's rows older than ``stale`` (dead workers')."""
        older = col(SlackTurnRow.at) < self.clock.now() - stale
        mine = (col(SlackTurnRow.ts) == ts) & (col(SlackTurnRow.worker) == worker)
        async with self.session() as s:
            await s.exec(
                delete(SlackTurnRow).where(col(SlackTurnRow.channel) == channel, mine | older)
            )
