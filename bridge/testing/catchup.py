"""What catch-up reads and keeps, in memory: every link, a channel's recent copies, and the
state remembered between runs."""

from __future__ import annotations

from bridge.ids import ChannelRef, MessageCopy
from bridge.records import ChannelLink
from bridge.testing.tables import Tables


class MemoryCatchUp:
    def __init__(self, tables: Tables) -> None:
        self.t = tables
        self.sync_state: dict[str, list[str]] = {}

    async def list_links(self) -> list[ChannelLink]:
        return list(self.t.links.values())

    async def newest_origin(self, channel: ChannelRef) -> MessageCopy | None:
        origins = [c for c in self.t.copies.values() if c.channel == channel and c.is_origin]
        return origins[-1] if origins else None

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
