"""Fan groups and their channel links, in memory."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from bridge.errors import ChannelAlreadyLinked, GroupExists
from bridge.ids import ChannelRef, Direction, GroupKind, Platform, Visibility
from bridge.records import ChannelLink, FanGroup
from bridge.testing.tables import Tables

CHANNEL_NAME_MAX = 100


def _kept(name: str | None) -> str | None:
    """A channel name as kept: trimmed, no ``#``, at most 100 characters, None if empty."""
    name = (name or "").strip().lstrip("#")[:CHANNEL_NAME_MAX]
    return name or None


class MemoryGroups:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    async def create_group(
        self,
        *,
        slug: str,
        name: str,
        kind: GroupKind = GroupKind.TOPIC,
        visibility: Visibility = Visibility.PUBLIC,
        created_by: str | None = None,
    ) -> FanGroup:
        if any(g.slug == slug for g in self.t.groups.values()):
            raise GroupExists(slug)
        group_id = self.t.next_id("fan_group")
        group = FanGroup(group_id, slug, name, kind, visibility, created_by, self.t.clock.now())
        self.t.groups[group_id] = group
        return group

    async def get_group(self, slug: str) -> FanGroup | None:
        return next((g for g in self.t.groups.values() if g.slug == slug), None)

    async def get_group_by_id(self, group_id: int) -> FanGroup | None:
        return self.t.groups.get(group_id)

    async def list_groups(self) -> list[FanGroup]:
        return list(self.t.groups.values())

    async def groups_in_workspace(self, platform: Platform, workspace: str) -> list[FanGroup]:
        ids = {
            lk.group_id
            for lk in self.t.links.values()
            if lk.channel.platform is platform and lk.channel.workspace == workspace
        }
        return [g for g in self.t.groups.values() if g.id in ids]

    async def groups_with_setting(self, key: str) -> list[FanGroup]:
        return [g for g in self.t.groups.values() if key in g.settings]

    async def link_channel(
        self,
        *,
        group_id: int,
        channel: ChannelRef,
        direction: Direction = Direction.INOUT,
        linked_by: str | None = None,
        webhook_ref: str | None = None,
        channel_name: str | None = None,
    ) -> ChannelLink:
        existing = self.t.links.get(channel)
        if existing is not None:
            raise ChannelAlreadyLinked(channel, existing.group_id)
        link = ChannelLink(
            group_id=group_id,
            channel=channel,
            direction=direction,
            webhook_ref=webhook_ref,
            linked_by=linked_by,
            linked_at=self.t.clock.now(),
            channel_name=_kept(channel_name),
        )
        self.t.links[channel] = link
        return link

    async def unlink_channel(self, channel: ChannelRef) -> bool:
        return self.t.links.pop(channel, None) is not None

    async def link_for_channel(self, channel: ChannelRef) -> ChannelLink | None:
        return self.t.links.get(channel)

    async def links_for_group(self, group_id: int) -> list[ChannelLink]:
        return [lk for lk in self.t.links.values() if lk.group_id == group_id]

    async def set_webhook_ref(self, channel: ChannelRef, webhook_ref: str | None) -> None:
        link = self.t.links.get(channel)
        if link is not None:
            self.t.links[channel] = replace(link, webhook_ref=webhook_ref)

    async def set_channel_name(self, channel: ChannelRef, name: str | None) -> bool:
        link, kept = self.t.links.get(channel), _kept(name)
        if link is None or link.channel_name == kept:
            return False
        self.t.links[channel] = replace(link, channel_name=kept)
        return True

    async def unnamed_links(self, platform: Platform) -> list[ChannelRef]:
        links = self.t.links.values()
        return [
            lk.channel for lk in links if lk.channel.platform is platform and not lk.channel_name
        ]

    async def set_channel_names(self, names: Mapping[ChannelRef, str]) -> int:
        return sum([await self.set_channel_name(channel, name) for channel, name in names.items()])

    async def update_settings(self, group_id: int, changes: dict[str, Any]) -> None:
        group = self.t.groups.get(group_id)
        if group is not None:
            self.t.groups[group_id] = replace(group, settings={**group.settings, **changes})
