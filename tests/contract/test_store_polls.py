"""Polls in the store (memory, SQLite, PostgreSQL): a poll round-trips with the cards it queues
(which name its new id); closing is a compare-and-set, so of two workers closing one poll one
wins and only its results are queued; one vote per member, changed in place and withdrawn, even
when two accounts of one person vote at the same moment; a platform poll's votes count as the
platform reports them; a card is kept once per channel and kind."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from bridge.actions import PollCardAction, PollResultsAction
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.polls.model import (
    CardKind,
    NativePoll,
    PollCardRef,
    PollDraft,
    PollOption,
    PollState,
)
from bridge.records import OutboxDraft
from bridge.testing import MemoryStore
from storage.repos import SqlStore

Polls = SqlStore | MemoryStore
AUTHOR = UserRef(Platform.SLACK, "T1", "U-AUTHOR")
GENERAL = ChannelRef(Platform.DISCORD, "G1", "c1")
LOUNGE = ChannelRef(Platform.SLACK, "T1", "C1")


def draft(group_id: int, **changes: object) -> PollDraft:
    made = PollDraft(
        group_id=group_id,
        question="Best album?",
        options=(PollOption("Blue"), PollOption("Red", item_id=None), PollOption("Green")),
        author=AUTHOR,
        author_name="Author",
        closes_at=5_000.0,
        anonymous=True,
        origin=LOUNGE,
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def cards(poll_id: int) -> list[OutboxDraft]:
    return [OutboxDraft(c, PollCardAction(poll_id=poll_id)) for c in (GENERAL, LOUNGE)]


async def member(store: Polls, user: str) -> int:
    account = await store.upsert_account(
        user=UserRef(Platform.DISCORD, "G1", user), display_name=user
    )
    return account.member_id


async def test_a_poll_round_trips_with_the_cards_it_queues(store: Polls) -> None:
    group = await store.create_group(slug="g", name="G")
    made = await store.create_poll(draft(group.id), at=1_000.0, enqueue=cards)
    assert made.state is PollState.OPEN and made.version == 0 and made.created_at == 1_000.0
    assert made.draft == draft(group.id)
    assert await store.get_poll(made.id) == made
    assert await store.get_poll(made.id + 100) is None
    queued = await store.claim(now=2_000.0, limit=10)
    assert [i.action for i in queued] == [PollCardAction(poll_id=made.id)] * 2
    assert [p.id for p in await store.open_polls()] == [made.id]
    second = await store.create_poll(draft(group.id), at=1_001.0, enqueue=lambda _: [])
    assert [p.id for p in await store.group_polls(group.id)] == [second.id, made.id]


async def test_of_two_closes_from_one_version_one_wins_and_only_its_results_are_queued(
    store: Polls,
) -> None:
    group = await store.create_group(slug="g", name="G")
    made = await store.create_poll(draft(group.id), at=1.0, enqueue=lambda _: [])
    closed = replace(made, state=PollState.CLOSED, closed_at=5_000.0)
    results = [OutboxDraft(c, PollResultsAction(poll_id=made.id)) for c in (GENERAL, LOUNGE)]
    won = await asyncio.gather(
        store.save_poll(closed, enqueue=results), store.save_poll(closed, enqueue=results)
    )
    assert sorted(won) == [False, True]
    found = await store.get_poll(made.id)
    assert found is not None and found.state is PollState.CLOSED and found.closed_at == 5_000.0
    assert found.version == made.version + 1
    assert await store.outbox_depth() == 2
    assert await store.open_polls() == []


async def test_one_vote_per_member_changed_and_withdrawn(store: Polls) -> None:
    group = await store.create_group(slug="g", name="G")
    poll = await store.create_poll(draft(group.id), at=1.0, enqueue=lambda _: [])
    ann, bob = await member(store, "ann"), await member(store, "bob")
    await store.set_vote(poll.id, ann, 0, name="Ann", at=2.0)
    await store.set_vote(poll.id, bob, 0, name="Bob", at=3.0)
    await store.set_vote(poll.id, ann, 2, name="Ann", at=4.0)  # changed
    assert await store.member_vote(poll.id, ann) == 2
    counts = await store.poll_counts(poll.id)
    assert sorted((v.name, v.option) for v in counts.votes) == [("Ann", 2), ("Bob", 0)]
    await store.set_vote(poll.id, bob, None, name="Bob", at=5.0)  # withdrawn
    assert await store.member_vote(poll.id, bob) is None
    assert [(v.member_id, v.option) for v in (await store.poll_counts(poll.id)).votes] == [(ann, 2)]


async def test_two_accounts_of_one_person_voting_at_once_leave_one_vote(store: Polls) -> None:
    group = await store.create_group(slug="g", name="G")
    poll = await store.create_poll(draft(group.id), at=1.0, enqueue=lambda _: [])
    person = await member(store, "ann")
    for _ in range(5):
        await asyncio.gather(
            store.set_vote(poll.id, person, 0, name="Ann on Discord", at=2.0),
            store.set_vote(poll.id, person, 1, name="Ann on Slack", at=2.0),
        )
        votes = (await store.poll_counts(poll.id)).votes
        assert len(votes) == 1 and votes[0].option in (0, 1)


async def test_a_platform_polls_votes_count_as_reported(store: Polls) -> None:
    group = await store.create_group(slug="g", name="G")
    native = NativePoll(GENERAL, "900")
    poll = await store.create_poll(draft(group.id, native=native), at=1.0, enqueue=lambda _: [])
    assert await store.native_poll(GENERAL, "900") == poll
    assert await store.native_poll(GENERAL, "901") is None
    assert await store.native_poll(replace(GENERAL, channel="c2"), "900") is None
    await store.set_native_vote(poll.id, "u1", 0, added=True)
    await store.set_native_vote(poll.id, "u1", 0, added=True)  # replayed: counted once
    await store.set_native_vote(poll.id, "u2", 0, added=True)
    await store.set_native_vote(poll.id, "u2", 1, added=True)  # multiselect
    await store.set_native_vote(poll.id, "u3", 2, added=True)
    await store.set_native_vote(poll.id, "u3", 2, added=False)
    assert dict((await store.poll_counts(poll.id)).native) == {0: 2, 1: 1}


async def test_a_card_is_kept_once_per_channel_and_kind(store: Polls) -> None:
    group = await store.create_group(slug="g", name="G")
    poll = await store.create_poll(draft(group.id), at=1.0, enqueue=lambda _: [])
    await store.add_poll_card(PollCardRef(poll.id, GENERAL, "m1"))
    await store.add_poll_card(PollCardRef(poll.id, GENERAL, "m2"))  # a retry: the first stays
    await store.add_poll_card(PollCardRef(poll.id, GENERAL, "m3", CardKind.RESULTS))
    await store.add_poll_card(PollCardRef(poll.id, LOUNGE, "171.1"))
    found = {(c.channel, c.kind): c.card_id for c in await store.poll_cards(poll.id)}
    assert found == {
        (GENERAL, CardKind.CARD): "m1",
        (GENERAL, CardKind.RESULTS): "m3",
        (LOUNGE, CardKind.CARD): "171.1",
    }
