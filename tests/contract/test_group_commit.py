"""Group commit over a real store: messages that arrive together are written in one transaction,
and one that cannot be written does not take the others down with it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bridge.actions import PostAction
from bridge.ids import ChannelRef, MessageCopy, Platform, UserRef
from bridge.pipeline.commit import GroupCommit
from bridge.ports import Store
from bridge.records import Delivered, MessageDraft, OutboxDraft, OutboxStatus, Recorded
from bridge.text import doc
from storage.repos import SqlStore
from tests.contract.conftest import ManualClock

ORIGINS = [ChannelRef(Platform.DISCORD, "G1", f"d{i}") for i in range(3)]
TARGETS = [ChannelRef(Platform.SLACK, "T1", f"s{i}") for i in range(3)]
AUTHOR = UserRef(Platform.DISCORD, "G1", "u1")


def draft(group_id: int, index: int, message_id: str) -> MessageDraft:
    return MessageDraft(
        group_id=group_id,
        author=AUTHOR,
        origin=ORIGINS[index],
        origin_message_id=message_id,
        text=doc(f"hello from channel {index}").to_json(),
        fanout=(OutboxDraft(TARGETS[index], PostAction()),),
    )


class CountingWrites:
    """The store's group write, counting the batches it was given."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.batches: list[int] = []

    async def __call__(self, drafts: Sequence[MessageDraft]) -> list[Recorded | None]:
        self.batches.append(len(drafts))
        return await self.store.record_messages(drafts)


async def queued_copies(store: Store) -> dict[ChannelRef, int]:
    """Target channel -> the message its queued post copies."""
    items = await store.claim(now=1e12, limit=50)
    return {item.target: getattr(item.action, "message_id", 0) for item in items}


async def test_two_messages_that_arrive_together_share_one_commit(store: Store) -> None:
    group = await store.create_group(slug="g", name="G")
    writes = CountingWrites(store)
    commits: GroupCommit[MessageDraft, Recorded | None] = GroupCommit(writes)
    first, second = await asyncio.gather(
        commits.submit(draft(group.id, 0, "100")), commits.submit(draft(group.id, 1, "200"))
    )
    assert writes.batches == [2]
    assert first is not None and second is not None
    assert first.message.id < second.message.id
    assert await store.get_message(first.message.id) == first.message
    copies = await store.find_copy(ORIGINS[1], "200")
    assert copies is not None and copies.message_id == second.message.id
    queued = {TARGETS[0]: first.message.id, TARGETS[1]: second.message.id}
    assert await queued_copies(store) == queued


async def test_a_lone_message_is_written_at_once_and_a_repeat_is_answered_none(
    store: Store,
) -> None:
    group = await store.create_group(slug="g", name="G")
    writes = CountingWrites(store)
    commits: GroupCommit[MessageDraft, Recorded | None] = GroupCommit(writes)
    message = await commits.submit(draft(group.id, 0, "100"))
    repeat_and_new = await asyncio.gather(
        commits.submit(draft(group.id, 0, "100")), commits.submit(draft(group.id, 1, "200"))
    )
    assert writes.batches == [1, 2]
    assert message is not None and repeat_and_new[0] is None
    assert repeat_and_new[1] is not None
    assert await store.outbox_depth() == 2  # the repeat queued no second copy


async def test_a_message_that_cannot_be_written_does_not_lose_the_others(
    sql_store: SqlStore,
) -> None:
    """The middle message names a group deleted meanwhile (a foreign key the database
    refuses): the batch fails, each message is retried in its own commit, the others land."""
    group = await sql_store.create_group(slug="g", name="G")
    writes = CountingWrites(sql_store)
    commits: GroupCommit[MessageDraft, Recorded | None] = GroupCommit(writes)
    results = await asyncio.gather(
        commits.submit(draft(group.id, 0, "100")),
        commits.submit(draft(group.id + 1000, 1, "200")),
        commits.submit(draft(group.id, 2, "300")),
        return_exceptions=True,
    )
    assert writes.batches == [3, 1, 1, 1]
    first, failed, third = results
    assert isinstance(failed, Exception)
    assert isinstance(first, Recorded) and isinstance(third, Recorded)
    assert await sql_store.find_copy(ORIGINS[1], "200") is None
    queued = {TARGETS[0]: first.message.id, TARGETS[2]: third.message.id}
    assert await queued_copies(sql_store) == queued


async def test_deliveries_that_finish_together_are_recorded_in_one_commit(store: Store) -> None:
    """Each delivered item is done and its copy recorded, in the same write as the others."""
    group = await store.create_group(slug="g", name="G")
    made = await store.record_messages([draft(group.id, i, str(i)) for i in range(3)])
    items = await store.claim(now=1e12, limit=50)
    batches: list[int] = []

    async def complete(done: Sequence[Delivered]) -> list[None]:
        batches.append(len(done))
        return await store.complete_deliveries(done)

    commits: GroupCommit[Delivered, None] = GroupCommit(complete)
    ids = {r.message.origin: r.message.id for r in made if r is not None}
    sent = [
        Delivered(
            item.id,
            (
                MessageCopy(
                    ids[ORIGINS[TARGETS.index(item.target)]],
                    item.target,
                    f"copy-{item.id}",
                    0,
                    False,
                ),
            ),
        )
        for item in items
    ]
    await asyncio.gather(*(commits.submit(d) for d in sent))
    assert len(items) == 3 and batches == [3]
    assert await store.outbox_depth() == 0
    for item in items:
        copy = await store.find_copy(item.target, f"copy-{item.id}")
        assert copy is not None and not copy.is_origin
        assert copy.message_id == ids[ORIGINS[TARGETS.index(item.target)]]


async def test_items_recorded_with_a_lease_come_back_claimed_one_per_channel(
    store: Store, clock: ManualClock
) -> None:
    """Fresh items go straight to the worker of this process, but never past an unfinished
    item of their channel: per-channel order holds, and the claim hands out nothing twice."""
    group = await store.create_group(slug="g", name="G")
    [waiting] = await store.record_messages([draft(group.id, 0, "100")])  # no lease
    recorded = await store.record_messages(
        [draft(group.id, 0, "101"), draft(group.id, 1, "200"), draft(group.id, 1, "201")],
        lease=60.0,
    )
    assert waiting is not None and not waiting.claimed
    behind, first, second = recorded
    assert behind is not None and not behind.claimed  # its channel has an older item waiting
    assert first is not None and second is not None and not second.claimed
    [claimed] = first.claimed
    assert claimed.target == TARGETS[1] and claimed.status is OutboxStatus.INFLIGHT
    assert getattr(claimed.action, "message_id", 0) == first.message.id
    now = clock.now() + 1  # within the lease
    items = await store.claim(now=now, limit=50)  # what the worker's own claim hands out
    assert [i.target for i in items] == [TARGETS[0]]  # not TARGETS[1]: claimed, or behind it
    assert getattr(items[0].action, "message_id", 0) == waiting.message.id
    stored = await store.get_outbox_item(claimed.id)
    assert stored is not None and stored.status is OutboxStatus.INFLIGHT


async def test_a_lone_message_is_claimed_only_while_its_channel_has_nothing_waiting(
    sql_store: SqlStore,
) -> None:
    group = await sql_store.create_group(slug="g", name="G")
    [first] = await sql_store.record_messages([draft(group.id, 0, "100")], lease=60.0)
    [second] = await sql_store.record_messages([draft(group.id, 0, "101")], lease=60.0)
    assert first is not None and second is not None
    [claimed] = first.claimed
    assert claimed.target == TARGETS[0] and claimed.status is OutboxStatus.INFLIGHT
    assert not second.claimed  # behind the first: left for the claim, after it
    assert await sql_store.claim(now=sql_store.clock.now() + 1, limit=50) == []
    await sql_store.complete_deliveries([Delivered(claimed.id)])
    [next_item] = await sql_store.claim(now=sql_store.clock.now() + 1, limit=50)
    assert getattr(next_item.action, "message_id", 0) == second.message.id
