"""Queries for the second moderation slice: a member's recent messages in a group (purge) and
one modlog effect (the suggestion cards check it is still waiting). Timeouts themselves are
kept in the group's settings (``timeouts``: member id -> expiry), so no table is needed."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select

from bridge.ids import ChannelRef, Platform, UserRef
from bridge.ports import ModEffect
from bridge.records import StoredMessage
from storage import convert
from storage.base import RepoBase
from storage.tables import MessageRow, ModerationEffectRow


class TimeoutRepo(RepoBase):
    async def recent_messages_by(
        self, group_id: int, users: Sequence[UserRef], *, since: float
    ) -> list[StoredMessage]:
        """The group's undeleted messages written by any of ``users`` at or after ``since``."""
        if not users:
            return []
        found: list[StoredMessage] = []
        async with self.session() as s:
            for user in users:
                query = select(MessageRow).where(
                    (col(MessageRow.group_id) == group_id)
                    & (col(MessageRow.author_platform) == user.platform.value)
                    & (col(MessageRow.author_workspace) == user.workspace)
                    & (col(MessageRow.author_user) == user.user)
                    & (col(MessageRow.created_at) >= since)
                    & col(MessageRow.deleted_at).is_(None)
                )
                found.extend(convert.message(r) for r in (await s.exec(query)).all())
        return sorted(found, key=lambda m: m.id)

    async def get_effect(self, effect_id: int) -> ModEffect | None:
        async with self.session() as s:
            row = await s.get(ModerationEffectRow, effect_id)
        if row is None or row.id is None:
            return None
        channel = ChannelRef(Platform(row.platform), row.workspace_id, row.channel_id or "")
        return ModEffect(id=row.id, channel=channel, status=row.status, detail=row.detail)
