"""The artist events core over the memory store: an event queues one copy per Slack channel and
per Discord server; two workers' timers send each reminder once; an edit that moves the event
re-arms its reminders; a cancel reaches every copy and channel, once; interest is one per person
and a second Slack click withdraws it; the iCalendar text is escaped and folded as RFC 5545
says; Slack's ``/announce event`` arguments are read with spaces and commas in a place."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from adapters.slack.artist_events import event_fields
from bridge.actions import ArtistEventNoticeAction, ArtistEventSyncAction
from bridge.artist_events import ics
from bridge.artist_events.card import EventCard, event_card
from bridge.artist_events.delivery import ArtistEventDrawer
from bridge.artist_events.model import EventDetails, EventDraft, EventState
from bridge.artist_events.service import ArtistEventService
from bridge.artist_events.timer import ArtistEventTimer
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.once import PostOnce
from bridge.records import OutboxStatus
from bridge.testing import ManualClock, MemoryStore, RecordingAdapter

D1 = ChannelRef(Platform.DISCORD, "900", "901")
D2 = ChannelRef(Platform.DISCORD, "900", "902")  # the same server: one scheduled event
D3 = ChannelRef(Platform.DISCORD, "800", "801")
S1 = ChannelRef(Platform.SLACK, "T1", "C1")
ARTIST = UserRef(Platform.SLACK, "T1", "U1")
FAN_D = UserRef(Platform.DISCORD, "900", "11")
FAN_S = UserRef(Platform.SLACK, "T1", "U2")
DAY, HOUR = 86400.0, 3600.0


@dataclass
class Scene:
    clock: ManualClock
    store: MemoryStore
    service: ArtistEventService
    group_id: int

    async def queued(self) -> list[tuple[str, ChannelRef]]:
        """(action kind, channel) of every pending item, and mark them delivered."""
        rows = [r for r in self.store.tables.outbox.values() if r.status is OutboxStatus.PENDING]
        found = []
        for row in sorted(rows, key=lambda r: r.id):
            if isinstance(row.action, ArtistEventSyncAction | ArtistEventNoticeAction):
                found.append((row.action.kind, row.target))
            await self.store.complete(row.id)
        return found

    def draft(self, starts_in: float) -> EventDraft:
        start = self.clock.now() + starts_in
        details = EventDetails("Live at the Roundhouse", start, start + 3 * HOUR, "Roundhouse")
        return EventDraft(self.group_id, ARTIST, "Artist", details)


@pytest.fixture
async def s() -> Scene:
    clock = ManualClock(1_000_000.0)
    store = MemoryStore(clock)
    group = await store.create_group(slug="fans", name="Fans")
    for channel in (D1, D2, D3, S1):
        await store.link_channel(group_id=group.id, channel=channel)
    return Scene(clock, store, ArtistEventService(store, clock, lambda: None), group.id)


SYNC, NOTICE = "artist_event_sync", "artist_event_notice"


async def test_one_copy_per_slack_channel_and_per_discord_server(s: Scene) -> None:
    event = await s.service.create(s.draft(3 * DAY))
    assert sorted(await s.queued(), key=str) == sorted(
        [(SYNC, D1), (SYNC, D3), (SYNC, S1)], key=str
    )
    assert event.reminded == 0


async def test_two_workers_send_each_reminder_once(s: Scene) -> None:
    event = await s.service.create(s.draft(3 * DAY))
    await s.queued()
    other = ArtistEventService(s.store, s.clock, lambda: None)
    timers = [ArtistEventTimer(s.service), ArtistEventTimer(other)]
    assert await timers[0].fire_due() == event.details.starts_at - DAY
    s.clock.advance(2 * DAY + 1)
    for timer in timers:
        await timer.fire_due()
    notices = await s.queued()
    assert sorted(c.channel for _, c in notices) == ["801", "901", "902", "C1"]
    assert {kind for kind, _ in notices} == {NOTICE}
    s.clock.advance(DAY - HOUR)
    for timer in timers:
        await timer.fire_due()
    assert len(await s.queued()) == 4  # the 1-hour one, once in every channel
    assert [await t.fire_due() for t in timers] == [None, None]  # nothing more to send


async def test_an_edit_that_moves_the_event_rearms_its_reminders(s: Scene) -> None:
    event = await s.service.create(s.draft(2 * HOUR))
    assert event.reminded == 1  # made less than a day ahead: that reminder has passed
    later = replace(event.details, starts_at=event.details.starts_at + 3 * DAY)
    moved = await s.service.edit(event.id, later)
    assert moved is not None and moved.reminded == 0 and moved.details == later
    assert sorted(k for k, _ in await s.queued()) == [SYNC] * 6  # made, then redrawn


async def test_a_cancel_reaches_every_copy_and_channel_once(s: Scene) -> None:
    event = await s.service.create(s.draft(3 * DAY))
    await s.queued()
    cancelled = await s.service.cancel(event.id)
    assert cancelled is not None and cancelled.state is EventState.CANCELLED
    queued = await s.queued()
    assert sorted(k for k, _ in queued) == [NOTICE] * 4 + [SYNC] * 3
    again = await s.service.cancel(event.id)
    assert again is not None and again.version == cancelled.version
    assert await s.queued() == []
    assert await s.service.edit(event.id, event.details) is not None
    assert await s.queued() == []  # a cancelled event is not edited
    assert await s.store.pending_artist_events() == []


async def test_interest_is_one_per_person_and_a_second_click_withdraws(s: Scene) -> None:
    event = await s.service.create(s.draft(3 * DAY))
    await s.queued()
    assert await s.service.interest(event.id, FAN_D, "Fan", on=True) == 1
    assert len(await s.queued()) == 3  # every copy shows the new count
    on_slack = await s.store.upsert_account(user=FAN_S, display_name="Fan")
    on_discord = await s.store.get_account(FAN_D)
    assert on_discord is not None
    await s.store.merge_members(keep=on_discord.member_id, absorb=on_slack.member_id)
    assert await s.service.interest(event.id, FAN_S, "Fan", on=None) == 1  # the same fan
    assert await s.queued() == []  # the count did not move: nothing redrawn
    assert await s.service.interest(event.id, FAN_D, "Fan", on=False) == 1
    assert await s.service.interest(event.id, FAN_S, "Fan", on=None) == 0  # withdrawn
    assert await s.service.interest(event.id + 9, FAN_S, "Fan", on=None) is None


async def test_the_platforms_own_list_brings_the_count_in_line(s: Scene) -> None:
    event = await s.service.create(s.draft(3 * DAY))
    await s.service.interest(event.id, FAN_S, "Fan", on=True)  # a Slack click stays
    await s.service.interest(event.id, FAN_D, "Fan", on=True)  # withdrawn while away
    await s.queued()
    server = ChannelRef(Platform.DISCORD, "900", "900")
    count = await s.service.reconcile(event.id, server, [("12", "New fan"), ("13", "Other")])
    assert count == 3 and len(await s.queued()) == 3  # every copy redrawn
    listed = await s.store.interested_accounts(event.id)
    assert set(listed) == {
        FAN_S,
        UserRef(Platform.DISCORD, "900", "12"),
        UserRef(Platform.DISCORD, "900", "13"),
    }
    assert await s.service.reconcile(event.id, server, [("12", "New fan"), ("13", "Other")]) == 3
    assert await s.queued() == []  # nothing moved: nothing redrawn


async def test_the_calendar_is_escaped_and_folded(s: Scene) -> None:
    draft = s.draft(DAY)
    details = replace(draft.details, title="Rock; Roll, \\ and\nmore " + "é" * 60)
    event = await s.service.create(replace(draft, details=details))
    text = ics.calendar([(event_card(event, interested=2), 0)], name="Fans", host="x", now=0.0)
    lines = text.split("\r\n")
    assert text.endswith("\r\n") and all(len(line.encode()) <= 75 for line in lines)
    unfolded = text.replace("\r\n ", "")
    assert "SUMMARY:Rock\\; Roll\\, \\\\ and\\nmore " + "é" * 60 in unfolded
    assert f"UID:artist-event-{event.id}@x" in unfolded and "STATUS:CONFIRMED" in unfolded
    assert "DTSTART:19700113T" in unfolded  # UTC, with the Z
    assert all(line.endswith("Z") for line in lines if line.startswith("DTSTART"))


def test_slack_arguments_keep_spaces_and_commas() -> None:
    fields = event_fields(
        "Live at the Roundhouse when:tomorrow 20:00 place:Roundhouse, London "
        "tickets:<https://t.example/a|tickets> merch:https://m.example"
    )
    assert fields["action"] == "event" and fields["text"].plain() == "Live at the Roundhouse"
    assert fields["when"] == "tomorrow 20:00"
    assert dict(fields["options"]) == {
        "place": "Roundhouse, London",
        "tickets": "https://t.example/a",
        "merch": "https://m.example",
    }
    edit = event_fields("edit 7 place:none")
    assert (edit["action"], edit["announcement_id"], dict(edit["options"])) == (
        "event_edit",
        7,
        {"place": "none"},
    )
    assert event_fields("cancel #7")["announcement_id"] == 7


class RecordingCopies:
    """A platform's copies that remember each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def post_event(self, channel: ChannelRef, card: EventCard, *, once: PostOnce) -> str:
        self.calls.append(("post", str(card.interested)))
        return f"copy-{channel.channel}"

    async def update_event(self, channel: ChannelRef, copy_id: str, card: EventCard) -> None:
        self.calls.append(("update", str(card.interested)))

    async def post_event_notice(self, channel: ChannelRef, text: str, *, once: PostOnce) -> None:
        self.calls.append(("notice", text))

    async def interested(self, channel: ChannelRef, copy_id: str) -> list[tuple[str, str]] | None:
        return None


async def test_redraws_queued_together_make_one_call(s: Scene) -> None:
    """Three clicks queued before the outbox got to them: the first redraw shows all three,
    the other two change nothing and call nothing."""
    port = RecordingCopies()
    drawer = ArtistEventDrawer(
        s.store, {Platform.SLACK: port, Platform.DISCORD: port}, lambda _: None
    )
    event = await s.service.create(s.draft(3 * DAY))
    await deliver(s, drawer)
    assert port.calls == [("post", "0")] * 3
    for n in range(3):
        await s.service.interest(event.id, UserRef(Platform.SLACK, "T1", f"U{n + 10}"), "", on=True)
    port.calls.clear()
    await deliver(s, drawer)
    assert port.calls == [("update", "3")] * 3  # one per copy, not nine


async def deliver(s: Scene, drawer: ArtistEventDrawer) -> None:
    handlers = drawer.handlers()
    rows = [r for r in s.store.tables.outbox.values() if r.status is OutboxStatus.PENDING]
    for row in sorted(rows, key=lambda r: r.id):
        item = await s.store.get_outbox_item(row.id)
        assert item is not None
        perform = handlers.find(item.action)
        assert perform is not None
        await perform(item, RecordingAdapter(item.target.platform))
        await s.store.complete(row.id)
