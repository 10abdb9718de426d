"""Copies due to a workspace that paused the bridge (the Slack app uninstalled there, or its
token revoked) are held, not given up: not counted as tries, the channel's later items behind
them, and delivered once, in order, when the workspace comes back; installing the app again
makes them due at once. Over every store (memory, SQLite, PostgreSQL).

The adapter is a recording stand-in that answers ``Paused`` while its workspace is away (what
``TeamClient`` raises for a workspace without a token): the e2e test of the same story is
tests/e2e/test_slack_install.py."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.slack.installs import SqlInstallationStore
from bridge.actions import OutgoingMessage, PostAction, SendResult
from bridge.ids import ChannelRef, MessageCopy, Platform, UserRef
from bridge.pipeline.compose import Composer, NamePolicy
from bridge.pipeline.echo import EchoGuard
from bridge.pipeline.outbox import OutboxSettings, OutboxWorker
from bridge.ports import Capabilities, PartialDelivery, Paused, Store
from bridge.records import OutboxDraft, OutboxStatus
from bridge.testing import ManualClock
from bridge.text import Emoji, doc
from storage.repo_slack_installs import UNINSTALLED, SlackInstallRepo
from storage.repos import SqlStore
from tests.contract.test_store_slack_installs import _installation

ORIGIN = ChannelRef(Platform.DISCORD, "1", "2")
TARGET = ChannelRef(Platform.SLACK, "T02", "C9")
AWAY = "paused: the Slack app was uninstalled from Night Owls; install it again"


class AwaySlack:
    """Posts each part of a message; while ``away`` (from part ``away_from`` on) it answers
    ``Paused``, after the parts before it went out."""

    platform = Platform.SLACK
    capabilities = Capabilities(4000, True, True, False, False, False)

    def __init__(self, parts: int = 1) -> None:
        self.parts = parts
        self.away = True
        self.away_from = 0
        self.shown: list[str] = []  # what the channel shows, in order
        self.refused = 0

    async def post(self, target: ChannelRef, message: OutgoingMessage) -> SendResult:
        ids: list[str] = []
        text = message.text.plain()
        for part in range(message.first_part, self.parts):
            if self.away and part >= self.away_from:
                self.refused += 1
                if ids:
                    raise PartialDelivery(SendResult(tuple(ids)), Paused(AWAY))
                raise Paused(AWAY)
            self.shown.append(f"{text}/{part}")
            ids.append(f"{len(self.shown)}.000")
        return SendResult(tuple(ids))

    async def edit(
        self, target: ChannelRef, copies: Sequence[MessageCopy], message: OutgoingMessage
    ) -> SendResult:
        raise AssertionError("not used")

    async def delete(self, target: ChannelRef, copies: Sequence[MessageCopy]) -> None:
        raise AssertionError("not used")

    async def react(
        self, target: ChannelRef, copy: MessageCopy, emoji: Emoji, *, add: bool
    ) -> None:
        raise AssertionError("not used")


async def _post(store: Store, text: str) -> int:
    group = await store.get_group("p") or await store.create_group(slug="p", name="P")
    author = UserRef(Platform.DISCORD, "1", "7")
    await store.upsert_account(user=author, display_name="alice")
    _, [item_id] = await store.record_message(
        group_id=group.id,
        author=author,
        origin=ORIGIN,
        origin_message_id=text,
        text=doc(text).to_json(),
        fanout=[OutboxDraft(TARGET, PostAction())],
    )
    return item_id


def _worker(store: Store, clock: ManualClock, adapter: AwaySlack) -> OutboxWorker:
    return OutboxWorker(
        store=store,
        adapters={Platform.SLACK: adapter},
        composer=Composer(store, NamePolicy(), 1024),
        echo=EchoGuard(clock),
        clock=clock,
        settings=OutboxSettings(paused_recheck=300.0),
    )


async def test_copies_for_a_paused_workspace_wait_and_arrive_once_in_order(
    store: Store, clock: ManualClock
) -> None:
    adapter = AwaySlack()
    worker = _worker(store, clock, adapter)
    first, second = await _post(store, "one"), await _post(store, "two")
    await worker.drain_once()
    clock.advance(3 * 3600)  # away for hours: well past the outbox's give-up time
    await worker.drain_once()
    held = await store.get_outbox_item(first)
    assert held is not None and held.status is OutboxStatus.PENDING
    assert held.attempts == 0 and (held.last_error or "").startswith("paused:")
    assert adapter.refused == 2 and adapter.shown == []  # only the head was asked, each look
    adapter.away = False
    clock.advance(300)
    while await worker.drain_once():
        pass
    assert adapter.shown == ["one/0", "two/0"]
    for item_id in (first, second):
        item = await store.get_outbox_item(item_id)
        assert item is not None and item.status is OutboxStatus.DONE


async def test_a_split_message_held_midway_resumes_after_its_sent_parts(
    store: Store, clock: ManualClock
) -> None:
    adapter = AwaySlack(parts=3)
    adapter.away_from = 1  # the app was removed while the message was going out
    worker = _worker(store, clock, adapter)
    item_id = await _post(store, "long")
    await worker.drain_once()
    adapter.away = False
    clock.advance(300)
    await worker.drain_once()
    assert adapter.shown == ["long/0", "long/1", "long/2"]  # no part twice
    item = await store.get_outbox_item(item_id)
    assert item is not None and item.status is OutboxStatus.DONE


async def test_installing_the_app_again_makes_held_copies_due_at_once(
    sql_store: SqlStore, clock: ManualClock
) -> None:
    repo = SlackInstallRepo(sql_store.db)
    installs = SqlInstallationStore(repo)
    await installs.async_save(_installation("T02", "xoxb-first"))
    await repo.set_install_status("T02", UNINSTALLED)
    adapter = AwaySlack()
    worker = _worker(sql_store, clock, adapter)
    await _post(sql_store, "while away")
    await worker.drain_once()
    assert await worker.drain_once() == 0  # held: not due again before its next look
    adapter.away = False
    await installs.async_save(_installation("T02", "xoxb-second"))
    assert await worker.drain_once() == 1  # no clock moved: due at the install
    assert adapter.shown == ["while away/0"]
