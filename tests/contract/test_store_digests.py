"""Weekly digests in the store (memory, SQLite, PostgreSQL): a digest row is unique per group
and week, its outbox items come with it and only with it; the archive lists sent digests
newest first; the week's counts (most shared, most reacted, curators with linked accounts as
one person, new members, shares per week and platform, artists) leave out deleted messages."""

from __future__ import annotations

from dataclasses import replace

from bridge.actions import DigestAction
from bridge.artist_events.model import EventDetails, EventDraft
from bridge.digests.model import (
    WEEK,
    DigestContent,
    DigestDraft,
    DigestState,
    EventLine,
    PollResult,
    Ranked,
)
from bridge.ids import ChannelRef, Platform
from bridge.polls.model import Poll, PollDraft, PollOption, PollState
from bridge.records import OutboxDraft
from bridge.testing import MemoryStore
from storage.repos import SqlStore
from tests.contract.conftest import ManualClock
from tests.digest_seed import ALICE_D as ALICE
from tests.digest_seed import BOB, Seeder

Digests = SqlStore | MemoryStore
GENERAL = ChannelRef(Platform.DISCORD, "G1", "c1")
LOUNGE = ChannelRef(Platform.SLACK, "T1", "C1")


def content(name: str = "Fans") -> DigestContent:
    return DigestContent(
        group_name=name,
        since=1_000.0,
        until=1_000.0 + WEEK,
        shares=3,
        shared=(Ranked("Opening Night", 2, "Lumen Twins", "https://x.test/1"),),
        new_members=("Dana",),
        polls=None,
        zone="Europe/Berlin",
    )


def sent(group_id: int, week: str, due: float) -> DigestDraft:
    return DigestDraft(group_id, week, due, DigestState.SENT, content())


async def test_a_digest_is_made_once_per_group_and_week_with_its_items(
    store: Digests,
) -> None:
    group = await store.create_group(slug="g", name="G")
    action = DigestAction(group_id=group.id, week="2027-W02")
    items = [OutboxDraft(GENERAL, action), OutboxDraft(LOUNGE, action)]
    made = await store.claim_digest(sent(group.id, "2027-W02", 5_000.0), at=5_001.0, enqueue=items)
    assert made is not None and made.content == content()
    again = await store.claim_digest(sent(group.id, "2027-W02", 5_000.0), at=5_002.0, enqueue=items)
    assert again is None
    assert await store.outbox_depth() == 2  # the second claim queued nothing
    assert await store.get_digest(group.id, "2027-W02") == made
    assert await store.get_digest(group.id, "2027-W03") is None


async def test_the_archive_lists_sent_digests_newest_first(store: Digests) -> None:
    group = await store.create_group(slug="g", name="G")
    other = await store.create_group(slug="h", name="H")
    for n, week in enumerate(("2027-W01", "2027-W02", "2027-W03")):
        await store.claim_digest(sent(group.id, week, 1_000.0 + n * WEEK), at=1.0)
    skipped = DigestDraft(group.id, "2027-W04", 1_000.0 + 3 * WEEK, DigestState.SKIPPED, None)
    assert await store.claim_digest(skipped, at=2.0) is not None
    await store.claim_digest(sent(other.id, "2027-W03", 9.0), at=1.0)
    archive = await store.group_digests(group.id)
    assert [d.week for d in archive] == ["2027-W03", "2027-W02", "2027-W01"]
    assert [d.week for d in await store.group_digests(group.id, limit=1)] == ["2027-W03"]


async def test_the_weeks_counts(store: Digests, clock: ManualClock) -> None:
    week = await Seeder(store, clock).week()
    gid, since, until = week.group.id, week.since, week.until
    shared = await store.top_shared(gid, since, until)
    assert [(r.name, r.count) for r in shared] == [
        ("Opening Night", 3),
        ("Second Wind", 2),  # a tie: the song known first comes first
        ("Last Call", 2),
    ]
    assert shared[0].detail == "Lumen Twins" and shared[0].url == "https://www.deezer.com/track/1"
    reacted = await store.top_reacted(gid, since, until)
    assert [(r.name, r.count) for r in reacted] == [("Last Call", 3), ("Opening Night", 1)]
    curators = await store.top_curators(gid, since, until)
    assert [(r.name, r.count) for r in curators] == [("Alice", 4), ("Bob", 2), ("Cara", 1)]
    assert await store.share_count(gid, since, until) == 7
    assert await store.new_members(gid, since, until) == ["Alice", "Bob"]
    artists = await store.top_artists(gid, since, until)
    assert [(r.name, r.count) for r in artists] == [
        ("Lumen Twins", 5),
        ("Harbor Lights", 2),
        ("Nova", 2),
    ]
    assert await store.share_count(gid, until, until + WEEK) == 0
    assert await store.top_shared(gid, until, until + WEEK) == []


async def test_shares_per_week_and_platform(store: Digests, clock: ManualClock) -> None:
    week = await Seeder(store, clock).week()
    since = week.since - WEEK
    counts = await store.shares_by_week(week.group.id, since, week.until)
    assert [(c.week_start - since, c.platform, c.count) for c in counts] == [
        (WEEK, "discord", 4),
        (WEEK, "slack", 3),
    ]


async def test_closed_polls_and_coming_events(store: Digests, clock: ManualClock) -> None:
    """A poll closed in the week with the bridge's votes and the platform poll's own summed;
    an open one and one closed before are left out; events of the next week, not cancelled."""
    group = await store.create_group(slug="g", name="G")
    since = clock.now()
    voters = [await store.upsert_account(user=u, display_name=u.user) for u in (ALICE, BOB)]
    options = (PollOption("Vinyl"), PollOption("Tape"))
    closed = await new_poll(store, group.id, "Format?", options, at=since + 10)
    await store.set_vote(closed.id, voters[0].member_id, 0, name="a", at=since + 20)
    await store.set_vote(closed.id, voters[1].member_id, 1, name="b", at=since + 21)
    await store.set_native_vote(closed.id, "d-carol", 0, added=True)
    assert await store.save_poll(
        replace(closed, state=PollState.CLOSED, closed_at=since + 100), enqueue=[]
    )
    await new_poll(store, group.id, "Still open?", options, at=since + 30)
    results = await store.closed_polls(group.id, since, since + WEEK)
    assert results == [PollResult("Format?", (("Vinyl", 2), ("Tape", 1)), 3)]
    assert await store.closed_polls(group.id, since + 200, since + WEEK) == []
    turnout = await store.poll_turnout(group.id)
    assert turnout is not None and [(t.question, t.voters) for t in turnout] == [("Format?", 3)]

    show = EventDetails("Lumen live", since + WEEK + 3600, since + WEEK + 7200, "Paper Hall, Oslo")
    await new_event(store, group.id, show)
    await new_event(store, group.id, replace(show, title="Too late", starts_at=since + 3 * WEEK))
    events = await store.upcoming_events(group.id, since + WEEK, since + 2 * WEEK)
    assert events == [EventLine("Lumen live", since + WEEK + 3600, "Paper Hall, Oslo", None)]


async def new_poll(
    store: Digests, group_id: int, question: str, options: tuple[PollOption, ...], *, at: float
) -> Poll:
    draft = PollDraft(group_id, question, options, ALICE, "Alice")
    return await store.create_poll(draft, at=at, enqueue=lambda _: [])


async def new_event(store: Digests, group_id: int, details: EventDetails) -> None:
    draft = EventDraft(group_id, ALICE, "Alice", details)
    await store.create_artist_event(draft, at=1.0, reminded=0, enqueue=[])


async def test_only_the_groups_that_send_digests_are_read_for_them(store: Digests) -> None:
    """The digests' timer looks at the groups with a digest setting, not at every group: a
    group whose name or other settings merely mention "digest" is not one of them."""
    sends = await store.create_group(slug="sends", name="Sends")
    await store.create_group(slug="quiet", name="Quiet")
    named = await store.create_group(slug="digest", name="digest fans")
    await store.update_settings(sends.id, {"digest": {"day": "mon", "time": "09:00"}})
    await store.update_settings(named.id, {"welcome": "the digest comes on Mondays"})
    found = await store.groups_with_setting("digest")
    assert [g.slug for g in found] == ["sends"]
    assert found[0].settings["digest"] == {"day": "mon", "time": "09:00"}
