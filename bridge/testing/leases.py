"""Leases in memory: taken when free or expired, renewed only by their holder."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridge.ports.store import Lease
from bridge.testing.tables import Tables


class MemoryLeases:
    def __init__(self, tables: Tables) -> None:
        self.t = tables
        self.rows: dict[str, Lease] = {}

    async def claim_lease(
        self, name: str, *, holder: str, seconds: float, info: Mapping[str, Any] | None = None
    ) -> Lease | None:
        now = self.t.clock.now()
        held = self.rows.get(name)
        if held is not None and held.holder != holder and held.expires_at > now:
            return None
        kept = dict(info) if info is not None else dict(held.info) if held else {}
        lease = Lease(name, holder, now + seconds, kept)
        self.rows[name] = lease
        return lease

    async def release_lease(self, name: str, *, holder: str) -> bool:
        held = self.rows.get(name)
        if held is None or held.holder != holder:
            return False
        del self.rows[name]
        return True

    async def live_leases(self, prefix: str = "") -> list[Lease]:
        now = self.t.clock.now()
        found = [
            lease
            for name, lease in self.rows.items()
            if name.startswith(prefix) and lease.expires_at > now
        ]
        return sorted(found, key=lambda lease: lease.name)
