"""Reports to moderators and the cards they were posted as."""

from __future__ import annotations

from sqlmodel import col, select, update

from bridge.ids import ChannelRef, Platform
from bridge.reports.model import Report, ReportCardRef
from storage.base import RepoBase
from storage.tables import ReportCardRow, ReportRow


def _report(row: ReportRow) -> Report:
    assert row.id is not None
    return Report(
        id=row.id,
        group_id=row.group_id,
        action_id=row.action_id,
        message_id=row.message_id,
        reason=row.reason,
        status=row.status,
        outcome=row.outcome,
        resolved_by=row.resolved_by,
    )


class ReportRepo(RepoBase):
    async def create_report(
        self, *, group_id: int, action_id: int, message_id: int, reason: str, at: float
    ) -> Report:
        row = ReportRow(
            group_id=group_id,
            action_id=action_id,
            message_id=message_id,
            reason=reason[:500],
            created_at=at,
            updated_at=at,
        )
        async with self.session() as s:
            s.add(row)
            await s.flush()
            return _report(row)

    async def get_report(self, report_id: int) -> Report | None:
        async with self.session() as s:
            row = await s.get(ReportRow, report_id)
            return _report(row) if row is not None else None

    async def claim_report(self, report_id: int, *, status: str, by: str, at: float) -> bool:
        """Close an open report; False when it was closed already (two moderators at once)."""
        query = (
            update(ReportRow)
            .where((col(ReportRow.id) == report_id) & (col(ReportRow.status) == "open"))
            .values(status=status, resolved_by=by, updated_at=at)
        )
        async with self.session() as s:
            result = await s.exec(query)
            return bool(result.rowcount)

    async def set_report_outcome(self, report_id: int, outcome: str, *, at: float) -> None:
        async with self.session() as s:
            row = await s.get(ReportRow, report_id)
            if row is not None:
                row.outcome, row.updated_at = outcome[:500], at
                s.add(row)

    async def add_report_card(self, report_id: int, channel: ChannelRef, card_id: str) -> None:
        row = ReportCardRow(
            report_id=report_id,
            platform=channel.platform.value,
            workspace_id=channel.workspace,
            channel_id=channel.channel,
            card_id=card_id,
        )
        async with self.session() as s:
            s.add(row)

    async def report_cards(self, report_id: int) -> list[ReportCardRef]:
        query = select(ReportCardRow).where(ReportCardRow.report_id == report_id)
        async with self.session() as s:
            rows = list((await s.exec(query.order_by(col(ReportCardRow.id)))).all())
        return [
            ReportCardRef(ChannelRef(Platform(r.platform), r.workspace_id, r.channel_id), r.card_id)
            for r in rows
        ]
