"""Weekly digests in memory: the rows (unique per group and week, inserted with their outbox
items) and the week's counts over the memory tables; the polls' and artist events' parts are
read from their memory slices (``MemoryDigestSources``). A role granted in the memory store has
no time, so new members are the people whose first message came in the period."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bridge.artist_events.model import EventState
from bridge.digests.model import (
    TOP,
    WEEK,
    Digest,
    DigestDraft,
    DigestState,
    EventLine,
    PollResult,
    PollTurnout,
    Ranked,
    WeekCount,
)
from bridge.polls.model import Poll, PollState
from bridge.records import OutboxDraft
from bridge.testing.artist_events import MemoryArtistEvents
from bridge.testing.messages import add_outbox_rows
from bridge.testing.polls import MemoryPolls
from bridge.testing.tables import ShareRow, Tables


class MemoryDigests:
    def __init__(self, tables: Tables) -> None:
        self.t = tables
        self.digests: dict[tuple[int, str], Digest] = {}

    async def claim_digest(
        self, draft: DigestDraft, *, at: float, enqueue: Sequence[OutboxDraft] = ()
    ) -> Digest | None:
        key = (draft.group_id, draft.week)
        if key in self.digests:
            return None
        self.digests[key] = Digest(self.t.next_id("digest"), draft, at)
        add_outbox_rows(self.t, enqueue, at)
        return self.digests[key]

    async def get_digest(self, group_id: int, week: str) -> Digest | None:
        return self.digests.get((group_id, week))

    async def group_digests(self, group_id: int, *, limit: int = 52) -> list[Digest]:
        sent = [
            d
            for d in self.digests.values()
            if d.group_id == group_id and d.draft.state is DigestState.SENT
        ]
        return sorted(sent, key=lambda d: -d.draft.due_at)[:limit]

    # -- counts --------------------------------------------------------------------------------
    def _shares(self, group_id: int, since: float, until: float) -> list[ShareRow]:
        found = []
        for share in self.t.shares.values():
            message = self.t.messages.get(share.message_id)
            if (
                share.group_id == group_id
                and since <= share.shared_at < until
                and share.removed_at is None
                and (message is None or message.deleted_at is None)
            ):
                found.append(share)
        return found

    def _songs(self, counts: Counter[int], urls: dict[int, str], limit: int) -> list[Ranked]:
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        return [
            Ranked(item.title, n, ", ".join(item.artists), urls.get(i))
            for i, n in ranked
            if (item := self.t.items.get(i)) is not None
        ]

    async def top_shared(
        self, group_id: int, since: float, until: float, *, limit: int = TOP
    ) -> list[Ranked]:
        messages: dict[int, set[int]] = {}
        urls: dict[int, str] = {}
        for share in self._shares(group_id, since, until):
            if share.item_id is not None:
                messages.setdefault(share.item_id, set()).add(share.message_id)
                urls[share.item_id] = min(urls.get(share.item_id, share.url), share.url)
        return self._songs(Counter({i: len(m) for i, m in messages.items()}), urls, limit)

    async def top_reacted(
        self, group_id: int, since: float, until: float, *, limit: int = TOP
    ) -> list[Ranked]:
        counts: Counter[int] = Counter()
        urls: dict[int, str] = {}
        seen: set[tuple[int, int]] = set()
        for share in self._shares(group_id, since, until):
            if share.item_id is None or (share.item_id, share.message_id) in seen:
                continue
            seen.add((share.item_id, share.message_id))
            reactions = self.t.reaction_count(share.message_id)
            if reactions:
                counts[share.item_id] += reactions
                urls[share.item_id] = min(urls.get(share.item_id, share.url), share.url)
        return self._songs(counts, urls, limit)

    async def top_curators(
        self, group_id: int, since: float, until: float, *, limit: int = TOP
    ) -> list[Ranked]:
        counts: Counter[object] = Counter()
        names: dict[object, str] = {}
        for share in self._shares(group_id, since, until):
            account = self.t.account_of(share.shared_by)
            key: object = account.member_id if account is not None else share.shared_by
            counts[key] += 1
            names.setdefault(key, share.shared_by_name)
        ranked = [Ranked(names[k], n) for k, n in counts.items()]
        return sorted(ranked, key=lambda r: (-r.count, r.name.lower()))[:limit]

    async def share_count(self, group_id: int, since: float, until: float) -> int:
        return len(self._shares(group_id, since, until))

    async def new_members(
        self, group_id: int, since: float, until: float, *, limit: int = 20
    ) -> list[str]:
        first: dict[int, tuple[float, str]] = {}
        for message in self.t.messages.values():
            account = self.t.account_of(message.author) if message.author else None
            if message.group_id != group_id or account is None:
                continue
            known = first.get(account.member_id)
            if known is None or message.created_at < known[0]:
                first[account.member_id] = (message.created_at, account.display_name)
        found = sorted(v for v in first.values() if since <= v[0] < until)
        return [name for _, name in found][:limit]

    async def shares_by_week(self, group_id: int, since: float, until: float) -> list[WeekCount]:
        counts: Counter[tuple[float, str]] = Counter()
        for share in self._shares(group_id, since, until):
            start = since + WEEK * int((share.shared_at - since) // WEEK)
            counts[(start, share.shared_by.platform.value)] += 1
        return [WeekCount(start, p, n) for (start, p), n in sorted(counts.items())]

    async def top_artists(
        self, group_id: int, since: float, until: float, *, limit: int = 8
    ) -> list[Ranked]:
        counts: Counter[str] = Counter()
        seen: set[tuple[int, int]] = set()
        for share in self._shares(group_id, since, until):
            item = self.t.items.get(share.item_id) if share.item_id is not None else None
            if item is None or (item.id, share.message_id) in seen:
                continue
            seen.add((item.id, share.message_id))
            counts.update(item.artists)
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].lower()))[:limit]
        return [Ranked(name, n) for name, n in ranked]


class MemoryDigestSources:
    """The closed polls, their turnout and the coming events, read from the memory polls and
    artist events."""

    def __init__(self, polls: MemoryPolls, events: MemoryArtistEvents) -> None:
        self.polls = polls
        self.events = events

    async def _result(self, poll: Poll) -> PollResult:
        counts = await self.polls.poll_counts(poll.id)
        tally = Counter(v.option for v in counts.votes) + Counter(counts.native)
        natives = {u for p, u, _ in self.polls.native if p == poll.id}
        options = tuple((o.label, tally.get(i, 0)) for i, o in enumerate(poll.options))
        return PollResult(poll.draft.question, options, len(counts.votes) + len(natives))

    def _closed(self, group_id: int) -> list[Poll]:
        found = [
            p
            for p in self.polls.polls.values()
            if p.group_id == group_id and p.state is PollState.CLOSED
        ]
        return sorted(found, key=lambda p: p.closed_at or p.created_at)

    async def closed_polls(
        self, group_id: int, since: float, until: float
    ) -> list[PollResult] | None:
        polls = [p for p in self._closed(group_id) if since <= (p.closed_at or 0) < until]
        return [await self._result(p) for p in polls]

    async def poll_turnout(self, group_id: int, *, limit: int = 12) -> list[PollTurnout] | None:
        turnout = []
        for poll in self._closed(group_id)[-limit:]:
            result = await self._result(poll)
            turnout.append(
                PollTurnout(result.question, result.voters, poll.closed_at or poll.created_at)
            )
        return turnout

    async def upcoming_events(
        self, group_id: int, since: float, until: float
    ) -> list[EventLine] | None:
        found = [
            e.details
            for e in self.events.events.values()
            if e.group_id == group_id
            and e.state is EventState.SCHEDULED
            and since <= e.details.starts_at < until
        ]
        return [
            EventLine(d.title, d.starts_at, d.place, d.tickets or d.online or None)
            for d in sorted(found, key=lambda d: d.starts_at)[:10]
        ]
