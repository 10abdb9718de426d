"""What the relay reads on every message is served from the store's row cache (SQL stores): a
change made through the store is seen by the very next read, whichever repository made it."""

from __future__ import annotations

from bridge.ids import ChannelRef, Platform, Role, UserRef
from bridge.ports import Store
from bridge.text import doc

FAN = UserRef(Platform.DISCORD, "G1", "u1")
ORIGIN = ChannelRef(Platform.DISCORD, "G1", "d1")


async def test_a_ban_a_timeout_and_their_lifting_are_seen_at_once(store: Store) -> None:
    group = await store.create_group(slug="g", name="G")
    fan = await store.upsert_account(user=FAN, display_name="Fan")
    assert not await store.is_banned(group.id, fan.member_id)  # read, and kept
    assert await store.get_timeout(group.id, fan.member_id) is None
    ban = {"group_id": group.id, "target_member_id": fan.member_id, "target": None}
    await store.record_action(**ban, kind="ban", actor=None, origin=Platform.DISCORD, at=1.0)
    await store.set_timeout(group_id=group.id, member_id=fan.member_id, until=9e9, actor=None, at=1)
    assert await store.is_banned(group.id, fan.member_id)
    timeout = await store.get_timeout(group.id, fan.member_id)
    assert timeout is not None and timeout.until == 9e9
    await store.record_action(**ban, kind="unban", actor=None, origin=Platform.DISCORD, at=2.0)
    assert await store.lift_timeout(group.id, fan.member_id)
    assert not await store.is_banned(group.id, fan.member_id)
    assert await store.get_timeout(group.id, fan.member_id) is None


async def test_roles_names_settings_and_edits_are_seen_at_once(store: Store) -> None:
    group = await store.create_group(slug="g", name="G")
    fan = await store.upsert_account(user=FAN, display_name="Fan")
    assert await store.roles_in_group(group.id) == []
    await store.grant_role(group_id=group.id, member_id=fan.member_id, role=Role.ARTIST)
    assert [r.role for r in await store.roles_in_group(group.id)] == [Role.ARTIST]
    await store.upsert_account(user=FAN, display_name="Fan, renamed")
    account = await store.get_account(FAN)
    assert account is not None and account.display_name == "Fan, renamed"
    assert [a.display_name for a in await store.accounts_of_member(fan.member_id)] == [
        "Fan, renamed"
    ]
    assert (await store.get_group_by_id(group.id)) is not None
    await store.update_settings(group.id, {"music_links": False})
    changed = await store.get_group_by_id(group.id)
    assert changed is not None and changed.settings.get("music_links") is False
    message, _ = await store.record_message(
        group_id=group.id,
        author=FAN,
        origin=ORIGIN,
        origin_message_id="1",
        text=doc("first").to_json(),
    )
    assert await store.get_message(message.id) == message
    await store.mark_edited(message.id, text=doc("second").to_json(), at=5.0)
    edited = await store.get_message(message.id)
    assert edited is not None and edited.text == doc("second").to_json()
    assert await store.revoke_role(group_id=group.id, member_id=fan.member_id, role=Role.ARTIST)
    assert await store.roles_in_group(group.id) == []
