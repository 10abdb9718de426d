"""Apply the config's [[groups]] seeds to the store (idempotent)."""

from __future__ import annotations

import logging

from adapters.config import GroupSeed
from bridge.errors import ChannelAlreadyLinked, GroupExists
from bridge.ids import ChannelRef, Direction, GroupKind, Platform, Visibility
from bridge.ports import Store

log = logging.getLogger(__name__)


async def seed_groups(store: Store, seeds: list[GroupSeed]) -> None:
    for seed in seeds:
        group = await store.get_group(seed.slug)
        if group is None:
            try:
                group = await store.create_group(
                    slug=seed.slug,
                    name=seed.name,
                    kind=GroupKind(seed.kind),
                    visibility=Visibility(seed.visibility),
                    created_by="config",
                )
            except GroupExists:
                group = await store.get_group(seed.slug)
        assert group is not None
        if group.settings.get("music_links", True) != seed.music_links:
            await store.update_settings(group.id, {"music_links": seed.music_links})
        for channel in seed.channels:
            ref = ChannelRef(Platform(channel.platform), channel.workspace, channel.channel)
            try:
                await store.link_channel(
                    group_id=group.id,
                    channel=ref,
                    direction=Direction(channel.direction),
                    linked_by="config",
                )
            except ChannelAlreadyLinked as exc:
                if exc.group_id != group.id:
                    log.warning("config: %s is linked to another group; left as it is", ref)
