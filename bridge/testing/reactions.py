"""Reactions people made (never the bot's own mirrors), in memory."""

from __future__ import annotations

from bridge.ids import ChannelRef, UserRef
from bridge.pipeline.catchup.model import StoredReaction
from bridge.testing.tables import ReactionRow, Tables


class MemoryReactions:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    async def set_reaction(
        self,
        *,
        message_id: int,
        emoji: str,
        emoji_json: str,
        user: UserRef,
        channel: ChannelRef,
        add: bool,
    ) -> bool:
        """Record an add or a remove; False when it changes nothing (a replayed event)."""
        key = (message_id, emoji, user)
        same = [r for r in self.t.reactions if (r.message_id, r.emoji, r.user) == key]
        if add:
            if same:
                return False
            self.t.reactions.append(ReactionRow(message_id, emoji, emoji_json, user, channel))
            return True
        self.t.reactions[:] = [r for r in self.t.reactions if r not in same]
        return bool(same)

    async def reaction_channels(self, message_id: int, emoji: str) -> set[ChannelRef]:
        return {
            r.channel for r in self.t.reactions if (r.message_id, r.emoji) == (message_id, emoji)
        }

    async def reactions_of(self, message_id: int) -> list[StoredReaction]:
        return [
            StoredReaction(
                key=r.emoji, emoji_json=r.emoji_json, channel=r.channel, user=r.user.user
            )
            for r in self.t.reactions
            if r.message_id == message_id
        ]
