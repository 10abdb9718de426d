"""Announcements on the in-memory store with recording adapters: who may announce, where an
announcement goes (the command's channel first, then every channel of the group that receives),
and a scheduled one going out once, at its time, unless it was cancelled or is too late."""

from __future__ import annotations

from bridge.ids import Direction, Role
from tests.unit.core_scene import ALICE, D1, D2, ERIN, MOD, S1, S2, Core

INOUT, IN, OUT = Direction.INOUT, Direction.IN, Direction.OUT


async def _artist(core: Core, group_id: int) -> None:
    account = await core.store.upsert_account(user=ALICE, display_name="Alice")
    await core.store.grant_role(group_id=group_id, member_id=account.member_id, role=Role.ARTIST)


async def test_an_artist_announces_here_and_to_every_channel_that_receives() -> None:
    core = Core()
    group = await core.group((D1, INOUT), (S1, INOUT), (D2, OUT), (S2, IN))
    await _artist(core, group.id)
    reply = await core.announce(D1, ALICE, "New single out Friday!")
    assert reply.text.startswith("📣 Announcement #1 posted here and queued for 2")
    posts = [(c.target, c.text, c.author) for c in core.calls("post")]
    assert posts[0] == (D1, "New single out Friday!", "Alice")  # the origin, in her channel
    assert {p[0] for p in posts[1:]} == {S1, D2}  # not the send-only S2


async def test_an_artist_of_two_groups_reaches_both() -> None:
    core = Core()
    first = await core.group((D1, INOUT), (S1, INOUT))
    second = await core.group((D2, INOUT), (S2, INOUT), name="Others")
    for group in (first, second):
        await _artist(core, group.id)
    await core.announce(D1, ALICE, "Tour dates!")
    assert core.where("post") == {D1, S1, D2, S2}


async def test_a_fan_may_not_announce_and_nothing_is_posted() -> None:
    core = Core()
    await core.group((D1, INOUT), (S1, INOUT))
    reply = await core.announce(S1, ERIN, "Buy my mixtape")
    assert reply.text == "Sorry, only verified artists and group moderators may announce."
    assert core.calls("post") == []


async def test_a_moderator_announces_in_their_groups_channel() -> None:
    core = Core()
    await core.group((D1, INOUT), (S1, INOUT))
    await core.announce(D1, MOD, "Listening party at 8")
    assert [c.target for c in core.calls("post")] == [D1, S1]


async def test_a_scheduled_announcement_goes_out_once_at_its_time() -> None:
    core = Core()
    group = await core.group((D1, INOUT), (S1, INOUT))
    await _artist(core, group.id)
    reply = await core.announce(D1, ALICE, "Doors open", when="in 10m")
    assert reply.text.startswith("⏰ Announcement #1 is scheduled")
    assert core.calls("post") == [] and core.timers.due == {1: core.clock.now() + 600}
    core.clock.advance(300)
    assert await core.scheduled.fire(1) == "not due"  # a timer that fired early waits again
    core.clock.advance(300)
    await core.scheduled.fire(1)
    await core.deliver()
    assert [c.target for c in core.calls("post")] == [D1, S1]
    assert await core.scheduled.fire(1) == "not scheduled"  # sent once
    assert len(core.calls("post")) == 2


async def test_a_cancelled_or_long_missed_announcement_is_never_sent() -> None:
    core = Core()
    group = await core.group((D1, INOUT), (S1, INOUT))
    await _artist(core, group.id)
    await core.announce(D1, ALICE, "Maybe", when="in 1h")
    await core.announce(D1, ALICE, "Too late", when="in 2h")
    cancelled = await core.announce(D1, ALICE, action="cancel", announcement_id=1)
    assert "cancel" in cancelled.text.lower()
    core.clock.advance(2 * 3600 + 601)  # the bridge was down past the 10 minutes' grace
    assert await core.scheduled.fire(1) == "not scheduled"
    assert await core.scheduled.fire(2) == "missed"
    await core.deliver()
    [notice] = core.calls("post")  # only the author hears of it, where they scheduled it
    assert (notice.target, notice.author) == (D1, "fanbridge")
    assert "Too late" in notice.text and "Post it again with `/announce`" in notice.text
