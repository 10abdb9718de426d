"""The modlog: moderation actions and what each did on every linked channel; a member's recent
messages in a group (what a purge deletes)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select

from bridge.ids import ChannelRef, Platform, UserRef
from bridge.ports import ModAction, ModEffect
from bridge.records import StoredMessage
from storage import convert
from storage.base import RepoBase
from storage.tables import MessageRow, ModerationActionRow, ModerationEffectRow

BAN_KINDS = ("ban", "unban")


def _effect(row: ModerationEffectRow) -> ModEffect:
    assert row.id is not None
    channel = ChannelRef(Platform(row.platform), row.workspace_id, row.channel_id or "")
    return ModEffect(row.id, channel, row.status, row.detail)


def _action(row: ModerationActionRow, effects: tuple[ModEffect, ...]) -> ModAction:
    assert row.id is not None
    return ModAction(
        id=row.id,
        group_id=row.group_id,
        kind=row.kind,
        target_member_id=row.target_member_id,
        target=row.target_account,
        actor=row.actor,
        origin=Platform(row.origin_platform),
        reason=row.reason,
        message_id=row.message_id,
        created_at=row.created_at,
        effects=effects,
    )


class ModerationRepo(RepoBase):
    async def record_action(
        self,
        *,
        group_id: int,
        kind: str,
        target_member_id: int | None,
        target: str | None,
        actor: str | None,
        origin: Platform,
        reason: str = "",
        message_id: int | None = None,
        at: float,
    ) -> int:
        row = ModerationActionRow(
            group_id=group_id,
            kind=kind,
            target_member_id=target_member_id,
            target_account=target,
            actor=actor,
            origin_platform=origin.value,
            reason=reason[:500],
            message_id=message_id,
            created_at=at,
        )
        async with self.session() as s:
            s.add(row)
            await s.flush()
            assert row.id is not None
            return row.id

    async def add_effect(
        self, action_id: int, channel: ChannelRef, *, status: str, detail: str = "", at: float
    ) -> int:
        row = ModerationEffectRow(
            action_id=action_id,
            platform=channel.platform.value,
            workspace_id=channel.workspace,
            channel_id=channel.channel or None,
            status=status,
            detail=detail[:1000],
            updated_at=at,
        )
        async with self.session() as s:
            s.add(row)
            await s.flush()
            assert row.id is not None
            return row.id

    async def set_effect(self, effect_id: int, *, status: str, detail: str, at: float) -> None:
        async with self.session() as s:
            row = await s.get(ModerationEffectRow, effect_id)
            if row is not None:
                row.status, row.detail, row.updated_at = status, detail[:1000], at
                s.add(row)

    async def modlog(
        self, group_id: int, *, member_id: int | None = None, limit: int = 10
    ) -> list[ModAction]:
        query = select(ModerationActionRow).where(ModerationActionRow.group_id == group_id)
        if member_id is not None:
            query = query.where(ModerationActionRow.target_member_id == member_id)
        query = query.order_by(col(ModerationActionRow.id).desc()).limit(limit)
        async with self.session() as s:
            rows = list((await s.exec(query)).all())
            ids = [r.id for r in rows]
            effects = select(ModerationEffectRow).where(col(ModerationEffectRow.action_id).in_(ids))
            found = list((await s.exec(effects.order_by(col(ModerationEffectRow.id)))).all())
        by_action: dict[int, list[ModEffect]] = {}
        for effect in found:
            by_action.setdefault(effect.action_id, []).append(_effect(effect))
        return [_action(r, tuple(by_action.get(r.id or 0, ()))) for r in rows]

    async def is_banned(self, group_id: int, member_id: int) -> bool:
        region = self.cache.region("bans", "moderation_action")
        key = (group_id, member_id)
        return await self.cached(region, key, lambda: self._is_banned(group_id, member_id))

    async def _is_banned(self, group_id: int, member_id: int) -> bool:
        query = (
            select(ModerationActionRow.kind)
            .where(
                (col(ModerationActionRow.group_id) == group_id)
                & (col(ModerationActionRow.target_member_id) == member_id)
                & col(ModerationActionRow.kind).in_(BAN_KINDS)
            )
            .order_by(col(ModerationActionRow.id).desc())
            .limit(1)
        )
        async with self.session() as s:
            latest = (await s.exec(query)).first()
        return latest == "ban"

    async def get_effect(self, effect_id: int) -> ModEffect | None:
        async with self.session() as s:
            row = await s.get(ModerationEffectRow, effect_id)
        return _effect(row) if row is not None and row.id is not None else None

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
