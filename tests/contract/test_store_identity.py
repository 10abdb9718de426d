"""Identity links in the store: one-time link codes and splitting an account off its member, on
SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio

import pytest

from bridge.ids import Platform, Role, UserRef
from storage.repos import SqlStore
from tests.contract.conftest import ManualClock

ALICE = UserRef(Platform.DISCORD, "900", "11")
ERIN = UserRef(Platform.SLACK, "T1", "U1")
ERIN_ELSEWHERE = UserRef(Platform.SLACK, "T2", "U9")


async def test_a_link_code_is_found_by_its_hash_and_used_once(
    store: SqlStore, clock: ManualClock
) -> None:
    now = clock.now()
    assert await store.add_link_code(code_hash="h1", user=ALICE, at=now, expires_at=now + 600)
    code = await store.get_link_code("h1")
    assert code is not None
    assert (code.user, code.created_at, code.expires_at, code.used_at) == (
        ALICE,
        now,
        now + 600,
        None,
    )
    assert await store.get_link_code("nope") is None
    assert await store.use_link_code("h1", at=now + 5) is True
    assert await store.use_link_code("h1", at=now + 6) is False
    used = await store.get_link_code("h1")
    assert used is not None and used.used_at == now + 5
    assert await store.use_link_code("unknown", at=now) is False


async def test_a_code_is_used_once_even_in_a_race(store: SqlStore, clock: ManualClock) -> None:
    now = clock.now()
    await store.add_link_code(code_hash="race", user=ALICE, at=now, expires_at=now + 600)
    results = await asyncio.gather(*(store.use_link_code("race", at=now) for _ in range(5)))
    assert sorted(results) == [False, False, False, False, True]


async def test_a_new_code_replaces_the_accounts_unused_one(
    store: SqlStore, clock: ManualClock
) -> None:
    now = clock.now()
    await store.add_link_code(code_hash="old", user=ALICE, at=now, expires_at=now + 600)
    await store.add_link_code(code_hash="erin", user=ERIN, at=now, expires_at=now + 600)
    await store.add_link_code(code_hash="new", user=ALICE, at=now + 1, expires_at=now + 601)
    assert await store.get_link_code("old") is None
    assert await store.get_link_code("new") is not None
    assert await store.get_link_code("erin") is not None  # someone else's code stays


async def test_a_taken_hash_is_refused_and_old_codes_are_forgotten(
    store: SqlStore, clock: ManualClock
) -> None:
    now = clock.now()
    assert await store.add_link_code(code_hash="same", user=ALICE, at=now, expires_at=now + 600)
    assert not await store.add_link_code(code_hash="same", user=ERIN, at=now, expires_at=now + 9)
    found = await store.get_link_code("same")
    assert found is not None and found.user == ALICE
    # expired a little while ago: still known (to say "expired"); a day later: forgotten
    later = now + 3600
    await store.add_link_code(code_hash="x1", user=ERIN, at=later, expires_at=later + 600)
    assert await store.get_link_code("same") is not None
    much_later = now + 2 * 86400
    await store.add_link_code(code_hash="x2", user=ERIN_ELSEWHERE, at=much_later, expires_at=1e12)
    assert await store.get_link_code("same") is None


async def test_split_account_gives_it_a_member_and_leaves_the_roles(store: SqlStore) -> None:
    group = await store.create_group(slug="g", name="G")
    alice = await store.upsert_account(user=ALICE, display_name="Alice")
    erin = await store.upsert_account(user=ERIN, display_name="erin")
    await store.grant_role(group_id=group.id, member_id=erin.member_id, role=Role.MODERATOR)
    await store.merge_members(keep=alice.member_id, absorb=erin.member_id)

    split = await store.split_account(ERIN)
    assert split.id == erin.id and split.user == ERIN and split.display_name == "erin"
    assert split.member_id not in (alice.member_id, erin.member_id)
    assert [a.user for a in await store.accounts_of_member(alice.member_id)] == [ALICE]
    assert [a.user for a in await store.accounts_of_member(split.member_id)] == [ERIN]
    roles = await store.roles_in_group(group.id)
    assert [(r.member_id, r.role) for r in roles] == [(alice.member_id, Role.MODERATOR)]
    fetched = await store.get_account(ERIN)
    assert fetched is not None and fetched.member_id == split.member_id


async def test_split_of_a_lone_account_changes_nothing(store: SqlStore) -> None:
    alice = await store.upsert_account(user=ALICE, display_name="Alice")
    assert await store.split_account(ALICE) == alice
    with pytest.raises(LookupError):
        await store.split_account(ERIN)
