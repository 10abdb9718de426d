"""Listening parties in the store (memory, SQLite, PostgreSQL): a party round-trips; a save is a
compare-and-set, so of two workers moving the same party one wins and only its outbox items are
queued; live parties come first; the playing party is read from memory until any worker changes
a party; a track's card is kept once per channel; a song's moments come by position, with the
message's current text, without deleted messages or banned authors, once per message."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import event

from bridge.actions import PartyCardAction, PartyNoticeAction
from bridge.ids import ChannelRef, Platform, Role, UserRef
from bridge.music.model import Metadata
from bridge.party import clock as party_clock
from bridge.party.model import (
    MomentDraft,
    Party,
    PartyCardRef,
    PartyDraft,
    PartyState,
    QueuedTrack,
)
from bridge.records import OutboxDraft
from bridge.testing import MemoryStore
from bridge.text import doc
from storage.notify import ChangeListener
from storage.repos import SqlStore
from tests.contract.conftest import ManualClock

Parties = SqlStore | MemoryStore
HOST = UserRef(Platform.DISCORD, "G1", "u-host")
FAN = UserRef(Platform.DISCORD, "G1", "u-fan")
ARTIST = UserRef(Platform.SLACK, "T1", "U-ARTIST")
TROLL = UserRef(Platform.DISCORD, "G1", "u-troll")
FORGIVEN = UserRef(Platform.SLACK, "T1", "U-FORGIVEN")
GENERAL = ChannelRef(Platform.DISCORD, "G1", "c1")
LOUNGE = ChannelRef(Platform.SLACK, "T1", "C1")
WAIT = 10.0  # seconds another worker's notice may take, at most


def draft(group_id: int, items: list[int], starts_at: float = 1_000.0) -> PartyDraft:
    return PartyDraft(
        group_id=group_id,
        host=HOST,
        host_name="Host",
        queue=tuple(QueuedTrack(i, 180_000, "Host", by_artist=i % 2 == 0) for i in items),
        starts_at=starts_at,
        origin=GENERAL,
        title="Album night",
        by_artist=True,
    )


def notice(party_id: int, text: str, channel: ChannelRef = GENERAL) -> OutboxDraft:
    return OutboxDraft(channel, PartyNoticeAction(party_id=party_id, text=text))


async def songs(store: Parties, count: int) -> list[int]:
    return [
        await store.create_item(
            Metadata("deezer", "track", str(i), f"https://deezer.com/track/{i}", f"Song {i}"),
            match_key=None,
        )
        for i in range(count)
    ]


async def new_party(store: Parties, group_id: int, state: PartyState, items: list[int]) -> Party:
    made = await store.create_party(draft(group_id, items), state=state, at=500.0, enqueue=[])
    if state is PartyState.SCHEDULED:
        return made
    moved = party_clock.started(made, 1_000.0)
    if state is PartyState.PAUSED:
        moved = party_clock.paused(moved, 1_010.0)
    if state is PartyState.ENDED:
        moved = party_clock.ended(moved, 1_020.0)
    assert await store.save_party(moved)
    found = await store.get_party(made.id)
    assert found is not None and found.state is state
    return found


async def test_a_party_round_trips_with_the_items_it_queues(store: Parties) -> None:
    group = await store.create_group(slug="g", name="G")
    items = await songs(store, 3)
    made = await store.create_party(
        draft(group.id, items, starts_at=4_000.0),
        state=PartyState.SCHEDULED,
        at=1_000.0,
        enqueue=[notice(0, "soon"), notice(0, "soon", LOUNGE)],
    )
    assert made.state is PartyState.SCHEDULED and made.index == 0 and made.paused_at is None
    assert made.queue == draft(group.id, items).queue and made.allow_adds
    assert (made.draft.host, made.draft.origin, made.draft.title) == (HOST, GENERAL, "Album night")
    assert await store.get_party(made.id) == made
    assert await store.get_party(made.id + 100) is None
    assert await store.outbox_depth() == 2
    assert [p.id for p in await store.live_parties()] == [made.id]


async def test_of_two_saves_from_one_version_one_wins_and_only_its_items_are_queued(
    store: Parties,
) -> None:
    group = await store.create_group(slug="g", name="G")
    made = await store.create_party(
        draft(group.id, await songs(store, 2)), state=PartyState.SCHEDULED, at=1.0, enqueue=[]
    )
    started = party_clock.started(made, 1_000.0)
    cards = [OutboxDraft(c, PartyCardAction(party_id=made.id, index=0)) for c in (GENERAL, LOUNGE)]
    stopped = party_clock.ended(made, 1_000.0)
    results = await asyncio.gather(
        store.save_party(started, enqueue=cards),
        store.save_party(stopped, enqueue=[notice(made.id, "stopped")]),
    )
    assert sorted(results) == [False, True]
    winner, queued = (started, 2) if results[0] else (stopped, 1)
    found = await store.get_party(made.id)
    assert found is not None and found.version == made.version + 1
    assert (found.state, found.index, found.ended_at) == (
        winner.state,
        winner.index,
        winner.ended_at,
    )
    assert await store.outbox_depth() == queued
    assert not await store.save_party(replace(started, allow_adds=False), enqueue=cards)
    assert await store.outbox_depth() == queued  # a lost save queues nothing


async def test_a_saved_party_keeps_its_clock_queue_and_settings(store: Parties) -> None:
    group = await store.create_group(slug="g", name="G")
    items = await songs(store, 3)
    made = await new_party(store, group.id, PartyState.PAUSED, items[:2])
    added = QueuedTrack(items[2], 95_000, "Fan")
    moved = replace(made, queue=(*made.queue, added), reminded=2, allow_adds=False)
    assert await store.save_party(moved)
    found = await store.get_party(made.id)
    assert found is not None
    assert found.queue[-1] == added and len(found.queue) == 3
    assert (found.paused_at, found.track_zero_at, found.reminded) == (1_010.0, 1_000.0, 2)
    assert not found.allow_adds and found.version == moved.version + 1
    assert party_clock.position_ms(found, now=5_000.0) == 10_000


async def test_live_parties_come_first_then_the_newest(store: Parties) -> None:
    group = await store.create_group(slug="g", name="G")
    other = await store.create_group(slug="o", name="O")
    items = await songs(store, 1)
    first = await new_party(store, group.id, PartyState.ENDED, items)
    scheduled = await new_party(store, group.id, PartyState.SCHEDULED, items)
    playing = await new_party(store, group.id, PartyState.PLAYING, items)
    last = await new_party(store, group.id, PartyState.ENDED, items)
    elsewhere = await new_party(store, other.id, PartyState.PAUSED, items)
    listed = await store.group_parties(group.id)
    assert [p.id for p in listed] == [playing.id, scheduled.id, last.id, first.id]
    assert [p.id for p in await store.group_parties(group.id, limit=2)] == [
        playing.id,
        scheduled.id,
    ]
    live = await store.live_parties()
    assert [p.id for p in live] == [scheduled.id, playing.id, elsewhere.id]


async def test_the_playing_party_follows_every_move(store: Parties) -> None:
    group = await store.create_group(slug="g", name="G")
    made = await new_party(store, group.id, PartyState.SCHEDULED, await songs(store, 2))
    assert await store.playing_party(group.id) is None
    started = party_clock.started(made, 1_000.0)
    assert await store.save_party(started)
    playing = await store.playing_party(group.id)
    assert playing is not None and playing.state is PartyState.PLAYING
    paused = party_clock.paused(playing, 1_030.0)
    assert await store.save_party(paused)
    now = await store.playing_party(group.id)
    assert now is not None and now.state is PartyState.PAUSED and now.paused_at == 1_030.0
    assert await store.save_party(party_clock.ended(now, 1_040.0))
    assert await store.playing_party(group.id) is None


class Statements:
    """The statements an engine runs (to tell a read from memory from a query)."""

    def __init__(self, store: SqlStore) -> None:
        self.count = 0
        event.listen(store.engine.sync_engine, "before_cursor_execute", self._ran)

    def _ran(self, *_: Any) -> None:
        self.count += 1


async def test_the_playing_party_costs_no_query_until_a_party_changes(
    sql_store: SqlStore,
) -> None:
    store = sql_store
    group = await store.create_group(slug="g", name="G")
    made = await new_party(store, group.id, PartyState.PLAYING, await songs(store, 2))
    assert await store.playing_party(group.id) == made
    statements = Statements(store)
    for _ in range(3):
        assert await store.playing_party(group.id) == made
    assert statements.count == 0
    assert await store.save_party(party_clock.skipped(made, 1_100.0))
    fresh = await store.playing_party(group.id)
    assert fresh is not None and fresh.index == 1 and fresh.version == made.version + 1


@pytest.fixture
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


async def test_a_party_another_worker_moves_is_heard_and_read_fresh_and_its_card_wakes_us(
    workers: tuple[SqlStore, SqlStore],
) -> None:
    first, second = workers
    group = await first.create_group(slug="g", name="G")
    made = await new_party(first, group.id, PartyState.PLAYING, await songs(first, 2))
    woken = asyncio.Event()
    listener = ChangeListener(first.engine, first.db.cache, on_outbox=woken.set)
    await listener.start()
    try:
        heard = asyncio.Event()
        first.watch_parties(heard.set)
        woken.clear()
        assert await first.playing_party(group.id) == made  # kept in memory now
        card = OutboxDraft(LOUNGE, PartyCardAction(party_id=made.id, index=1))
        assert await second.save_party(party_clock.skipped(made, 1_050.0), enqueue=[card])
        await asyncio.wait_for(heard.wait(), WAIT)
        fresh = await first.playing_party(group.id)
        assert fresh is not None and fresh.index == 1 and fresh.version == made.version + 1
        await asyncio.wait_for(woken.wait(), WAIT)  # its card is delivered by whoever is idle
        [item] = await first.claim(now=first.clock.now())
        assert item.action == card.action and item.target == LOUNGE
    finally:
        await listener.stop()


async def test_a_tracks_card_is_kept_once_per_channel(store: Parties) -> None:
    group = await store.create_group(slug="g", name="G")
    made = await new_party(store, group.id, PartyState.PLAYING, await songs(store, 2))
    general = PartyCardRef(made.id, 0, GENERAL, "1001")
    lounge = PartyCardRef(made.id, 0, LOUNGE, "1700000000.000100")
    second_track = PartyCardRef(made.id, 1, GENERAL, "1002")
    for ref in (general, lounge, second_track, replace(general, card_id="9999")):
        await store.add_party_card(ref)
    assert await store.party_cards(made.id, 0) == [general, lounge]
    assert await store.party_cards(made.id, 1) == [second_track]
    assert await store.party_cards(made.id, 2) == []
    await store.card_drawn(lounge, "('paused', 0)")  # only that channel's card of that track
    assert await store.party_cards(made.id, 0) == [general, replace(lounge, drawn="('paused', 0)")]
    assert await store.party_cards(made.id, 1) == [second_track]


async def test_a_songs_moments_by_position_without_deleted_or_banned_ones(
    store: Parties,
) -> None:
    group = await store.create_group(slug="g", name="G")
    song, other_song = await songs(store, 2)
    party = await new_party(store, group.id, PartyState.PLAYING, [song, other_song])
    people = {}
    for user, name in ((FAN, "Fan"), (ARTIST, "The Artist"), (TROLL, "Troll"), (FORGIVEN, "Ok")):
        people[user] = await store.upsert_account(user=user, display_name=name)
    await store.grant_role(group_id=group.id, member_id=people[ARTIST].member_id, role=Role.ARTIST)
    for user, kinds in ((TROLL, ["ban"]), (FORGIVEN, ["ban", "unban"])):
        for kind in kinds:
            await store.record_action(
                group_id=group.id,
                kind=kind,
                target_member_id=people[user].member_id,
                target=None,
                actor=None,
                origin=Platform.DISCORD,
                at=1.0,
            )

    async def say(author: UserRef, text: str, position_ms: int, item: int = song) -> int:
        message, _ = await store.record_message(
            group_id=group.id,
            author=author,
            origin=GENERAL if author.platform is Platform.DISCORD else LOUNGE,
            origin_message_id=f"m{position_ms}-{item}",
            text=doc(text).to_json(),
        )
        stamped = MomentDraft(
            group_id=group.id,
            item_id=item,
            position_ms=position_ms,
            party_id=party.id,
            message_id=message.id,
            platform=author.platform.value,
            at=1_000.0 + position_ms / 1000,
        )
        await store.add_moment(stamped)
        await store.add_moment(replace(stamped, position_ms=position_ms + 5_000))  # replayed
        return message.id

    drop = await say(FAN, "drop!", 30_000)
    await say(ARTIST, "wrote this in a van", 10_000)
    gone = await say(FAN, "oops", 20_000)
    await say(TROLL, "spam", 5_000)
    await say(FORGIVEN, "sorry, love it", 40_000)
    await say(FAN, "other song", 1_000, item=other_song)
    await store.mark_deleted(gone, at=2_000.0)
    await store.mark_edited(drop, text=doc("the drop!!").to_json(), at=2_000.0)

    moments = await store.item_moments(group.id, song)
    shown = [(m.position_ms, m.author, m.text, m.by_artist, m.platform) for m in moments]
    assert shown == [
        (10_000, "The Artist", "wrote this in a van", True, "slack"),
        (30_000, "Fan", "the drop!!", False, "discord"),
        (40_000, "Ok", "sorry, love it", False, "slack"),
    ]
    assert all(m.party_id == party.id and m.item_id == song for m in moments)
    assert [m.position_ms for m in await store.item_moments(group.id, song, limit=1)] == [10_000]
    assert [m.text for m in await store.item_moments(group.id, other_song)] == ["other song"]
    assert await store.item_moments(group.id + 1, song) == []
    assert await store.party_moment_count(party.id) == 6  # stamped: each message once
