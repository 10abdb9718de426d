"""What digests and insights read of the polls and the artist events (their own repositories
write them): the polls closed in a week with each option's votes (the bridge's votes plus a
platform poll's own), the turnout of the last polls, and the events coming up."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bridge.digests.model import EventLine, PollResult, PollTurnout
from storage.base import RepoBase
from storage.tables import ArtistEventRow, PollNativeVoteRow, PollRow, PollVoteRow

CLOSED = "closed"
SCHEDULED = "scheduled"


async def _votes(s: AsyncSession, poll_ids: list[int]) -> dict[int, dict[int, int]]:
    """poll -> option -> votes (the bridge's and the platform poll's own)."""
    tally: dict[int, dict[int, int]] = {}
    for table in (PollVoteRow, PollNativeVoteRow):
        query = (
            select(table.poll_id, table.option, func.count(col(table.id)))
            .where(col(table.poll_id).in_(poll_ids))
            .group_by(col(table.poll_id), col(table.option))
        )
        for poll, option, n in await s.exec(query):
            options = tally.setdefault(int(poll), {})
            options[int(option)] = options.get(int(option), 0) + int(n)
    return tally


async def _voters(s: AsyncSession, poll_ids: list[int]) -> dict[int, int]:
    voters: dict[int, int] = {}
    mine = select(PollVoteRow.poll_id, func.count(func.distinct(PollVoteRow.member_id)))
    native = select(PollNativeVoteRow.poll_id, func.count(func.distinct(PollNativeVoteRow.user_id)))
    for query, table in ((mine, PollVoteRow), (native, PollNativeVoteRow)):
        found = query.where(col(table.poll_id).in_(poll_ids)).group_by(col(table.poll_id))
        for poll, n in await s.exec(found):
            voters[int(poll)] = voters.get(int(poll), 0) + int(n)
    return voters


class DigestSourceRepo(RepoBase):
    async def closed_polls(
        self, group_id: int, since: float, until: float
    ) -> list[PollResult] | None:
        query = (
            select(PollRow)
            .where(col(PollRow.group_id) == group_id, col(PollRow.state) == CLOSED)
            .where(col(PollRow.closed_at) >= since, col(PollRow.closed_at) < until)
            .order_by(col(PollRow.closed_at))
        )
        async with self.session() as s:
            polls = list(await s.exec(query))
            ids = [p.id for p in polls if p.id is not None]
            tally, voters = await _votes(s, ids), await _voters(s, ids)
        return [
            PollResult(
                p.question,
                tuple(
                    (str(o.get("label", "")), tally.get(p.id or 0, {}).get(i, 0))
                    for i, o in enumerate(p.options)
                ),
                voters.get(p.id or 0, 0),
            )
            for p in polls
        ]

    async def poll_turnout(self, group_id: int, *, limit: int = 12) -> list[PollTurnout] | None:
        """The group's last closed polls, oldest first, with how many voted in each."""
        query = (
            select(PollRow)
            .where(col(PollRow.group_id) == group_id, col(PollRow.state) == CLOSED)
            .order_by(col(PollRow.closed_at).desc())
            .limit(limit)
        )
        async with self.session() as s:
            polls = list(await s.exec(query))
            voters = await _voters(s, [p.id for p in polls if p.id is not None])
        return [
            PollTurnout(p.question, voters.get(p.id or 0, 0), p.closed_at or p.created_at)
            for p in reversed(polls)
        ]

    async def upcoming_events(
        self, group_id: int, since: float, until: float
    ) -> list[EventLine] | None:
        query = (
            select(ArtistEventRow)
            .where(col(ArtistEventRow.group_id) == group_id)
            .where(col(ArtistEventRow.state) == SCHEDULED)
            .where(col(ArtistEventRow.starts_at) >= since, col(ArtistEventRow.starts_at) < until)
            .order_by(col(ArtistEventRow.starts_at))
            .limit(10)
        )
        async with self.session() as s:
            rows = list(await s.exec(query))
        return [
            EventLine(r.title, r.starts_at, r.place, r.tickets or r.online or None) for r in rows
        ]
