"""Outbox actions across a restart and an upgrade: every kind comes back from the store as it
was queued (every backend), rows queued by the version before actions were typed (plain JSON
without a version) are still delivered after the upgrade, a row this version cannot read is set
aside without holding up its channel, and an effect the platform's adapter cannot perform fails
with why (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from bridge.actions import (
    ACTIONS,
    AnnouncementStyle,
    ArtistEventNoticeAction,
    ArtistEventSyncAction,
    BanAction,
    DeleteAction,
    DigestAction,
    EditAction,
    GrantAction,
    GuildBanAction,
    GuildUnbanAction,
    JoinCardAction,
    KickAction,
    ModCardAction,
    OutboxAction,
    PartyCardAction,
    PartyCardUpdateAction,
    PartyNoticeAction,
    Placement,
    PollCardAction,
    PollCardUpdateAction,
    PollResultsAction,
    PostAction,
    ReactAction,
    ReportCardAction,
    ReportCardUpdateAction,
    SuggestedEffect,
    TimeoutAction,
    UnbanAction,
)
from bridge.announce.release_card import Release
from bridge.events import Attachment
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.moderation.delivery import moderation_handlers
from bridge.pipeline.compose import Composer, NamePolicy
from bridge.pipeline.echo import EchoGuard
from bridge.pipeline.outbox import OutboxWorker
from bridge.ports import ChatAdapter, Store
from bridge.records import OutboxDraft, OutboxStatus
from bridge.testing import ManualClock, RecordingAdapter
from bridge.text import Emoji, doc
from storage.repos import SqlStore
from storage.tables import OutboxRow

ORIGIN = ChannelRef(Platform.SLACK, "T1", "C1")
TARGET = ChannelRef(Platform.DISCORD, "1", "2")
AUTHOR = UserRef(Platform.SLACK, "T1", "U1")
FAN = UserRef(Platform.DISCORD, "1", "42")
SUGGESTED_BAN = BanAction(user="42", group_id=3, member_id=4, reason="spam", effect_id=9)
MOD_CARD = ModCardAction(
    text="Apply?", group_id=3, effects=(SuggestedEffect(TARGET, SUGGESTED_BAN),)
)
EVERY_KIND: list[OutboxAction] = [
    PostAction(
        message_id=7,
        attachments=(Attachment("https://cdn.example/a.png", "a.png", 3, "image/png"),),
        placement=Placement(5, "thread"),
        announce=AnnouncementStyle(
            image_url="https://cdn.example/cover.png",
            pin=True,
            release=Release("Song", ("Band",), "track", None, (("Spotify", "https://s/1"),)),
        ),
    ),
    EditAction(message_id=7, announce=AnnouncementStyle(image_url=None)),
    DeleteAction(message_id=7, effect_id=8),
    ReactAction(message_id=7, emoji=Emoji("party", "🎉", ""), add=False),
    SUGGESTED_BAN,
    UnbanAction(user="42", group_id=3, member_id=4),
    GuildBanAction(user="42", group_id=3, member_id=4, reason="raid", effect_id=10),
    GuildUnbanAction(user="42", group_id=3, member_id=4, effect_id=11),
    TimeoutAction(user="42", until=1_900_000_000.5, effect_id=12),
    KickAction(user="U9", scope="guild", reason="spam", effect_id=13),
    MOD_CARD,
    ReportCardAction(report_id=14),
    ReportCardUpdateAction(report_id=14),
    JoinCardAction(request_id=15, text="erin asks to join"),
    GrantAction(group_id=3, member_id=4, user=FAN, channels=(TARGET,), effect_ids=(16,)),
    PartyCardAction(party_id=5, index=2),
    PartyCardUpdateAction(party_id=5, index=1),
    PartyNoticeAction(party_id=5, text="⏰ Listening party with Dave starts in 1 hour"),
    PollCardAction(poll_id=3),
    PollCardUpdateAction(poll_id=3),
    PollResultsAction(poll_id=3),
    DigestAction(group_id=3, week="2026-W50"),
    ArtistEventSyncAction(event_id=4),
    ArtistEventNoticeAction(event_id=4, text="⏰ *Live at the Roundhouse* starts in 1 hour"),
]


def _worker(store: Store, adapter: ChatAdapter, clock: ManualClock) -> OutboxWorker:
    worker = OutboxWorker(
        store=store,
        adapters={adapter.platform: adapter},
        composer=Composer(store, NamePolicy(), 1024),
        echo=EchoGuard(clock),
        clock=clock,
    )
    worker.register(moderation_handlers(store))
    return worker


async def _queued_before_the_upgrade(
    store: SqlStore, target: ChannelRef, action: dict[str, Any]
) -> int:
    """An outbox row as the version before typed actions wrote it."""
    now = store.clock.now()
    row = OutboxRow(
        target_platform=target.platform.value,
        target_workspace=target.workspace,
        target_channel=target.channel,
        action=action,
        next_attempt_at=now,
        created_at=now,
    )
    async with store.session() as s:
        s.add(row)
        await s.flush()
        assert row.id is not None
        return row.id


async def test_every_action_kind_comes_back_from_the_store_as_queued(
    store: Store, clock: ManualClock
) -> None:
    assert {type(a) for a in EVERY_KIND} == set(ACTIONS.kinds())
    channels = [ChannelRef(Platform.DISCORD, "1", str(n)) for n in range(len(EVERY_KIND))]
    drafts = [OutboxDraft(c, a) for c, a in zip(channels, EVERY_KIND, strict=True)]
    await store.enqueue(drafts, at=clock.now())
    claimed = await store.claim(now=clock.now(), limit=100)
    assert [i.action for i in claimed] == EVERY_KIND


async def test_a_post_queued_before_the_upgrade_is_delivered_after_it(
    sql_store: SqlStore, clock: ManualClock
) -> None:
    group = await sql_store.create_group(slug="up", name="Up")
    await sql_store.upsert_account(user=AUTHOR, display_name="grace")
    message, _ = await sql_store.record_message(
        group_id=group.id,
        author=AUTHOR,
        origin=ORIGIN,
        origin_message_id="1.0",
        text=doc("queued before the upgrade").to_json(),
    )
    old = {"kind": "post", "attachments": [], "message_id": message.id}
    item_id = await _queued_before_the_upgrade(sql_store, TARGET, old)
    adapter = RecordingAdapter(Platform.DISCORD)
    assert await _worker(sql_store, adapter, clock).drain_once() == 1
    [post] = adapter.of("post")
    assert (post.target, post.text, post.author) == (TARGET, "queued before the upgrade", "grace")
    copies = await sql_store.copies_of(message.id)
    assert [c.platform_message_id for c in copies if c.channel == TARGET] == list(post.copies)
    item = await sql_store.get_outbox_item(item_id)
    assert item is not None and item.status is OutboxStatus.DONE


async def test_a_suggestion_card_queued_before_the_upgrade_still_holds_its_ban(
    sql_store: SqlStore,
) -> None:
    """A moderator may press Apply on a card posted before the upgrade: the ban it holds back
    is read as the ban it was."""
    ban = {"kind": "ban", "user": "42", "effect_id": 9, "group_id": 3, "member_id": 4}
    held = [{"target": TARGET.to_json(), "action": ban | {"reason": "spam"}}]
    old = {"kind": "mod_card", "text": "Apply?", "group_id": 3, "drafts": held}
    card_id = await _queued_before_the_upgrade(sql_store, TARGET, old)
    card = await sql_store.get_outbox_item(card_id)
    assert card is not None
    assert card.action == MOD_CARD


async def test_a_row_this_version_cannot_read_is_set_aside_and_the_channel_goes_on(
    sql_store: SqlStore, clock: ManualClock
) -> None:
    group = await sql_store.create_group(slug="odd", name="Odd")
    message, _ = await sql_store.record_message(
        group_id=group.id,
        author=AUTHOR,
        origin=ORIGIN,
        origin_message_id="2.0",
        text=doc("after the odd one").to_json(),
    )
    odd = await _queued_before_the_upgrade(sql_store, TARGET, {"kind": "poll", "v": 3})
    newer = {"kind": "post", "v": 99, "message_id": message.id}
    too_new = await _queued_before_the_upgrade(sql_store, TARGET, newer)
    [fine] = await sql_store.enqueue(
        [OutboxDraft(TARGET, PostAction(message_id=message.id))], at=clock.now()
    )
    adapter = RecordingAdapter(Platform.DISCORD)
    worker = _worker(sql_store, adapter, clock)
    while await worker.drain_once():
        pass
    assert [c.text for c in adapter.of("post")] == ["after the odd one"]
    dead = [await sql_store.get_outbox_item(i) for i in (odd, too_new)]
    assert [(d.status, d.last_error) for d in dead if d] == [
        (OutboxStatus.DEAD, "unknown action 'poll'"),
        (OutboxStatus.DEAD, "post version 99 unknown"),
    ]
    done = await sql_store.get_outbox_item(fine)
    assert done is not None and done.status is OutboxStatus.DONE


class PlainSlack:
    """A chat adapter with no optional ability (no timeouts, kicks, guild bans, cards)."""

    def __init__(self) -> None:
        self.inner = RecordingAdapter(Platform.SLACK)
        self.platform = Platform.SLACK
        self.capabilities = self.inner.capabilities
        self.post, self.edit, self.delete = self.inner.post, self.inner.edit, self.inner.delete
        self.react, self.ban, self.unban = self.inner.react, self.inner.ban, self.inner.unban


async def test_an_effect_the_platform_cannot_perform_fails_in_the_modlog_with_why(
    sql_store: SqlStore, clock: ManualClock
) -> None:
    group = await sql_store.create_group(slug="mod", name="Mod")
    action = await sql_store.record_action(
        group_id=group.id,
        kind="timeout",
        target_member_id=None,
        target=str(FAN),
        actor=None,
        origin=Platform.DISCORD,
        at=clock.now(),
    )
    effect = await sql_store.add_effect(action, ORIGIN, status="pending", at=clock.now())
    timeout = TimeoutAction(user="U1", until=clock.now() + 600, effect_id=effect)
    [item_id] = await sql_store.enqueue([OutboxDraft(ORIGIN, timeout)], at=clock.now())
    adapter = PlainSlack()
    assert await _worker(sql_store, adapter, clock).drain_once() == 1
    assert adapter.inner.calls == []
    [logged] = await sql_store.modlog(group.id)
    assert [(e.status, e.detail) for e in logged.effects] == [("failed", "slack cannot timeout")]
    item = await sql_store.get_outbox_item(item_id)
    assert item is not None and item.status is OutboxStatus.DEAD
