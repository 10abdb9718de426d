"""Naming linked channels: what a Slack slash command's channel name means, and the start-up
look-up of names (one channel failing to answer does not stop the others being named)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.channel_names import fill_channel_names
from adapters.slack.convert import command_channel_name
from bridge.ids import ChannelRef, Platform
from storage.repos import SqlStore


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("general", "general"),
        ("privategroup", ""),  # what Slack sends from a private channel: not its name
        ("directmessage", ""),
        ("mpdm-erin--frank-1", ""),
        ("", ""),
    ],
)
def test_a_slash_commands_channel_name(sent: str, kept: str) -> None:
    assert command_channel_name({"channel_id": "C1", "channel_name": sent}) == kept


async def test_start_up_names_linked_channels_that_have_none(tmp_path: Path) -> None:
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path / 'names.db'}")
    try:
        group = await store.create_group(slug="fans", name="Fans")
        named = ChannelRef(Platform.DISCORD, "1", "10")
        broken = ChannelRef(Platform.DISCORD, "1", "11")
        slack = ChannelRef(Platform.SLACK, "T1", "C1")
        await store.link_channel(group_id=group.id, channel=named, channel_name="kept")
        await store.link_channel(group_id=group.id, channel=broken)
        await store.link_channel(group_id=group.id, channel=slack)
        asked: list[ChannelRef] = []

        async def discord(channel: ChannelRef) -> str | None:
            asked.append(channel)
            raise ConnectionError("gateway gone")

        async def slack_names(channel: ChannelRef) -> str | None:
            asked.append(channel)
            return "general"

        lookups = {Platform.DISCORD: discord, Platform.SLACK: slack_names}
        assert await fill_channel_names(store, lookups) == 1
        assert asked == [broken, slack]  # a channel already named is not asked again
        names = [lk.channel_name for lk in await store.links_for_group(group.id)]
        assert names == ["kept", None, "general"]
    finally:
        await store.close()
