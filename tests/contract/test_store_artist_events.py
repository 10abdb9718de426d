"""Artist events in the store (memory, SQLite, PostgreSQL): an event round-trips with the items
it queues; a save is a compare-and-set, so of two workers sending the same reminder one wins and
only its items are queued; the group's events come by start time; events with reminders still to
send are found; a copy is kept once per channel and found by its platform id; interest is counted
once per person, however many of their (linked) accounts said so, and can be withdrawn."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest_asyncio

from bridge.actions import ArtistEventNoticeAction, ArtistEventSyncAction
from bridge.artist_events.model import (
    ArtistEvent,
    EventCopyRef,
    EventDetails,
    EventDraft,
    EventState,
)
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.records import OutboxDraft
from bridge.testing import MemoryStore
from storage.notify import ChangeListener
from storage.repos import SqlStore
from tests.contract.conftest import ManualClock

Events = SqlStore | MemoryStore
ARTIST = UserRef(Platform.SLACK, "T1", "U-ARTIST")
FAN_D = UserRef(Platform.DISCORD, "G1", "u-fan")
FAN_S = UserRef(Platform.SLACK, "T1", "U-FAN")
OTHER = UserRef(Platform.DISCORD, "G2", "u-other")
GENERAL = ChannelRef(Platform.DISCORD, "G1", "c1")
LOUNGE = ChannelRef(Platform.SLACK, "T1", "C1")
GIG = EventDetails(
    title="Live at the Roundhouse",
    starts_at=200_000.0,
    ends_at=210_800.0,
    place="Roundhouse, London",
    tickets="https://tickets.example/rh",
    merch="https://shop.example/tee",
)


def draft(group_id: int, details: EventDetails = GIG) -> EventDraft:
    return EventDraft(group_id, ARTIST, "Artist", details, "Europe/London")


def sync(event_id: int, channel: ChannelRef = GENERAL) -> OutboxDraft:
    return OutboxDraft(channel, ArtistEventSyncAction(event_id=event_id))


async def made(store: Events, details: EventDetails = GIG, reminded: int = 0) -> ArtistEvent:
    group = await store.create_group(slug="g", name="G")
    return await store.create_artist_event(
        draft(group.id, details), at=1_000.0, reminded=reminded, enqueue=[sync(0), sync(0, LOUNGE)]
    )


async def test_an_event_round_trips_with_the_items_it_queues(store: Events) -> None:
    event = await made(store)
    assert event.state is EventState.SCHEDULED and event.version == 0 and event.reminded == 0
    assert event.details == GIG and event.draft.author == ARTIST and event.draft.zone
    assert await store.get_artist_event(event.id) == event
    assert await store.get_artist_event(event.id + 100) is None
    assert await store.outbox_depth() == 2
    assert [e.id for e in await store.pending_artist_events()] == [event.id]


async def test_of_two_saves_from_one_version_one_wins_and_only_its_items_are_queued(
    store: Events,
) -> None:
    event = await made(store)
    line = OutboxDraft(LOUNGE, ArtistEventNoticeAction(event_id=event.id, text="⏰ tomorrow"))
    first = replace(event, reminded=1)
    assert await store.save_artist_event(first, enqueue=[line])
    assert not await store.save_artist_event(first, enqueue=[line, line])
    assert await store.outbox_depth() == 3
    stored = await store.get_artist_event(event.id)
    assert stored is not None and stored.version == 1 and stored.reminded == 1


async def test_an_edit_and_a_cancel_are_kept(store: Events) -> None:
    event = await made(store)
    later = replace(GIG, title="Live at the Roundhouse (late show)", starts_at=300_000.0)
    assert await store.save_artist_event(replace(event, details=later))
    edited = await store.get_artist_event(event.id)
    assert edited is not None and edited.details == later
    assert await store.save_artist_event(replace(edited, state=EventState.CANCELLED))
    cancelled = await store.get_artist_event(event.id)
    assert cancelled is not None and cancelled.state is EventState.CANCELLED
    assert cancelled.details == later and cancelled.version == 2
    assert await store.pending_artist_events() == []


async def test_the_group_s_events_come_by_start_and_sent_reminders_are_left_out(
    store: Events,
) -> None:
    late = await made(store)
    group_id = late.group_id
    early = await store.create_artist_event(
        draft(group_id, replace(GIG, starts_at=100_000.0)), at=1.0, reminded=2, enqueue=[]
    )
    listed = await store.group_artist_events(group_id)
    assert [e.id for e in listed] == [early.id, late.id]
    assert [e.id for e in await store.pending_artist_events()] == [late.id]


async def test_a_copy_is_kept_once_per_channel_and_found_by_its_id(store: Events) -> None:
    event = await made(store)
    await store.add_event_copy(EventCopyRef(event.id, GENERAL, "se-1"))
    await store.add_event_copy(EventCopyRef(event.id, GENERAL, "se-2"))  # a retry: kept once
    await store.add_event_copy(EventCopyRef(event.id, LOUNGE, "1700000000.000100"))
    copies = await store.event_copies(event.id)
    assert {(c.channel, c.copy_id) for c in copies} == {
        (GENERAL, "se-1"),
        (LOUNGE, "1700000000.000100"),
    }
    found = await store.find_event_copy(Platform.DISCORD, "G1", "se-1")
    assert found == EventCopyRef(event.id, GENERAL, "se-1")
    await store.set_event_copy_drawn(event.id, GENERAL, "d1gest")
    drawn = {c.channel: c.drawn for c in await store.event_copies(event.id)}
    assert drawn == {GENERAL: "d1gest", LOUNGE: ""}
    assert await store.find_event_copy(Platform.DISCORD, "G2", "se-1") is None


async def test_interest_is_one_per_person_and_can_be_withdrawn(store: Events) -> None:
    event = await made(store)
    on_discord = await store.upsert_account(user=FAN_D, display_name="fan")
    on_slack = await store.upsert_account(user=FAN_S, display_name="fan")
    other = await store.upsert_account(user=OTHER, display_name="other")
    assert await store.set_event_interest(event.id, on_discord.id, interested=True)
    assert not await store.set_event_interest(event.id, on_discord.id, interested=True)
    assert await store.set_event_interest(event.id, on_slack.id, interested=True)
    assert await store.set_event_interest(event.id, other.id, interested=True)
    assert await store.event_interest(event.id) == 3  # not linked yet: two people
    await store.merge_members(keep=on_discord.member_id, absorb=on_slack.member_id)
    assert await store.event_interest(event.id) == 2  # linked: one person
    assert await store.set_event_interest(event.id, on_discord.id, interested=False)
    assert await store.event_interest(event.id) == 2  # still interested through Slack
    assert await store.set_event_interest(event.id, on_slack.id, interested=False)
    assert not await store.set_event_interest(event.id, on_slack.id, interested=False)
    assert await store.event_interest(event.id) == 1


async def test_live_events_and_the_interested_accounts(store: Events) -> None:
    event = await made(store)
    over = await store.create_artist_event(
        draft(event.group_id, EventDetails("Gone", 10.0, 20.0)), at=1.0, reminded=2, enqueue=[]
    )
    assert [e.id for e in await store.live_artist_events(100_000.0)] == [event.id]
    assert [e.id for e in await store.live_artist_events(15.0)] == [event.id, over.id]
    assert await store.live_artist_events(300_000.0) == []
    first = await store.upsert_account(user=FAN_D, display_name="fan")
    second = await store.upsert_account(user=OTHER, display_name="other")
    for account in (first, second):
        await store.set_event_interest(event.id, account.id, interested=True)
    assert set(await store.interested_accounts(event.id)) == {FAN_D, OTHER}
    assert await store.interested_accounts(over.id) == []


@pytest_asyncio.fixture
async def workers(
    pg_schema: tuple[str, str], clock: ManualClock
) -> AsyncIterator[tuple[SqlStore, SqlStore]]:
    """Two stores on one schema, as two worker processes have."""
    url, schema = pg_schema
    first = await SqlStore.open(url, clock=clock, schema=schema)
    second = await SqlStore.open(url, clock=clock, schema=schema, migrate=False)
    yield first, second
    await second.close()
    await first.close()


async def test_an_event_another_worker_makes_is_heard(workers: tuple[SqlStore, SqlStore]) -> None:
    first, second = workers
    listener = ChangeListener(first.engine, first.db.cache)
    await listener.start()
    try:
        heard = asyncio.Event()
        first.watch_artist_events(heard.set)
        group = await second.create_group(slug="g", name="G")
        await second.create_artist_event(draft(group.id), at=1.0, reminded=0, enqueue=[])
        await asyncio.wait_for(heard.wait(), 10.0)  # its timer looks again at once
    finally:
        await listener.stop()
