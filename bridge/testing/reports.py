"""Reports to moderators and the cards they were posted as, in memory."""

from __future__ import annotations

from dataclasses import replace

from bridge.ids import ChannelRef
from bridge.reports.model import Report, ReportCardRef
from bridge.testing.tables import Tables


class MemoryReports:
    def __init__(self, tables: Tables) -> None:
        self.t = tables
        self.reports: dict[int, Report] = {}
        self.cards: list[tuple[int, ReportCardRef]] = []

    async def create_report(
        self, *, group_id: int, action_id: int, message_id: int, reason: str, at: float
    ) -> Report:
        report_id = self.t.next_id("report")
        report = Report(report_id, group_id, action_id, message_id, reason[:500], "open", "", None)
        self.reports[report_id] = report
        return report

    async def get_report(self, report_id: int) -> Report | None:
        return self.reports.get(report_id)

    async def claim_report(self, report_id: int, *, status: str, by: str, at: float) -> bool:
        """Close an open report; False when it was closed already (two moderators at once)."""
        report = self.reports.get(report_id)
        if report is None or report.status != "open":
            return False
        self.reports[report_id] = replace(report, status=status, resolved_by=by)
        return True

    async def set_report_outcome(self, report_id: int, outcome: str, *, at: float) -> None:
        report = self.reports.get(report_id)
        if report is not None:
            self.reports[report_id] = replace(report, outcome=outcome[:500])

    async def add_report_card(self, report_id: int, channel: ChannelRef, card_id: str) -> None:
        self.cards.append((report_id, ReportCardRef(channel, card_id)))

    async def report_cards(self, report_id: int) -> list[ReportCardRef]:
        return [card for rid, card in self.cards if rid == report_id]
