"""Announcements in the store (SQLite and PostgreSQL): drafts round-trip, the list puts
scheduled ones first by due time, and the status moves by compare-and-set, so of two bridges
claiming the same scheduled post exactly one wins."""

from __future__ import annotations

import asyncio

from bridge.announce.model import AnnouncementDraft, AnnouncementStatus
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.text import Document, Text
from storage.repos import SqlStore

DAVE = UserRef(Platform.DISCORD, "g1", "u-dave")
GENERAL = ChannelRef(Platform.DISCORD, "g1", "c1")
S, SENDING = AnnouncementStatus.SCHEDULED, AnnouncementStatus.SENDING


def draft(text: str, due_at: float | None, groups: tuple[int, ...] = (1,)) -> AnnouncementDraft:
    return AnnouncementDraft(
        group_ids=groups,
        author=DAVE,
        channel=GENERAL,
        display_name="Dave",
        avatar_url=None,
        text=Document((Text(text),)).to_json(),
        link="https://www.deezer.com/track/1",
        image_url="https://img.example/x.png",
        pin=True,
        due_at=due_at,
        zone="Europe/Paris",
    )


async def test_a_scheduled_announcement_round_trips(store: SqlStore) -> None:
    made = await store.create_announcement(draft("Tour!", 2_000.0), status=S, at=1_000.0)
    got = await store.get_announcement(made.id)
    assert got is not None and got.draft == made.draft and got.status is S
    assert Document.from_json(got.draft.text).plain() == "Tour!"
    assert [a.id for a in await store.scheduled_announcements()] == [made.id]


async def test_the_list_shows_scheduled_first_by_due_time_and_only_my_groups(
    store: SqlStore,
) -> None:
    late = await store.create_announcement(draft("late", 9_000.0), status=S, at=1.0)
    soon = await store.create_announcement(draft("soon", 5_000.0), status=S, at=2.0)
    sent = await store.create_announcement(draft("sent", None), status=SENDING, at=3.0)
    await store.create_announcement(draft("other group", 4_000.0, groups=(7,)), status=S, at=4.0)
    listed = await store.list_announcements([1, 2])
    assert [a.id for a in listed] == [soon.id, late.id, sent.id]


async def test_only_one_of_two_concurrent_claims_wins(store: SqlStore) -> None:
    made = await store.create_announcement(draft("once", 2_000.0), status=S, at=1_000.0)
    results = await asyncio.gather(
        *(
            store.move_announcement(made.id, old=S, new=SENDING, at=2_000.0, by=f"bridge-{i}")
            for i in range(5)
        )
    )
    assert sorted(results) == [False, False, False, False, True]
    got = await store.get_announcement(made.id)
    assert got is not None and got.status is SENDING and got.claimed_by is not None
    assert await store.scheduled_announcements() == []


async def test_a_member_zone_follows_the_person(store: SqlStore) -> None:
    assert await store.member_zone(DAVE) is None
    assert not await store.set_member_zone(DAVE, "Asia/Tokyo")  # unknown account: nothing set
    await store.upsert_account(user=DAVE, display_name="Dave")
    assert await store.set_member_zone(DAVE, "Asia/Tokyo")
    assert await store.member_zone(DAVE) == "Asia/Tokyo"
