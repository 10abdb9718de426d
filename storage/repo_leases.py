"""Leases (``lease``): one row per named piece of work and its holder until ``expires_at``.

A claim is a compare-and-set: one UPDATE that matches the row only when the claimant holds it
or it has expired, else an INSERT for a name never taken (a duplicate key means another worker
inserted it first). Two workers racing for one lease: exactly one UPDATE or INSERT wins, on
PostgreSQL (the losing UPDATE re-reads the row it waited for) and SQLite (one writer)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select

from bridge.ports import Lease
from storage.base import RepoBase
from storage.tables import LeaseRow


def _lease(row: LeaseRow) -> Lease:
    return Lease(name=row.name, holder=row.holder, expires_at=row.expires_at, info=dict(row.info))


def _takeable(name: str, holder: str, now: float) -> ColumnElement[bool]:
    mine_or_expired = (col(LeaseRow.holder) == holder) | (col(LeaseRow.expires_at) <= now)
    return (col(LeaseRow.name) == name) & mine_or_expired


class LeaseRepo(RepoBase):
    async def claim_lease(
        self, name: str, *, holder: str, seconds: float, info: Mapping[str, Any] | None = None
    ) -> Lease | None:
        now = self.clock.now()
        until = now + seconds
        renewed = await self._renew(name, holder, now, until, info)
        if renewed is not None:
            return renewed
        kept = dict(info or {})
        try:
            async with self.session() as s:
                s.add(LeaseRow(name=name, holder=holder, expires_at=until, info=kept))
        except IntegrityError:  # another worker holds it (or inserted it first)
            return None
        return Lease(name, holder, until, kept)

    async def _renew(
        self, name: str, holder: str, now: float, until: float, info: Mapping[str, Any] | None
    ) -> Lease | None:
        """The lease once renewed or taken over in place; None when the row is someone
        else's and unexpired, or does not exist."""
        values: dict[str, Any] = {"holder": holder, "expires_at": until}
        if info is not None:
            values["info"] = dict(info)
        statement = update(LeaseRow).where(_takeable(name, holder, now)).values(**values)
        async with self.session() as s:
            if not (await s.exec(statement)).rowcount:
                return None
            row = await s.get(LeaseRow, name, populate_existing=True)
            assert row is not None  # updated in this very transaction
            return _lease(row)

    async def release_lease(self, name: str, *, holder: str) -> bool:
        mine = (col(LeaseRow.name) == name) & (col(LeaseRow.holder) == holder)
        async with self.session() as s:
            result = await s.exec(delete(LeaseRow).where(mine))
            return bool(result.rowcount)

    async def live_leases(self, prefix: str = "") -> list[Lease]:
        now = self.clock.now()
        query = select(LeaseRow).where(col(LeaseRow.expires_at) > now)
        if prefix:
            query = query.where(col(LeaseRow.name).startswith(prefix, autoescape=True))
        async with self.session() as s:
            rows = (await s.exec(query.order_by(col(LeaseRow.name)))).all()
        return [_lease(r) for r in rows]
