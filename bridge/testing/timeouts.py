"""A group's timeouts in memory, one per member."""

from __future__ import annotations

from bridge.ports.store import MemberTimeout
from bridge.testing.tables import Tables

REASON_MAX = 500


class MemoryTimeouts:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    async def set_timeout(
        self,
        *,
        group_id: int,
        member_id: int,
        until: float,
        actor: str | None,
        reason: str = "",
        at: float,
    ) -> None:
        kept = MemberTimeout(group_id, member_id, until, actor, reason[:REASON_MAX], at)
        self.t.timeouts[(group_id, member_id)] = kept

    async def lift_timeout(self, group_id: int, member_id: int) -> bool:
        return self.t.timeouts.pop((group_id, member_id), None) is not None

    async def get_timeout(self, group_id: int, member_id: int) -> MemberTimeout | None:
        return self.t.timeouts.get((group_id, member_id))

    async def timeouts_in_group(self, group_id: int) -> list[MemberTimeout]:
        found = [t for (g, _), t in self.t.timeouts.items() if g == group_id]
        return sorted(found, key=lambda t: t.member_id)
