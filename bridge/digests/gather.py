"""What a week held for a group, read from the store: the most shared and most reacted songs,
the top curators, new members, the polls that closed, the events coming up and the listening
parties. Polls and events come through their own narrow slices, which answer None while this
bridge has no such feature: the digest then has no such section."""

from __future__ import annotations

from typing import Protocol, TypeVar

from bridge.digests.model import (
    WEEK,
    ActivityStore,
    DigestContent,
    EventDigestStore,
    Insights,
    PartyLine,
    PollDigestStore,
)
from bridge.party.model import Party, PartyStore
from bridge.records import FanGroup

INSIGHT_WEEKS = 12
T = TypeVar("T")


class GatherStore(ActivityStore, PollDigestStore, EventDigestStore, PartyStore, Protocol):
    """The slices a digest is made of."""


async def gather(
    store: GatherStore, group: FanGroup, since: float, until: float, *, zone: str = "UTC"
) -> DigestContent:
    gid = group.id
    return DigestContent(
        group_name=group.name,
        since=since,
        until=until,
        shares=await store.share_count(gid, since, until),
        shared=tuple(await store.top_shared(gid, since, until)),
        reacted=tuple(r for r in await store.top_reacted(gid, since, until) if r.count),
        curators=tuple(await store.top_curators(gid, since, until)),
        new_members=tuple(await store.new_members(gid, since, until)),
        polls=_maybe(await store.closed_polls(gid, since, until)),
        events=_maybe(await store.upcoming_events(gid, until, until + WEEK)),
        parties=tuple(await party_lines(store, gid, since, until)),
        zone=zone,
    )


async def party_lines(
    store: PartyStore, group_id: int, since: float, until: float
) -> list[PartyLine]:
    """The parties that started in the period, oldest first."""
    parties = [p for p in await store.group_parties(group_id, limit=50) if _in(p, since, until)]
    lines = []
    for party in sorted(parties, key=lambda p: p.draft.starts_at):
        moments = await store.party_moment_count(party.id)
        played = min(party.index, len(party.queue))
        lines.append(PartyLine(party.draft.host_name, played, moments, party.draft.title))
    return lines


def _in(party: Party, since: float, until: float) -> bool:
    return since <= party.draft.starts_at < until and party.index > 0


async def insights(store: GatherStore, group_id: int, now: float) -> Insights:
    """The last twelve weeks of a group."""
    since = now - INSIGHT_WEEKS * WEEK
    turnout = await store.poll_turnout(group_id)
    return Insights(
        since=since,
        until=now,
        weeks=tuple(await store.shares_by_week(group_id, since, now)),
        artists=tuple(await store.top_artists(group_id, since, now)),
        curators=tuple(await store.top_curators(group_id, since, now, limit=8)),
        turnout=None if turnout is None else tuple(turnout),
    )


def _maybe(found: list[T] | None) -> tuple[T, ...] | None:
    return None if found is None else tuple(found)
