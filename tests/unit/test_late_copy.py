"""A copy relayed more than a minute after its original (caught up after a restart or an
outage) says when the original was posted; a prompt one says nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from bridge.ids import ChannelRef, Platform
from bridge.pipeline.compose import with_posted_at
from bridge.records import StoredMessage
from bridge.text import Document, Text

POSTED = datetime(2026, 12, 6, 14, 2, tzinfo=UTC).timestamp()


def stored(*, posted_at: float | None, recorded_after: float) -> StoredMessage:
    return StoredMessage(
        id=1,
        group_id=1,
        author=None,
        origin=ChannelRef(Platform.DISCORD, "1", "2"),
        origin_message_id="3",
        parent_id=None,
        text="{}",
        created_at=(posted_at or POSTED) + recorded_after,
        edited_at=None,
        deleted_at=None,
        posted_at=posted_at,
    )


def test_a_copy_caught_up_hours_later_says_when_the_original_was_posted() -> None:
    text = with_posted_at(
        Document((Text("see you there"),)), stored(posted_at=POSTED, recorded_after=3 * 3600)
    )
    assert text.plain().splitlines() == ["see you there", "originally posted 2026-12-06 14:02 UTC"]


def test_a_prompt_copy_or_one_without_a_known_time_says_nothing() -> None:
    original = Document((Text("see you there"),))
    assert with_posted_at(original, stored(posted_at=POSTED, recorded_after=2.0)) == original
    assert with_posted_at(original, stored(posted_at=None, recorded_after=3600)) == original
