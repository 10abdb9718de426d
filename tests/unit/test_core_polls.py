"""The poll core over the memory store and its pure parts: the tally sums the bridge's votes
and a platform poll's own; the redraws are debounced (the first vote on a quiet poll redraws at
once, the votes that follow within the interval make one redraw at its end, never one per
vote); a vote toggles (a click on your option withdraws it); two workers close a poll once;
the command's words are read from Slack's one line."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bridge.actions import PollCardAction, PollCardUpdateAction, PollResultsAction
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.polls.card import draw, results_line
from bridge.polls.model import Counts, Poll, PollCardRef, PollDraft, PollOption, PollState, Vote
from bridge.polls.parse import parse_poll_text
from bridge.polls.redraw import Redraws
from bridge.polls.service import PollService, Voted
from bridge.polls.tally import bar, tally
from bridge.polls.timer import PollTimer
from bridge.records import OutboxItem, OutboxStatus
from bridge.testing import ManualClock, MemoryStore

D1 = ChannelRef(Platform.DISCORD, "900", "901")
S1 = ChannelRef(Platform.SLACK, "T1", "C1")
ANN = UserRef(Platform.DISCORD, "900", "11")
BOB = UserRef(Platform.SLACK, "T1", "U2")


def poll(*labels: str, state: PollState = PollState.OPEN, blind: bool = False) -> Poll:
    options = tuple(
        PollOption(label, item_id=i + 1 if blind else None) for i, label in enumerate(labels)
    )
    draft = PollDraft(1, "Q?", options, ANN, "Ann", blind=blind)
    return Poll(id=7, draft=draft, state=state, version=0, created_at=0.0)


# -- the tally ------------------------------------------------------------------------------------
def test_the_tally_sums_the_bridges_votes_and_the_platform_polls() -> None:
    votes = (Vote(1, 0, "Ann"), Vote(2, 1, "Bob"), Vote(3, 0, "Cy"), Vote(4, 9, "stale"))
    counted = tally(poll("a", "b", "c"), Counts(votes, {1: 2, 2: 1}))
    assert counted.votes == (2, 3, 1) and counted.total == 6 and counted.native == (0, 2, 1)
    assert counted.voters == (("Ann", "Cy"), ("Bob",), ())
    assert counted.winners == (1,)
    assert tally(poll("a", "b"), Counts()).winners == ()


def test_bars_show_the_share_and_any_vote_at_all() -> None:
    assert bar(0.0) == "░" * 10 and bar(1.0) == "█" * 10 and bar(0.5) == "█" * 5 + "░" * 5
    assert bar(0.01) == "█" + "░" * 9


def test_a_blind_card_hides_the_titles_until_closed_and_a_tie_names_both() -> None:
    counts = tally(poll("x", "y"), Counts((Vote(1, 0, "A"), Vote(2, 1, "B"))))
    assert [o.label for o in draw(poll("Hit", "Miss", blind=True), counts, {}).options] == [
        "Song 1",
        "Song 2",
    ]
    closed = draw(poll("Hit", "Miss", blind=True, state=PollState.CLOSED), counts, {})
    assert [(o.label, o.winner) for o in closed.options] == [("Hit", True), ("Miss", True)]
    assert not closed.buttons
    assert results_line(closed) == "📊 Poll #7 closed: *Hit* and *Miss* win (1 of 2 votes)."


# -- the debounce ----------------------------------------------------------------------------------
def test_redraws_are_coalesced_to_one_per_interval() -> None:
    redraws = Redraws(3.0)
    redraws.want(7)
    assert redraws.due_at() == float("-inf") and redraws.take(100.0) == [7]  # at once
    for _ in range(20):  # a burst of votes
        redraws.want(7)
    assert redraws.take(101.0) == [] and redraws.due_at() == 103.0
    assert redraws.take(103.0) == [7]  # one redraw for the whole burst
    assert redraws.take(110.0) == [] and redraws.due_at() is None
    redraws.want(7)
    assert redraws.take(110.0) == [7]  # quiet again: at once


def test_a_closed_polls_pending_redraw_is_dropped() -> None:
    redraws = Redraws(3.0)
    redraws.want(1)
    redraws.want(2)
    redraws.forget(1)
    assert redraws.take(0.0) == [2]


# -- the service ---------------------------------------------------------------------------------
@dataclass
class Scene:
    clock: ManualClock
    store: MemoryStore
    service: PollService
    group_id: int

    async def pending(self) -> list[OutboxItem]:
        items = [await self.store.get_outbox_item(i) for i in range(1, 500)]
        return [i for i in items if i is not None and i.status is OutboxStatus.PENDING]

    async def queued(self) -> list[str]:
        return [i.action.kind for i in await self.pending()]

    async def settle(self) -> None:
        for item in await self.pending():
            if type(item.action) is PollCardAction:  # posted: the card is known from now on
                ref = PollCardRef(item.action.poll_id, item.target, f"m{item.id}")
                await self.store.add_poll_card(ref)
            await self.store.complete(item.id)

    def draft(self, closes_at: float | None = None) -> PollDraft:
        options = (PollOption("Blue"), PollOption("Red"))
        return PollDraft(self.group_id, "Best?", options, ANN, "Ann", closes_at=closes_at)


@pytest.fixture
async def scene() -> Scene:
    clock = ManualClock()
    store = MemoryStore(clock)
    group = await store.create_group(slug="fans", name="Fans")
    for channel in (D1, S1):
        await store.link_channel(group_id=group.id, channel=channel)
    return Scene(
        clock, store, PollService(store, clock, lambda: None, redraws=Redraws(3.0)), group.id
    )


async def test_a_poll_queues_its_card_in_every_channel(scene: Scene) -> None:
    made = await scene.service.create(scene.draft())
    assert [(i.action, i.target) for i in await scene.pending()] == [
        (PollCardAction(poll_id=made.id), D1),
        (PollCardAction(poll_id=made.id), S1),
    ]


async def test_a_burst_of_votes_redraws_each_card_twice_not_once_per_vote(scene: Scene) -> None:
    made = await scene.service.create(scene.draft())
    await scene.settle()
    timer = PollTimer(scene.service)
    voters = [UserRef(Platform.DISCORD, "900", str(n)) for n in range(30)]
    await scene.service.vote(made.id, voters[0], "v0", 0)
    await timer.fire_due()
    assert await scene.queued() == ["poll_card_update"] * 2  # the first vote shows at once
    for n, voter in enumerate(voters[1:], start=1):
        await scene.service.vote(made.id, voter, f"v{n}", n % 2)
        scene.clock.advance(0.05)
        assert await timer.fire_due() is not None
    assert await scene.queued() == ["poll_card_update"] * 2  # coalesced while the votes come
    scene.clock.advance(3.0)
    await timer.fire_due()
    assert await scene.queued() == ["poll_card_update"] * 4  # one more redraw for all 29


async def test_a_vote_toggles_and_a_linked_person_votes_once(scene: Scene) -> None:
    made = await scene.service.create(scene.draft())
    assert (await scene.service.vote(made.id, ANN, "Ann", 0)).outcome is Voted.CAST
    assert (await scene.service.vote(made.id, ANN, "Ann", 1)).outcome is Voted.CHANGED
    assert (await scene.service.vote(made.id, ANN, "Ann", 1)).outcome is Voted.WITHDRAWN
    assert (await scene.service.vote(made.id, ANN, "Ann", 5)).outcome is Voted.UNKNOWN
    await scene.service.vote(made.id, ANN, "Ann", 0)
    ann = await scene.store.upsert_account(user=ANN, display_name="Ann")
    bob = await scene.store.upsert_account(user=BOB, display_name="Bob")
    await scene.store.merge_members(keep=ann.member_id, absorb=bob.member_id)  # linked
    await scene.service.vote(made.id, BOB, "Bob", 1)  # the same person, on Slack
    votes = (await scene.store.poll_counts(made.id)).votes
    assert [v.option for v in votes] == [1]


async def test_two_workers_timers_close_a_poll_once(scene: Scene) -> None:
    made = await scene.service.create(scene.draft(closes_at=scene.clock.now() + 60))
    await scene.settle()
    other = PollService(scene.store, scene.clock, lambda: None)  # a second worker
    scene.clock.advance(61)
    for service in (scene.service, other):
        await PollTimer(service).fire_due()
    assert sorted(await scene.queued()) == ["poll_card_update"] * 2 + ["poll_results"] * 2
    closed = await scene.store.get_poll(made.id)
    assert closed is not None and closed.state is PollState.CLOSED
    assert (await scene.service.vote(made.id, ANN, "Ann", 0)).outcome is Voted.CLOSED
    assert [type(i.action) for i in await scene.pending()].count(PollResultsAction) == 2
    assert PollCardUpdateAction(poll_id=made.id) in [i.action for i in await scene.pending()]


# -- the command's words ------------------------------------------------------------------------
def test_slacks_line_gives_the_question_the_options_and_the_flags() -> None:
    read = parse_poll_text("Best album? | Blue | Red  |  Green duration:2d anonymous blind")
    assert (read.question, read.options) == ("Best album?", ("Blue", "Red", "Green"))
    assert (read.duration, read.anonymous, read.blind) == ("2d", True, True)
    plain = parse_poll_text("Tea or coffee? | tea | coffee")
    assert (plain.options, plain.duration, plain.anonymous, plain.blind) == (
        ("tea", "coffee"),
        "",
        False,
        False,
    )


def counting(store: MemoryStore) -> list[int]:
    """Count how often ``store``'s open polls are read (one entry per read)."""
    reads: list[int] = []
    read = store.open_polls

    async def open_polls() -> list[Poll]:
        reads.append(1)
        return await read()

    store.open_polls = open_polls  # type: ignore[method-assign]
    return reads


async def test_votes_wake_the_timer_without_reading_every_open_poll_again() -> None:
    clock = ManualClock()
    store = MemoryStore(clock)
    reads = counting(store)
    group = await store.create_group(slug="fans", name="Fans")
    await store.link_channel(group_id=group.id, channel=D1)
    service = PollService(store, clock, lambda: None)
    options = (PollOption("Blue"), PollOption("Red"))
    made = await service.create(
        PollDraft(group.id, "Q?", options, ANN, "Ann", closes_at=clock.now() + 600)
    )
    timer = PollTimer(service)
    assert await timer.fire_due() is not None and len(reads) == 1
    for n in range(10):
        await service.vote(made.id, UserRef(Platform.SLACK, "T1", f"U{n}"), "fan", n % 2)
        await timer.fire_due()
    assert len(reads) == 1  # ten votes, no new deadline: the open polls were not read again
    clock.advance(601)
    await timer.fire_due()  # the deadline passed: read, closed
    closed = await store.get_poll(made.id)
    assert closed is not None and closed.state is PollState.CLOSED and len(reads) == 2
