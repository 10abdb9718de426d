"""The outbox's report cards: posted in the moderator channels, then updated once a moderator
acted. Each is an outbox action kind whose payload names the report to (re)build at send time, so
it is retried with the outbox's backoff and survives a restart. Cards go through the platform's
second port (ReportCards), not the ChatAdapter; that port maps a platform's refusals and outages
onto PermanentError / TransientError / RateLimited like the adapters' senders do."""

from __future__ import annotations

from bridge.actions import ReportCardAction, ReportCardUpdateAction
from bridge.ids import ChannelRef, Platform
from bridge.pipeline.delivery import DeliveryHandlers, Skipped
from bridge.ports import ChatAdapter, PermanentError
from bridge.records import OutboxItem
from bridge.reports.model import ReportCards
from bridge.reports.service import ReportService


def report_handlers(service: ReportService) -> DeliveryHandlers:
    def cards_on(platform: Platform) -> ReportCards:
        found = service.cards.get(platform)
        if found is None:
            raise PermanentError(f"no report cards on {platform.value}")
        return found

    async def card_ids(report_id: int, channel: ChannelRef) -> list[str]:
        refs = await service.reports.report_cards(report_id)
        return [ref.card_id for ref in refs if ref.channel == channel]

    async def post(action: ReportCardAction, item: OutboxItem, _: ChatAdapter) -> None:
        report = await service.reports.get_report(action.report_id)
        card = await service.card_for(report) if report else None
        if report is None or card is None:
            raise Skipped("the report or its message is gone")
        if await card_ids(report.id, item.target):  # posted before a restart
            return
        card_id = await cards_on(item.target.platform).post_card(item.target, card)
        await service.reports.add_report_card(report.id, item.target, card_id)

    async def update(action: ReportCardUpdateAction, item: OutboxItem, _: ChatAdapter) -> None:
        report = await service.reports.get_report(action.report_id)
        card = await service.card_for(report) if report else None
        if report is None or card is None:
            raise Skipped("the report or its message is gone")
        for card_id in await card_ids(report.id, item.target):
            await cards_on(item.target.platform).update_card(item.target, card_id, card)

    return DeliveryHandlers().add(ReportCardAction, post).add(ReportCardUpdateAction, update)
