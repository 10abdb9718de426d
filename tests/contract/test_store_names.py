"""The channel-naming pass's store calls on every backend: the unnamed links of a platform in
one query, a page of names in one write, and the very next read shows them (only the renamed
links leave the cache)."""

from __future__ import annotations

from typing import Any

from bridge.ids import ChannelRef, Platform

S = [ChannelRef(Platform.SLACK, "T1", f"C{i}") for i in range(5)]
D1 = ChannelRef(Platform.DISCORD, "G1", "100")


async def test_names_are_written_by_the_page_and_read_back_at_once(store: Any) -> None:
    group = await store.create_group(slug="fans", name="Fans")
    other = await store.create_group(slug="others", name="Others")
    for i, channel in enumerate(S):
        await store.link_channel(group_id=(group if i % 2 else other).id, channel=channel)
    await store.link_channel(group_id=group.id, channel=D1, channel_name="general")
    assert sorted(c.channel for c in await store.unnamed_links(Platform.SLACK)) == [
        c.channel for c in S
    ]
    assert await store.unnamed_links(Platform.DISCORD) == []
    await store.links_for_group(group.id)  # cached before the names arrive
    await store.link_for_channel(S[1])
    unlinked = ChannelRef(Platform.SLACK, "T1", "C99")
    page = {S[0]: "zero", S[1]: "#one", S[2]: "two", unlinked: "nobody"}
    assert await store.set_channel_names(page) == 3
    assert await store.set_channel_names({S[0]: "zero"}) == 0  # nothing changed
    assert (await store.link_for_channel(S[1])).channel_name == "one"
    names = {lk.channel: lk.channel_name for lk in await store.links_for_group(group.id)}
    assert names[S[1]] == "one" and names[S[3]] is None
    assert sorted(c.channel for c in await store.unnamed_links(Platform.SLACK)) == ["C3", "C4"]
    assert await store.link_for_channel(unlinked) is None
