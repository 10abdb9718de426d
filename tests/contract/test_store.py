"""The store contract: what the core relies on, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from bridge.actions import DeleteAction, EditAction, PostAction
from bridge.errors import ChannelAlreadyLinked, CopyExists, GroupExists
from bridge.ids import ChannelRef, Direction, Platform, Role, UserRef
from bridge.records import OutboxDraft, OutboxStatus
from storage.migrate import current_revision
from storage.repos import SqlStore

D1 = ChannelRef(Platform.DISCORD, "900", "901")
D2 = ChannelRef(Platform.DISCORD, "900", "902")
S1 = ChannelRef(Platform.SLACK, "T1", "C1")
ALICE = UserRef(Platform.DISCORD, "900", "11")


async def test_migrations_from_empty_reach_head(sql_store: SqlStore) -> None:
    store = sql_store
    assert await current_revision(store.engine) is not None

    def tables(conn):  # type: ignore[no-untyped-def]
        return set(inspect(conn).get_table_names())

    async with store.engine.connect() as conn:
        names = await conn.run_sync(tables)
    expected = {
        "fan_group",
        "channel_link",
        "member",
        "platform_account",
        "group_role",
        "message",
        "message_copy",
        "inbound_event",
        "outbox",
    }
    assert expected <= names


async def test_groups_are_unique_by_slug(store: SqlStore) -> None:
    group = await store.create_group(slug="indie", name="Indie Fans", created_by="alice")
    assert (await store.get_group("indie")) == group
    assert (await store.get_group_by_id(group.id)) == group
    with pytest.raises(GroupExists):
        await store.create_group(slug="indie", name="Other")
    assert [g.slug for g in await store.list_groups()] == ["indie"]


async def test_channel_links_unique_per_platform_workspace_channel(store: SqlStore) -> None:
    a = await store.create_group(slug="a", name="A")
    b = await store.create_group(slug="b", name="B")
    await store.link_channel(group_id=a.id, channel=D1)
    await store.link_channel(group_id=a.id, channel=S1, direction=Direction.OUT)
    with pytest.raises(ChannelAlreadyLinked):
        await store.link_channel(group_id=b.id, channel=D1)
    # the same channel id in another workspace is another channel
    await store.link_channel(group_id=b.id, channel=ChannelRef(Platform.DISCORD, "999", "901"))
    links = await store.links_for_group(a.id)
    assert [(lk.channel, lk.direction) for lk in links] == [
        (D1, Direction.INOUT),
        (S1, Direction.OUT),
    ]
    found = await store.link_for_channel(S1)
    assert found is not None and found.group_id == a.id
    assert await store.unlink_channel(S1) is True
    assert await store.unlink_channel(S1) is False
    assert await store.link_for_channel(S1) is None


async def test_the_groups_of_a_workspace_are_those_with_a_channel_there(store: SqlStore) -> None:
    """A platform ban in a server or a Slack team applies in its groups: found in one read."""
    a = await store.create_group(slug="a", name="A")
    b = await store.create_group(slug="b", name="B")
    c = await store.create_group(slug="c", name="C")
    await store.link_channel(group_id=a.id, channel=D1)
    await store.link_channel(group_id=a.id, channel=ChannelRef(Platform.DISCORD, D1.workspace, "7"))
    await store.link_channel(group_id=b.id, channel=ChannelRef(Platform.DISCORD, "999", "901"))
    await store.link_channel(group_id=c.id, channel=S1)
    here = await store.groups_in_workspace(Platform.DISCORD, D1.workspace)
    assert [g.slug for g in here] == ["a"]  # once, though two of its channels are there
    assert [g.slug for g in await store.groups_in_workspace(Platform.DISCORD, "999")] == ["b"]
    assert [g.slug for g in await store.groups_in_workspace(Platform.SLACK, S1.workspace)] == ["c"]
    assert await store.groups_in_workspace(Platform.SLACK, D1.workspace) == []


async def test_webhook_ref_is_kept_on_the_link(store: SqlStore) -> None:
    group = await store.create_group(slug="w", name="W")
    await store.link_channel(group_id=group.id, channel=D1)
    await store.set_webhook_ref(D1, "webhook:123")
    link = await store.link_for_channel(D1)
    assert link is not None and link.webhook_ref == "webhook:123"


async def test_a_linked_channels_name_is_kept_and_follows_renames(store: SqlStore) -> None:
    group = await store.create_group(slug="n", name="N")
    await store.link_channel(group_id=group.id, channel=D1, channel_name="#general")
    await store.link_channel(group_id=group.id, channel=S1)
    assert [lk.channel_name for lk in await store.links_for_group(group.id)] == ["general", None]
    assert await store.set_channel_name(S1, "music") is True
    assert await store.set_channel_name(S1, "music") is False  # nothing changed
    assert await store.set_channel_name(D1, "général-" + "x" * 200) is True  # a rename
    found = await store.link_for_channel(D1)  # read after the change, not from a stale cache
    assert found is not None and found.channel_name == "général-" + "x" * 92
    assert len(found.channel_name) == 100
    assert (await store.link_for_channel(S1)).channel_name == "music"  # type: ignore[union-attr]
    assert await store.set_channel_name(D2, "elsewhere") is False  # not linked: not kept
    assert await store.link_for_channel(D2) is None


async def test_accounts_upsert_and_merge_into_one_member(store: SqlStore) -> None:
    group = await store.create_group(slug="m", name="M")
    discord = await store.upsert_account(user=ALICE, display_name="Alice")
    renamed = await store.upsert_account(user=ALICE, display_name="Alice ✨")
    assert renamed.id == discord.id and renamed.display_name == "Alice ✨"
    slack = await store.upsert_account(
        user=UserRef(Platform.SLACK, "T1", "U1"), display_name="alice"
    )
    assert slack.member_id != discord.member_id
    await store.grant_role(group_id=group.id, member_id=slack.member_id, role=Role.MODERATOR)
    await store.merge_members(keep=discord.member_id, absorb=slack.member_id)
    accounts = await store.accounts_of_member(discord.member_id)
    assert {a.user.platform for a in accounts} == {Platform.DISCORD, Platform.SLACK}
    roles = await store.roles_in_group(group.id)
    assert [(r.member_id, r.role) for r in roles] == [(discord.member_id, Role.MODERATOR)]
    assert await store.revoke_role(
        group_id=group.id, member_id=discord.member_id, role=Role.MODERATOR
    )
    assert await store.roles_in_group(group.id) == []


async def test_message_copies_lead_to_every_sibling(store: SqlStore) -> None:
    group = await store.create_group(slug="c", name="C")
    drafts = [OutboxDraft(D2, PostAction()), OutboxDraft(S1, PostAction())]
    message, outbox_ids = await store.record_message(
        group_id=group.id,
        author=ALICE,
        origin=D1,
        origin_message_id="5001",
        text="hi",
        fanout=drafts,
    )
    assert len(outbox_ids) == 2
    await store.add_copy(message_id=message.id, channel=S1, platform_message_id="17.000100")
    await store.add_copy(message_id=message.id, channel=D2, platform_message_id="6001")
    await store.add_copy(message_id=message.id, channel=D2, platform_message_id="6002", part=1)
    with pytest.raises(CopyExists):
        await store.add_copy(message_id=message.id, channel=S1, platform_message_id="17.000100")
    # from any copy (here the Slack one) back to the canonical message and all its copies
    copy = await store.find_copy(S1, "17.000100")
    assert copy is not None and copy.message_id == message.id
    siblings = await store.copies_of(copy.message_id)
    assert [(c.channel, c.platform_message_id, c.part, c.is_origin) for c in siblings] == [
        (D1, "5001", 0, True),
        (S1, "17.000100", 0, False),
        (D2, "6001", 0, False),
        (D2, "6002", 1, False),
    ]
    # the same platform message id in another channel is another message
    assert await store.find_copy(D1, "6001") is None
    with pytest.raises(CopyExists):  # the origin itself cannot be recorded twice
        await store.record_message(
            group_id=group.id, author=ALICE, origin=D1, origin_message_id="5001", text="again"
        )


async def test_message_edit_and_delete_are_recorded(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    group = await store.create_group(slug="e", name="E")
    message, _ = await store.record_message(
        group_id=group.id, author=None, origin=S1, origin_message_id="1.1", text="v1"
    )
    clock.advance(5)
    await store.mark_edited(message.id, text="v2", at=clock.now())
    await store.mark_deleted(message.id, at=clock.now() + 1)
    stored = await store.get_message(message.id)
    assert stored is not None
    assert (stored.text, stored.edited_at, stored.deleted_at) == (
        "v2",
        clock.now(),
        clock.now() + 1,
    )


async def test_inbound_events_are_deduplicated(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    assert await store.remember_event(platform="slack", key="Ev1", at=clock.now())
    assert not await store.remember_event(platform="slack", key="Ev1", at=clock.now())
    assert await store.remember_event(platform="discord", key="Ev1", at=clock.now())
    assert await store.forget_events(before=clock.now() + 1) == 2
    assert await store.remember_event(platform="slack", key="Ev1", at=clock.now())


async def test_outbox_claims_in_order_per_channel(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    ids = await store.enqueue(
        [
            OutboxDraft(D1, DeleteAction(message_id=1)),
            OutboxDraft(S1, DeleteAction(message_id=2)),
            OutboxDraft(D1, DeleteAction(message_id=3)),
        ],
        at=clock.now(),
    )
    assert await store.outbox_depth() == 3
    first = await store.claim(now=clock.now())
    # one per channel: D1's second item waits behind its first
    assert [i.id for i in first] == [ids[0], ids[1]]
    assert all(i.status is OutboxStatus.INFLIGHT for i in first)
    assert await store.claim(now=clock.now()) == []
    await store.complete(ids[0], result={"message_id": "77"})
    assert [i.action for i in await store.claim(now=clock.now())] == [DeleteAction(message_id=3)]
    await store.complete(ids[1])
    await store.complete(ids[2])
    assert await store.outbox_depth() == 0
    done = await store.get_outbox_item(ids[0])
    assert done is not None and done.status is OutboxStatus.DONE


async def test_a_channels_long_backlog_never_hides_another_channels_items(
    store: SqlStore, clock
) -> None:  # type: ignore[no-untyped-def]
    """A catch-up can queue thousands of copies for one channel: the next channel's item is
    claimed at once, not after the backlog drains."""
    await store.enqueue(
        [OutboxDraft(D1, DeleteAction(message_id=n)) for n in range(1500)], at=clock.now()
    )
    [later] = await store.enqueue([OutboxDraft(S1, DeleteAction(message_id=1500))], at=clock.now())
    claimed = await store.claim(now=clock.now())
    assert [i.action for i in claimed] == [
        DeleteAction(message_id=0),
        DeleteAction(message_id=1500),
    ]
    assert claimed[1].id == later


async def test_a_claim_says_when_an_earlier_delivery_may_have_reached_the_platform(
    store: SqlStore, clock
) -> None:  # type: ignore[no-untyped-def]
    """A first claim is a first try; a claim after an expired lease (the worker died mid-send)
    or after a retry may find the copy already made, and says so."""
    first, second = await store.enqueue(
        [OutboxDraft(D1, DeleteAction(message_id=1)), OutboxDraft(S1, DeleteAction(message_id=2))],
        at=clock.now(),
    )
    claimed = await store.claim(now=clock.now(), lease=10)
    assert [i.resumed for i in claimed] == [False, False]
    await store.retry(second, error="timeout", at=clock.now())
    clock.advance(11)  # the first one's worker is gone
    again = {i.id: i.resumed for i in await store.claim(now=clock.now(), lease=10)}
    assert again == {first: True, second: True}


async def test_outbox_retry_waits_and_keeps_order(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    a, b = await store.enqueue(
        [OutboxDraft(S1, DeleteAction(message_id=1)), OutboxDraft(S1, DeleteAction(message_id=2))],
        at=clock.now(),
    )
    [item] = await store.claim(now=clock.now())
    await store.retry(item.id, error="HTTP 503", at=clock.now() + 30)
    assert await store.claim(now=clock.now()) == []  # b must not overtake a
    clock.advance(31)
    [again] = await store.claim(now=clock.now())
    assert (again.id, again.attempts, again.last_error) == (a, 1, "HTTP 503")
    await store.bury(a, error="gave up")
    assert [i.id for i in await store.claim(now=clock.now())] == [b]
    dead = await store.get_outbox_item(a)
    assert dead is not None and dead.status is OutboxStatus.DEAD


async def test_outbox_dependency_and_expired_lease(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    [post] = await store.enqueue([OutboxDraft(D1, PostAction())], at=clock.now())
    [edit] = await store.enqueue(
        [OutboxDraft(S1, EditAction(message_id=1), depends_on=post)], at=clock.now()
    )
    claimed = await store.claim(now=clock.now(), lease=10)
    assert [i.id for i in claimed] == [post]  # the edit waits for the post it depends on
    clock.advance(11)  # the worker died: its lease expires and the item is claimable again
    assert [i.id for i in await store.claim(now=clock.now())] == [post]
    await store.complete(post)
    assert [i.id for i in await store.claim(now=clock.now())] == [edit]


async def test_an_item_still_being_delivered_is_not_claimed_again_past_its_lease(
    store: SqlStore,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    [slow] = await store.enqueue([OutboxDraft(D1, PostAction())], at=clock.now())
    assert [i.id for i in await store.claim(now=clock.now(), lease=10)] == [slow]
    clock.advance(11)  # the delivery is slow, not dead: its worker says it is busy with it
    assert await store.claim(now=clock.now(), busy={slow}) == []
    assert [i.id for i in await store.claim(now=clock.now())] == [slow]  # another worker may


async def test_migrations_match_the_table_definitions(sql_store: SqlStore) -> None:
    """A change to storage/tables.py without its Alembic revision fails here."""
    store = sql_store
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    from storage.rate_windows import mapped

    def diff(conn):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(conn, opts={"include_name": mapped})
        return compare_metadata(context, SQLModel.metadata)

    async with store.engine.connect() as conn:
        changes = await conn.run_sync(diff)
    assert changes == []


async def test_a_forgotten_event_key_is_new_again(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    assert await store.remember_event(platform="discord", key="MessagePosted:9", at=clock.now())
    await store.forget_event(platform="discord", key="MessagePosted:9")
    assert await store.remember_event(platform="discord", key="MessagePosted:9", at=clock.now())
