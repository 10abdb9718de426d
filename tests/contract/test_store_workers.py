"""Several worker processes on one PostgreSQL database, played by several stores on one schema:
outbox claims never hand one item to two workers and keep each channel with one worker at a
time, in order; a write through one store is seen by the others' cached reads once its notice
arrives; an enqueue wakes the other workers; a lost listening connection empties the cache."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import insert, text

from bridge.actions import PostAction
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.records import MessageDraft, OutboxDraft, OutboxItem, OutboxStatus
from bridge.text import doc
from storage.notify import ChangeListener
from storage.repos import SqlStore
from storage.tables import ModerationActionRow
from tests.contract.conftest import ManualClock

CHANNELS = [ChannelRef(Platform.SLACK, "T1", f"c{i}") for i in range(6)]
FAN = UserRef(Platform.DISCORD, "G1", "u1")
ORIGIN = ChannelRef(Platform.DISCORD, "G1", "d1")
WAIT = 10.0  # seconds a notice may take, at most, before a test fails


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


@asynccontextmanager
async def listening(store: SqlStore) -> AsyncIterator[tuple[ChangeListener, asyncio.Event]]:
    """``store``'s listener, and an event its outbox wake-ups set."""
    woken = asyncio.Event()
    listener = ChangeListener(store.engine, store.db.cache, on_outbox=woken.set)
    await listener.start()
    try:
        yield listener, woken
    finally:
        await listener.stop()


async def until(listener: ChangeListener, check: Callable[[], Awaitable[bool]]) -> None:
    """Until ``check()`` holds, reading again after each notice the listener hears."""

    async def wait() -> None:
        while not await check():
            await listener.wait_heard(listener.heard + 1)

    await asyncio.wait_for(wait(), WAIT)


class Deliveries:
    """What workers claimed and finished: no item twice, one holder per channel at a time."""

    def __init__(self, owner: dict[int, ChannelRef]) -> None:
        self.owner = owner
        self.claimed: list[int] = []
        self.holding: dict[ChannelRef, int] = {}
        self.done: dict[ChannelRef, list[int]] = {c: [] for c in CHANNELS}
        self.by_store: dict[int, int] = {}

    def take(self, store: SqlStore, items: list[OutboxItem]) -> None:
        for item in items:
            assert item.target not in self.holding, f"{item.target} held twice"
            assert item.id not in self.claimed, f"item {item.id} claimed twice"
            self.holding[item.target] = item.id
            self.claimed.append(item.id)
            self.by_store[id(store)] = self.by_store.get(id(store), 0) + 1

    async def finish(self, store: SqlStore, item: OutboxItem) -> None:
        del self.holding[item.target]  # released before the completion commits
        self.done[item.target].append(item.id)
        await store.complete(item.id)

    async def work(self, store: SqlStore, clock: ManualClock) -> None:
        while len(self.claimed) < len(self.owner):
            items = await store.claim(now=clock.now(), limit=4, lease=600.0)
            self.take(store, items)
            await asyncio.gather(*(self.finish(store, item) for item in items))


async def test_workers_claiming_at_once_never_share_an_item_and_keep_each_channels_order(
    workers: tuple[SqlStore, SqlStore], clock: ManualClock
) -> None:
    first, second = workers
    owner: dict[int, ChannelRef] = {}
    for _ in range(30):
        drafts = [OutboxDraft(channel, PostAction()) for channel in CHANNELS]
        ids = await first.enqueue(drafts, at=clock.now())
        owner.update(zip(ids, CHANNELS, strict=True))
    deliveries = Deliveries(owner)
    runs = [deliveries.work(store, clock) for store in (first, second, first, second)]
    await asyncio.wait_for(asyncio.gather(*runs), 60)
    assert sorted(deliveries.claimed) == sorted(owner)  # each item once
    for channel in CHANNELS:
        assert deliveries.done[channel] == sorted(i for i, c in owner.items() if c == channel)
    assert len(deliveries.by_store) == 2  # both workers delivered
    assert await second.outbox_depth() == 0


async def test_a_channel_whose_head_another_worker_holds_is_not_claimable(
    workers: tuple[SqlStore, SqlStore], clock: ManualClock
) -> None:
    first, second = workers
    ids = await first.enqueue([OutboxDraft(CHANNELS[0], PostAction())] * 2, at=clock.now())
    held = await first.claim(now=clock.now(), lease=60.0)
    assert [item.id for item in held] == ids[:1]
    assert await second.claim(now=clock.now(), lease=60.0) == []
    await first.complete(ids[0])
    taken = await second.claim(now=clock.now(), lease=60.0)
    assert [item.id for item in taken] == ids[1:]
    assert await first.claim(now=clock.now(), lease=60.0) == []


def message(group_id: int, number: int, targets: list[ChannelRef]) -> MessageDraft:
    return MessageDraft(
        group_id=group_id,
        author=FAN,
        origin=ORIGIN,
        origin_message_id=str(number),
        text=doc(f"message {number}").to_json(),
        fanout=tuple(OutboxDraft(target, PostAction()) for target in targets),
    )


async def test_workers_recording_at_once_claim_one_item_per_channel_and_its_lowest(
    workers: tuple[SqlStore, SqlStore],
) -> None:
    """The in-memory handoff: each worker records new messages' items already claimed when
    their channel has nothing unfinished. Two workers doing so at once for the same idle
    channels (a message with three copies, a message with one) never both claim in one."""
    first, second = workers
    group = await first.create_group(slug="g", name="G")
    claimed: dict[ChannelRef, int] = {}
    rounds = [[ChannelRef(Platform.SLACK, "T1", f"r{n}c{i}") for i in range(3)] for n in range(30)]
    for n, three in enumerate(rounds):
        recorded = await asyncio.gather(
            first.record_messages([message(group.id, 2 * n, three)], lease=60.0),
            second.record_messages([message(group.id, 2 * n + 1, three[:1])], lease=60.0),
        )
        for made in recorded:
            for item in made[0].claimed if made[0] else ():
                claimed[item.target] = claimed.get(item.target, 0) + 1
    assert claimed == {channel: 1 for three in rounds for channel in three}
    async with first.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT id, target_channel, status FROM outbox"))).all()
    for channel in (c for three in rounds for c in three):
        head, *rest = [s for _, s in sorted((i, s) for i, t, s in rows if t == channel.channel)]
        assert head == OutboxStatus.INFLIGHT.value  # the lowest id is the claimed one
        assert set(rest) <= {OutboxStatus.PENDING.value}


async def test_a_ban_recorded_by_one_worker_is_seen_by_anothers_next_read(
    workers: tuple[SqlStore, SqlStore],
) -> None:
    first, second = workers
    group = await first.create_group(slug="g", name="G")
    fan = await first.upsert_account(user=FAN, display_name="Fan")
    async with listening(second) as (listener, _):
        assert not await second.is_banned(group.id, fan.member_id)  # read, and kept
        ban: dict[str, Any] = {"group_id": group.id, "target_member_id": fan.member_id}
        ban["target"] = None
        await first.record_action(**ban, kind="ban", actor=None, origin=Platform.DISCORD, at=1.0)
        await until(listener, lambda: second.is_banned(group.id, fan.member_id))
        await first.record_action(**ban, kind="unban", actor=None, origin=Platform.DISCORD, at=2)
        await until(listener, lambda: _not(second.is_banned(group.id, fan.member_id)))


async def _not(check: Awaitable[bool]) -> bool:
    return not await check


async def test_a_link_added_by_one_worker_is_seen_by_another(
    workers: tuple[SqlStore, SqlStore],
) -> None:
    first, second = workers
    group = await first.create_group(slug="g", name="G")
    async with listening(second) as (listener, _):
        assert await second.link_for_channel(CHANNELS[0]) is None  # read, and kept
        assert await second.links_for_group(group.id) == []
        await first.link_channel(group_id=group.id, channel=CHANNELS[0])

        async def linked() -> bool:
            link = await second.link_for_channel(CHANNELS[0])
            return link is not None and len(await second.links_for_group(group.id)) == 1

        await until(listener, linked)


async def test_an_enqueue_on_one_worker_wakes_another(
    workers: tuple[SqlStore, SqlStore], clock: ManualClock
) -> None:
    first, second = workers
    async with listening(second) as (_, woken):
        woken.clear()  # set once at connection: wake-ups may have been missed before
        await first.enqueue([OutboxDraft(CHANNELS[0], PostAction())], at=clock.now())
        await asyncio.wait_for(woken.wait(), WAIT)
        woken.clear()
        group = await first.create_group(slug="g", name="G")
        await first.record_messages([message(group.id, 1, CHANNELS[:2])])  # a group commit
        await asyncio.wait_for(woken.wait(), WAIT)


async def test_a_lost_listening_connection_empties_the_cache_once_back(
    workers: tuple[SqlStore, SqlStore],
) -> None:
    first, second = workers
    group = await first.create_group(slug="g", name="G")
    fan = await first.upsert_account(user=FAN, display_name="Fan")
    async with listening(second) as (listener, _):
        assert not await second.is_banned(group.id, fan.member_id)  # read, and kept
        pid = listener.server_pid
        async with first.engine.begin() as conn:  # a change whose notice is missed
            ban = dict(group_id=group.id, kind="ban", target_member_id=fan.member_id)
            row = ban | {"origin_platform": "discord", "created_at": 1.0}
            await conn.execute(insert(ModerationActionRow).values(**row))
        assert not await second.is_banned(group.id, fan.member_id)  # still the kept answer
        async with first.engine.begin() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await asyncio.wait_for(listener.wait_sessions(2), WAIT)
        assert listener.server_pid not in (None, pid)
        assert await second.is_banned(group.id, fan.member_id)


async def test_a_worker_ignores_its_own_notices_so_a_webhook_set_drops_only_its_link(
    workers: tuple[SqlStore, SqlStore],
) -> None:
    """Its commit dropped what it changed already: hearing its own notice again would empty
    every cached link at each webhook set (the first copy into each Discord channel sets one)."""
    first, second = workers
    group = await first.create_group(slug="g", name="G")
    for channel in CHANNELS[:2]:
        await first.link_channel(group_id=group.id, channel=channel, channel_name="old")
    async with listening(first) as (listener, _):
        assert await first.link_for_channel(CHANNELS[0]) is not None  # both read, and kept
        kept = await first.link_for_channel(CHANNELS[1])
        assert kept is not None and kept.channel_name == "old"
        async with second.engine.begin() as conn:  # changed behind everyone's back: no notice
            await conn.execute(text("UPDATE channel_link SET channel_name = 'new'"))
        heard = listener.heard
        await first.set_webhook_ref(CHANNELS[0], "hook")  # its own notice
        await second.upsert_account(user=FAN, display_name="Fan")  # a notice from elsewhere
        await asyncio.wait_for(listener.wait_heard(heard + 1), WAIT)  # heard after its own
        assert listener.heard == heard + 1  # its own notice did not count
        again = await first.link_for_channel(CHANNELS[1])
        assert again is not None and again.channel_name == "old"  # still the kept link
        webhooked = await first.link_for_channel(CHANNELS[0])
        assert webhooked is not None and webhooked.webhook_ref == "hook"
