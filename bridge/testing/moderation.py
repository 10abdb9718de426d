"""The modlog in memory: moderation actions, what each did in every linked channel, the ban
state; and a member's recent messages (for purges)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bridge.ids import ChannelRef, Platform, UserRef
from bridge.ports.store import ModAction, ModEffect
from bridge.records import StoredMessage
from bridge.testing.tables import EffectRow, Tables

BAN_KINDS = ("ban", "unban")


class MemoryModeration:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

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
        action_id = self.t.next_id("moderation_action")
        self.t.mod_actions[action_id] = ModAction(
            id=action_id,
            group_id=group_id,
            kind=kind,
            target_member_id=target_member_id,
            target=target,
            actor=actor,
            origin=origin,
            reason=reason[:500],
            message_id=message_id,
            created_at=at,
        )
        return action_id

    async def add_effect(
        self, action_id: int, channel: ChannelRef, *, status: str, detail: str = "", at: float
    ) -> int:
        effect_id = self.t.next_id("moderation_effect")
        self.t.effects[effect_id] = EffectRow(effect_id, action_id, channel, status, detail[:1000])
        return effect_id

    async def set_effect(self, effect_id: int, *, status: str, detail: str, at: float) -> None:
        row = self.t.effects.get(effect_id)
        if row is not None:
            row.status, row.detail = status, detail[:1000]

    async def get_effect(self, effect_id: int) -> ModEffect | None:
        row = self.t.effects.get(effect_id)
        return _effect(row) if row is not None else None

    async def modlog(
        self, group_id: int, *, member_id: int | None = None, limit: int = 10
    ) -> list[ModAction]:
        found = [
            a
            for a in reversed(self.t.mod_actions.values())
            if a.group_id == group_id and member_id in (None, a.target_member_id)
        ][:limit]
        return [replace(a, effects=self._effects_of(a.id)) for a in found]

    def _effects_of(self, action_id: int) -> tuple[ModEffect, ...]:
        return tuple(_effect(e) for e in self.t.effects.values() if e.action_id == action_id)

    async def is_banned(self, group_id: int, member_id: int) -> bool:
        latest = next(
            (
                a.kind
                for a in reversed(self.t.mod_actions.values())
                if (a.group_id, a.target_member_id) == (group_id, member_id) and a.kind in BAN_KINDS
            ),
            None,
        )
        return latest == "ban"

    async def recent_messages_by(
        self, group_id: int, users: Sequence[UserRef], *, since: float
    ) -> list[StoredMessage]:
        """The group's undeleted messages written by any of ``users`` at or after ``since``."""
        wanted = set(users)
        return [
            m
            for m in self.t.messages.values()
            if m.group_id == group_id
            and m.author in wanted
            and m.created_at >= since
            and m.deleted_at is None
        ]


def _effect(row: EffectRow) -> ModEffect:
    return ModEffect(row.id, row.channel, row.status, row.detail)
