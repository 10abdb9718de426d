"""The modlog in the store: actions, their effects and the ban state, on SQLite and PostgreSQL."""

from __future__ import annotations

from bridge.ids import ChannelRef, Platform, UserRef
from storage.repos import SqlStore
from tests.contract.conftest import ManualClock

ALICE = UserRef(Platform.DISCORD, "900", "11")
D_CHANNEL = ChannelRef(Platform.DISCORD, "900", "100")
S_CHANNEL = ChannelRef(Platform.SLACK, "T1", "C1")


async def _setup(store: SqlStore) -> tuple[int, int]:
    group = await store.create_group(slug="fans", name="Fans")
    account = await store.upsert_account(user=ALICE, display_name="Alice")
    return group.id, account.member_id


async def test_ban_state_follows_the_latest_ban_or_unban(
    store: SqlStore, clock: ManualClock
) -> None:
    group, member = await _setup(store)
    assert not await store.is_banned(group, member)
    common = {"group_id": group, "target_member_id": member, "target": str(ALICE)}
    await store.record_action(kind="ban", actor=None, origin=Platform.DISCORD, at=1, **common)
    assert await store.is_banned(group, member)
    await store.record_action(kind="delete", actor=None, origin=Platform.SLACK, at=2, **common)
    assert await store.is_banned(group, member)
    await store.record_action(kind="unban", actor="x", origin=Platform.SLACK, at=3, **common)
    assert not await store.is_banned(group, member)
    other = await store.create_group(slug="other", name="Other")
    await store.record_action(
        kind="ban", actor=None, origin=Platform.DISCORD, at=4, **(common | {"group_id": other.id})
    )
    assert await store.is_banned(other.id, member) and not await store.is_banned(group, member)


async def test_the_modlog_lists_actions_newest_first_with_their_effects(
    store: SqlStore, clock: ManualClock
) -> None:
    group, member = await _setup(store)
    first = await store.record_action(
        group_id=group,
        kind="ban",
        target_member_id=member,
        target=str(ALICE),
        actor="slack:T1/@U1",
        origin=Platform.SLACK,
        reason="spam",
        at=clock.now(),
    )
    pending = await store.add_effect(first, D_CHANNEL, status="pending", at=clock.now())
    await store.add_effect(first, S_CHANNEL, status="skipped", detail="why", at=clock.now())
    await store.set_effect(pending, status="failed", detail="403 Missing Permissions", at=5)
    second = await store.record_action(
        group_id=group,
        kind="delete",
        target_member_id=None,
        target=None,
        actor=None,
        origin=Platform.DISCORD,
        message_id=None,
        at=clock.now(),
    )
    log = await store.modlog(group)
    assert [a.id for a in log] == [second, first]
    assert log[1].reason == "spam" and log[1].origin is Platform.SLACK
    assert [(e.channel, e.status, e.detail) for e in log[1].effects] == [
        (D_CHANNEL, "failed", "403 Missing Permissions"),
        (S_CHANNEL, "skipped", "why"),
    ]
    assert [a.id for a in await store.modlog(group, member_id=member)] == [first]
    assert len(await store.modlog(group, limit=1)) == 1
