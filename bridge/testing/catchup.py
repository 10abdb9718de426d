"""What catch-up reads and keeps, in memory: every link, a channel's recent copies, and the
state remembered between runs."""

from __future__ import annotations

from bridge.ids import ChannelRef, MessageCopy, Platform
from bridge.pipeline.catchup.model import CAUGHT_UP, ChannelMarks
from bridge.records import ChannelLink
from bridge.testing.tables import Tables


class MemoryCatchUp:
    def __init__(self, tables: Tables) -> None:
        self.t = tables
        self.sync_state: dict[str, list[str]] = {}

    async def links_of(self, platform: Platform) -> list[ChannelLink]:
        return [lk for lk in self.t.links.values() if lk.channel.platform is platform]

    async def channel_marks(self, platform: Platform, *, since: float) -> ChannelMarks:
        newest: dict[ChannelRef, str] = {}
        recent: set[ChannelRef] = set()
        for c in self.t.copies.values():
            if c.channel.platform is not platform:
                continue
            if c.is_origin:
                newest[c.channel] = c.platform_message_id
            if c.part == 0 and self._live_since(c.message_id, since):
                recent.add(c.channel)
        prefix = f"{CAUGHT_UP}{platform.value}:"
        caught = {
            ChannelRef(platform, *key[len(prefix) :].rsplit(":", 1)): float(value[0])
            for key, value in self.sync_state.items()
            if key.startswith(prefix) and value
        }
        return ChannelMarks(newest, frozenset(recent), caught)

    async def recent_copies(self, channel: ChannelRef, *, since: float) -> list[MessageCopy]:
        return [
            c
            for c in self.t.copies.values()
            if c.channel == channel and c.part == 0 and self._live_since(c.message_id, since)
        ]

    def _live_since(self, message_id: int, since: float) -> bool:
        message = self.t.messages.get(message_id)
        return message is not None and message.created_at >= since and message.deleted_at is None

    async def get_sync_state(self, key: str) -> list[str] | None:
        found = self.sync_state.get(key)
        return list(found) if found is not None else None

    async def set_sync_state(self, key: str, value: list[str]) -> None:
        self.sync_state[key] = list(value)
