"""A person banned from a group stays banned when they link another account: the two members
become one, and the ban (the last ban or unban naming either) holds for the one they become, on
every backend."""

from __future__ import annotations

from bridge.ids import Platform, UserRef
from bridge.ports import Store

ALICE_DISCORD = UserRef(Platform.DISCORD, "900", "11")
ALICE_SLACK = UserRef(Platform.SLACK, "T1", "U0ALICE")


async def _banned_alice(store: Store, *, kind: str = "ban") -> tuple[int, int, int]:
    group = (await store.create_group(slug="fans", name="Fans")).id
    on_discord = (await store.upsert_account(user=ALICE_DISCORD, display_name="Alice")).member_id
    on_slack = (await store.upsert_account(user=ALICE_SLACK, display_name="alice")).member_id
    await store.record_action(
        group_id=group,
        kind=kind,
        target_member_id=on_discord,
        target=str(ALICE_DISCORD),
        actor="mod",
        origin=Platform.DISCORD,
        at=1.0,
    )
    return group, on_discord, on_slack


async def test_a_banned_member_linking_a_new_account_stays_banned(store: Store) -> None:
    group, on_discord, on_slack = await _banned_alice(store)
    assert not await store.is_banned(group, on_slack)  # before the link: another person
    await store.merge_members(keep=on_slack, absorb=on_discord)
    assert await store.is_banned(group, on_slack)
    assert [a.target_member_id for a in await store.modlog(group)] == [on_slack]


async def test_the_latest_ban_or_unban_of_either_account_decides(store: Store) -> None:
    group, on_discord, on_slack = await _banned_alice(store)
    await store.record_action(
        group_id=group,
        kind="unban",
        target_member_id=on_slack,
        target=str(ALICE_SLACK),
        actor="mod",
        origin=Platform.SLACK,
        at=2.0,
    )
    await store.merge_members(keep=on_discord, absorb=on_slack)
    assert not await store.is_banned(group, on_discord)
