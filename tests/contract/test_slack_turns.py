"""A Slack channel's messages in order across workers (adapters/slack/turns.py over
storage/repo_turns.py), on PostgreSQL with two stores as two worker processes: a message that
reached worker B waits while worker A still handles the channel's earlier one, and goes on
when A is done; a dead worker's row (its lease expired) and another channel's hold nobody up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from adapters.slack.turns import Turns
from storage.repo_turns import TurnRepo
from storage.repos import SqlStore
from tests.contract.conftest import ManualClock
from tests.postgres import POSTGRES_URL

pytestmark = pytest.mark.skipif(
    POSTGRES_URL is None, reason="needs FANBRIDGE_TEST_POSTGRES_URL (CI sets it)"
)


class CountingRepo(TurnRepo):
    """Counts the looks for earlier messages, so a test can wait for one without sleeping."""

    looked = 0
    looking: asyncio.Event

    async def earlier_turns(
        self, channel: str, ts: str, *, stale: float, retry_grace: float = 0.0, worker: str = ""
    ) -> int:
        found = await super().earlier_turns(
            channel, ts, stale=stale, retry_grace=retry_grace, worker=worker
        )
        self.looked += 1
        self.looking.set()
        return found


@pytest.fixture
async def two_workers(
    pg_schema: tuple[str, str], clock: ManualClock
) -> AsyncIterator[tuple[SqlStore, SqlStore]]:
    url, schema = pg_schema
    first = await SqlStore.open(url, schema=schema, clock=clock)
    second = await SqlStore.open(url, schema=schema, clock=clock)
    for store, name in ((first, "a"), (second, "b")):
        await store.claim_lease(f"worker:{name}", holder=name, seconds=15)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


def counting(store: SqlStore) -> CountingRepo:
    repo = CountingRepo(store.db)
    repo.looking = asyncio.Event()
    return repo


async def test_a_message_waits_for_the_earlier_one_another_worker_handles(
    two_workers: tuple[SqlStore, SqlStore],
) -> None:
    first, second = two_workers
    a, b = Turns(TurnRepo(first.db), "a"), Turns(counting(second), "b")
    handled: list[str] = []
    a_in = a.begin("C1", "1700000000.000100")
    async with a.turn("C1", "1700000000.000100", a_in):

        async def later() -> None:
            recorded = b.begin("C1", "1700000000.000200")
            async with b.turn("C1", "1700000000.000200", recorded):
                handled.append("second")

        waiting = asyncio.create_task(later())
        repo = b.store
        assert isinstance(repo, CountingRepo)
        while repo.looked < 2:  # it looked, found the earlier one, and looks again
            repo.looking.clear()
            await repo.looking.wait()
        assert handled == []  # still waiting for worker a
        handled.append("first")
    await asyncio.wait_for(waiting, 5)
    assert handled == ["first", "second"]
    assert b.waited == 1


async def test_a_dead_workers_row_holds_up_until_slack_resends_it_then_nobody(
    two_workers: tuple[SqlStore, SqlStore], clock: ManualClock
) -> None:
    first, second = two_workers
    a, b = TurnRepo(first.db), TurnRepo(second.db)
    await a.begin_turn("C1", "1700000000.000100", "a")  # a is killed handling it
    await a.begin_turn("C3", "1700000000.000100", "a")  # this one Slack never sends again
    await b.begin_turn("C2", "1700000000.000050", "b")  # another channel
    later = "1700000000.000200"
    assert await b.earlier_turns("C1", later, stale=30, retry_grace=5) == 1
    clock.advance(4)
    await second.claim_lease("worker:b", holder="b", seconds=15)
    assert await b.earlier_turns("C1", later, stale=30, retry_grace=5) == 1  # a's lease runs
    clock.advance(12)  # a's lease expired, but Slack's resend may still be on its way
    await second.claim_lease("worker:b", holder="b", seconds=15)
    await b.begin_turn("C1", "1700000000.000100", "b")  # the resend reached b: b's row now
    assert await b.earlier_turns("C1", later, stale=30, retry_grace=5, worker="c") == 1
    assert await b.earlier_turns("C3", later, stale=30, retry_grace=5) == 0  # dead, past grace
    await b.end_turn("C1", "1700000000.000100", "b", stale=30)
    assert await b.earlier_turns("C1", later, stale=30, retry_grace=5, worker="c") == 0
    assert await b.earlier_turns("C2", later, stale=30, worker="a") == 1  # b lives: its row holds
    assert await b.earlier_turns("C2", "1700000000.000040", stale=30, worker="a") == 0  # later
    await a.end_turn("C2", "1700000000.000050", "a", stale=30)  # not a's row: kept
    assert await b.earlier_turns("C2", later, stale=30, worker="a") == 1
    assert await b.earlier_turns("C2", later, stale=30, worker="b") == 0  # b's own: never


async def test_a_message_does_not_wait_for_its_own_workers_event_slack_sent_again(
    two_workers: tuple[SqlStore, SqlStore],
) -> None:
    """Worker b handles a channel's events one at a time. Slack sent it the earlier message
    again (a's acknowledgement was late) after the later one: the earlier one queues behind the
    later one in b, so the later one must not wait for it (both would miss Slack's deadline)."""
    first, second = two_workers
    repo = counting(second)
    a, b = Turns(TurnRepo(first.db), "a"), Turns(repo, "b")
    earlier, later = "1700000000.000100", "1700000000.000200"
    await a.begin("C1", earlier)  # a got it first and is slow
    await b.begin("C1", later)
    await b.begin("C1", earlier)  # Slack sent it again, to b: b's row now
    handled: list[str] = []
    async with b.turn("C1", later, b.begin("C1", later)):
        handled.append(later)
    async with b.turn("C1", earlier, b.begin("C1", earlier)):
        handled.append(earlier)
    assert handled == [later, earlier]
    assert repo.looked == 2  # one look each: only b's own row was earlier, so neither waited
