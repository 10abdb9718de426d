"""Reactions people made (never the bot's own mirrors)."""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select

from bridge.ids import ChannelRef, Platform, UserRef
from storage.base import RepoBase
from storage.tables import ReactionRow


def _same(message_id: int, emoji: str) -> ColumnElement[bool]:
    return (col(ReactionRow.message_id) == message_id) & (col(ReactionRow.emoji) == emoji)


class ReactionRepo(RepoBase):
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
        if add:
            row = ReactionRow(
                message_id=message_id,
                emoji=emoji,
                platform=user.platform.value,
                workspace_id=user.workspace,
                channel_id=channel.channel,
                user_id=user.user,
                emoji_json=emoji_json,
                created_at=self.clock.now(),
            )
            try:
                async with self.session() as s:
                    s.add(row)
            except IntegrityError:
                return False
            return True
        async with self.session() as s:
            result = await s.exec(
                delete(ReactionRow).where(
                    _same(message_id, emoji)
                    & (col(ReactionRow.platform) == user.platform.value)
                    & (col(ReactionRow.workspace_id) == user.workspace)
                    & (col(ReactionRow.user_id) == user.user)
                )
            )
            return bool(result.rowcount)

    async def reaction_channels(self, message_id: int, emoji: str) -> set[ChannelRef]:
        """The channels in which someone has this emoji on the message."""
        query = select(ReactionRow).where(_same(message_id, emoji))
        async with self.session() as s:
            rows = (await s.exec(query)).all()
        return {ChannelRef(Platform(r.platform), r.workspace_id, r.channel_id) for r in rows}
