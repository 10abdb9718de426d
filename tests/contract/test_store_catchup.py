"""What catch-up asks the store before reading any channel, on every backend: a platform's
links in one call, and for all its channels at once the last post people made there that the
bridge recorded and which channels hold a live copy recorded in the window."""

from __future__ import annotations

from typing import Any

from bridge.ids import ChannelRef, Platform, UserRef
from bridge.pipeline.catchup.model import caught_up_key
from bridge.testing.clock import ManualClock

D = [ChannelRef(Platform.DISCORD, "G1", str(100 + i)) for i in range(4)]
S = ChannelRef(Platform.SLACK, "T1", "C1")
ALICE = UserRef(Platform.DISCORD, "G1", "7")


async def _post(store: Any, group_id: int, channel: ChannelRef, message_id: str) -> int:
    message, _ = await store.record_message(
        group_id=group_id, author=ALICE, origin=channel, origin_message_id=message_id, text="hi"
    )
    return int(message.id)


async def test_links_of_a_platform_come_in_one_call(store: Any) -> None:
    group = await store.create_group(slug="fans", name="Fans")
    for channel in (*D, S):
        await store.link_channel(group_id=group.id, channel=channel, channel_name="general")
    discord = await store.links_of(Platform.DISCORD)
    assert [lk.channel for lk in discord] == D
    assert {lk.channel_name for lk in discord} == {"general"}
    assert [lk.channel for lk in await store.links_of(Platform.SLACK)] == [S]


async def test_marks_name_the_newest_post_and_the_channels_with_recent_copies(
    store: Any, clock: ManualClock
) -> None:
    group = await store.create_group(slug="fans", name="Fans")
    for channel in (*D, S):
        await store.link_channel(group_id=group.id, channel=channel)
    old = await _post(store, group.id, D[0], "1000")
    await store.add_copy(message_id=old, channel=D[1], platform_message_id="1001")
    since = clock.now() + 1
    clock.advance(10)
    await _post(store, group.id, D[0], "2000")  # the newest post in D[0], within the window
    fresh = await _post(store, group.id, D[2], "3000")
    await store.add_copy(message_id=fresh, channel=D[3], platform_message_id="3001")
    gone = await _post(store, group.id, S, "1.5")
    await store.mark_deleted(gone, at=clock.now())

    marks = await store.channel_marks(Platform.DISCORD, since=since)
    assert marks.newest_origin == {D[0]: "2000", D[2]: "3000"}  # relayed copies are not posts
    assert marks.recent == {D[0], D[2], D[3]}  # D[1] holds only an older copy
    slack = await store.channel_marks(Platform.SLACK, since=since)
    assert slack.newest_origin == {S: "1.5"} and slack.recent == frozenset()  # deleted


async def test_marks_say_when_each_channel_was_last_caught_up(store: Any) -> None:
    """One key range read for every channel of the platform, whatever its workspace."""
    other = ChannelRef(Platform.SLACK, "T2", "C9")
    await store.set_sync_state(caught_up_key(S), ["1700000000.500000"])
    await store.set_sync_state(caught_up_key(S), ["1700000100.250000"])  # the latest one
    await store.set_sync_state(caught_up_key(other), ["1700000050.000000"])
    await store.set_sync_state(caught_up_key(D[0]), ["1700000070.000000"])
    await store.set_sync_state("bans:slack:T1", ["U1"])  # other state is not a mark
    slack = await store.channel_marks(Platform.SLACK, since=0.0)
    assert slack.caught_up == {S: 1700000100.25, other: 1700000050.0}
    discord = await store.channel_marks(Platform.DISCORD, since=0.0)
    assert discord.caught_up == {D[0]: 1700000070.0}
