"""The outbox worker's delivery rules over a real store (SQLite and PostgreSQL).

The adapter here is a recording stand-in: the emulators cannot fail the third webhook call of one
message and not the others, and that is exactly the case under test.
"""

from __future__ import annotations

from collections.abc import Sequence

from bridge.actions import OutgoingMessage, PostAction, SendResult
from bridge.ids import ChannelRef, MessageCopy, Platform, UserRef
from bridge.pipeline.compose import Composer, NamePolicy
from bridge.pipeline.echo import EchoGuard
from bridge.pipeline.outbox import OutboxSettings, OutboxWorker
from bridge.ports import Capabilities, PartialDelivery, TransientError
from bridge.records import OutboxDraft, OutboxStatus
from bridge.text import Emoji, doc
from storage.repos import SqlStore

ORIGIN = ChannelRef(Platform.SLACK, "T1", "C1")
TARGET = ChannelRef(Platform.DISCORD, "1", "2")
PARTS = ["p0", "p1", "p2", "p3", "p4"]


class FlakyDiscord:
    """Sends the parts of a message; the first attempt dies after two parts."""

    platform = Platform.DISCORD
    capabilities = Capabilities(2000, True, True, True, False, True)

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.calls = 0

    async def post(self, target: ChannelRef, message: OutgoingMessage) -> SendResult:
        self.calls += 1
        ids: list[str] = []
        for index, part in enumerate(PARTS):
            if index < message.first_part:
                continue
            if self.calls == 1 and index == 2:
                raise PartialDelivery(SendResult(tuple(ids)), TransientError("HTTP 500"))
            self.sent.append(part)
            ids.append(f"id-{part}")
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


async def test_a_split_message_resumes_after_the_parts_already_sent(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    group = await store.create_group(slug="p", name="P")
    author = UserRef(Platform.SLACK, "T1", "U1")
    await store.upsert_account(user=author, display_name="grace")
    message, [item_id] = await store.record_message(
        group_id=group.id,
        author=author,
        origin=ORIGIN,
        origin_message_id="1.0",
        text=doc("long").to_json(),
        fanout=[OutboxDraft(TARGET, PostAction())],
    )
    adapter = FlakyDiscord()
    worker = OutboxWorker(
        store=store,
        adapters={Platform.DISCORD: adapter},
        composer=Composer(store, NamePolicy(), 1024),
        echo=EchoGuard(clock),
        clock=clock,
        settings=OutboxSettings(base_backoff=1.0),
    )
    await worker.drain_once()
    clock.advance(120)
    await worker.drain_once()
    copies = await store.copies_of(message.id)
    delivered = [(c.part, c.platform_message_id) for c in copies if not c.is_origin]
    assert delivered == [(i, f"id-p{i}") for i in range(5)]
    assert adapter.sent == PARTS  # every part exactly once
    item = await store.get_outbox_item(item_id)
    assert item is not None and item.status is OutboxStatus.DONE
