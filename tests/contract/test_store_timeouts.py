"""A group's timeouts in the store (one per member and group), on every backend; and the
migration that moves the timeouts an older bridge kept in a group's settings into the table."""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import AsyncConnection

from bridge.ids import Platform, UserRef
from bridge.ports import MemberTimeout, Store
from storage.db import create_engine
from storage.migrate import alembic_config, upgrade
from storage.repos import SqlStore
from tests.contract.conftest import ManualClock

ALICE = UserRef(Platform.DISCORD, "900", "11")
ERIN = UserRef(Platform.SLACK, "T1", "U0ERIN")


async def _setup(store: Store) -> tuple[int, int, int]:
    group = await store.create_group(slug="fans", name="Fans")
    alice = await store.upsert_account(user=ALICE, display_name="Alice")
    erin = await store.upsert_account(user=ERIN, display_name="Erin")
    return group.id, alice.member_id, erin.member_id


async def test_a_timeout_is_kept_replaced_and_lifted(store: Store, clock: ManualClock) -> None:
    group, alice, erin = await _setup(store)
    assert await store.get_timeout(group, alice) is None
    until = clock.now() + 600
    await store.set_timeout(
        group_id=group, member_id=alice, until=until, actor=str(ERIN), reason="spam", at=1.0
    )
    assert await store.get_timeout(group, alice) == MemberTimeout(
        group, alice, until, str(ERIN), "spam", 1.0
    )
    assert await store.get_timeout(group, erin) is None
    await store.set_timeout(group_id=group, member_id=alice, until=until + 60, actor=None, at=2.0)
    assert await store.get_timeout(group, alice) == MemberTimeout(
        group, alice, until + 60, None, "", 2.0
    )
    assert await store.lift_timeout(group, alice)
    assert await store.get_timeout(group, alice) is None
    assert not await store.lift_timeout(group, alice)


async def test_timeouts_belong_to_one_group(store: Store, clock: ManualClock) -> None:
    group, alice, erin = await _setup(store)
    other = (await store.create_group(slug="other", name="Other")).id
    for member in (erin, alice):
        await store.set_timeout(group_id=group, member_id=member, until=9.0, actor=None, at=1.0)
    await store.set_timeout(group_id=other, member_id=alice, until=5.0, actor=None, at=1.0)
    assert [(t.member_id, t.until) for t in await store.timeouts_in_group(group)] == [
        (alice, 9.0),
        (erin, 9.0),
    ]
    await store.lift_timeout(group, alice)
    assert [t.member_id for t in await store.timeouts_in_group(group)] == [erin]
    assert [(t.member_id, t.until) for t in await store.timeouts_in_group(other)] == [(alice, 5.0)]


async def test_linking_accounts_never_ends_a_timeout(store: Store, clock: ManualClock) -> None:
    """Two members made one keep the later timeout of each group: a timed-out fan cannot link
    another account to escape it."""
    group, alice, erin = await _setup(store)
    other = (await store.create_group(slug="other", name="Other")).id
    await store.set_timeout(group_id=group, member_id=alice, until=100.0, actor=None, at=1.0)
    await store.set_timeout(group_id=group, member_id=erin, until=200.0, actor="x", at=2.0)
    await store.set_timeout(group_id=other, member_id=erin, until=50.0, actor=None, at=3.0)
    await store.merge_members(keep=alice, absorb=erin)
    assert await store.get_timeout(group, alice) == MemberTimeout(group, alice, 200.0, "x", "", 2.0)
    assert await store.get_timeout(other, alice) == MemberTimeout(other, alice, 50.0, None, "", 3.0)
    assert await store.get_timeout(group, erin) is None
    assert [t.member_id for t in await store.timeouts_in_group(group)] == [alice]
    third = await store.upsert_account(user=UserRef(Platform.SLACK, "T2", "U0X"), display_name="x")
    await store.set_timeout(
        group_id=group, member_id=third.member_id, until=10.0, actor=None, at=4.0
    )
    await store.merge_members(keep=alice, absorb=third.member_id)
    kept = await store.get_timeout(group, alice)
    assert kept is not None and kept.until == 200.0  # the earlier one does not shorten it


async def test_a_long_reason_is_cut_to_what_the_modlog_keeps(
    store: Store, clock: ManualClock
) -> None:
    group, alice, _ = await _setup(store)
    await store.set_timeout(
        group_id=group, member_id=alice, until=9.0, actor=None, reason="x" * 2000, at=1.0
    )
    stored = await store.get_timeout(group, alice)
    assert stored is not None and stored.reason == "x" * 500


async def test_the_migration_moves_settings_timeouts_into_the_table(
    db_url: tuple[str, str | None], clock: ManualClock
) -> None:
    """A database written by a bridge that kept timeouts in the group's settings: after the
    upgrade, the table holds them and the settings keep everything else."""
    url, schema = db_url
    engine = create_engine(url, schema=schema)
    await upgrade(engine, "0010")
    async with engine.begin() as conn:
        members = [await _insert(conn, "member", created_at=1.0) for _ in range(2)]
        gone = max(members) + 100  # a member id that no longer exists
        entries = {str(members[0]): 1_900_000_000.0, str(members[1]): "1800000000", str(gone): 5}
        settings = {"timeouts": entries | {"junk": "soon"}, "moderation_policy": "suggest"}
        group = await _insert(conn, "fan_group", **_group("fans", settings))
        other = await _insert(conn, "fan_group", **_group("quiet", {}))
    await upgrade(engine)
    store = SqlStore(engine, clock)
    try:
        found = await store.timeouts_in_group(group)
        assert [(t.member_id, t.until, t.actor, t.reason) for t in found] == [
            (members[0], 1_900_000_000.0, None, ""),
            (members[1], 1_800_000_000.0, None, ""),
        ]
        moved = await store.get_group_by_id(group)
        assert moved is not None and moved.settings == {"moderation_policy": "suggest"}
        assert await store.timeouts_in_group(other) == []
        quiet = await store.get_group_by_id(other)
        assert quiet is not None and quiet.settings == {}
    finally:
        await store.close()


async def test_the_downgrade_puts_the_timeouts_back_into_the_settings(
    db_url: tuple[str, str | None], clock: ManualClock
) -> None:
    url, schema = db_url
    store = await SqlStore.open(url, clock=clock, schema=schema)
    try:
        group, alice, _ = await _setup(store)
        await store.update_settings(group, {"moderation_policy": "log"})
        await store.set_timeout(group_id=group, member_id=alice, until=123.0, actor=None, at=1.0)
        async with store.engine.begin() as conn:
            await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0010"))
            query = sa.text("SELECT settings FROM fan_group WHERE id = :id")
            settings = (await conn.execute(query, {"id": group})).scalar_one()
        found = json.loads(settings) if isinstance(settings, str) else settings
        assert found == {"moderation_policy": "log", "timeouts": {str(alice): 123.0}}
    finally:
        await store.close()


def _group(slug: str, settings: dict[str, object]) -> dict[str, object]:
    return {"slug": slug, "name": slug.title(), "kind": "topic", "visibility": "public"} | {
        "created_at": 1.0,
        "settings": settings,
    }


async def _insert(conn: AsyncConnection, table_name: str, **values: object) -> int:
    """A row as the older bridge wrote it (core SQL: the models are at the newest revision)."""
    columns = [sa.column(key, sa.JSON if key == "settings" else None) for key in values]
    table = sa.table(table_name, sa.column("id", sa.Integer), *columns)
    found = await conn.execute(table.insert().values(**values).returning(table.c.id))
    return int(found.scalar_one())
