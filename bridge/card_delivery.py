"""The outbox's cards and grants: report cards (posted, then updated once a moderator acted),
join request cards, and the platform side of admitting a fan. Each is an outbox action kind
whose payload names what to (re)build at send time, so it is retried with the outbox's backoff
and survives a restart. They are delivered through the platform's second port (ReportCards,
GatePort), not the ChatAdapter; that port maps a platform's refusals and outages onto
PermanentError / TransientError / RateLimited like the adapters' senders do."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from bridge.gate_commands import GateService
from bridge.gates import GatePort
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.outbox import Skipped
from bridge.ports import ChatAdapter, PermanentError
from bridge.records import OutboxItem
from bridge.report_model import ReportCards
from bridge.reports import ReportService

Handler = Callable[[OutboxItem, ChatAdapter], Awaitable[None]]


def report_handlers(service: ReportService) -> dict[str, Handler]:
    def cards_on(platform: Platform) -> ReportCards:
        found = service.cards.get(platform)
        if found is None:
            raise PermanentError(f"no report cards on {platform.value}")
        return found

    async def card_ids(report_id: int, channel: ChannelRef) -> list[str]:
        refs = await service.reports.report_cards(report_id)
        return [ref.card_id for ref in refs if ref.channel == channel]

    async def post(item: OutboxItem, _: ChatAdapter) -> None:
        report = await service.reports.get_report(int(item.action["report_id"]))
        card = await service.card_for(report) if report else None
        if report is None or card is None:
            raise Skipped("the report or its message is gone")
        if await card_ids(report.id, item.target):  # posted before a restart
            return
        card_id = await cards_on(item.target.platform).post_card(item.target, card)
        await service.reports.add_report_card(report.id, item.target, card_id)

    async def update(item: OutboxItem, _: ChatAdapter) -> None:
        report = await service.reports.get_report(int(item.action["report_id"]))
        card = await service.card_for(report) if report else None
        if report is None or card is None:
            raise Skipped("the report or its message is gone")
        for card_id in await card_ids(report.id, item.target):
            await cards_on(item.target.platform).update_card(item.target, card_id, card)

    return {"report_card": post, "report_card_update": update}


def gate_handlers(service: GateService) -> dict[str, Handler]:
    store = service.store

    def port_on(platform: Platform) -> GatePort:
        found = service.ports.get(platform)
        if found is None:
            raise PermanentError(f"no join gates on {platform.value}")
        return found

    async def join_card(item: OutboxItem, _: ChatAdapter) -> None:
        request_id = int(item.action["request_id"])
        request = await store.get_join_request(request_id)
        if request is None or request.status != "pending":
            raise Skipped("the request was decided before its card was posted")
        port = port_on(item.target.platform)
        await port.post_request(item.target, str(item.action["text"]), request_id)

    async def settle(effects: Sequence[int], status: str, detail: str) -> None:
        for effect in effects:
            await store.set_effect(effect, status=status, detail=detail, at=service.clock.now())

    async def grant(item: OutboxItem, _: ChatAdapter) -> None:
        effects = [int(e) for e in item.action.get("effect_ids") or []]
        group_id, member = int(item.action["group_id"]), int(item.action["member_id"])
        group = await store.get_group_by_id(group_id)
        if group is None or await store.is_banned(group_id, member):
            await settle(effects, "skipped", "banned (or the group gone) before it took effect")
            raise Skipped("banned before the grant took effect")
        user = UserRef.from_json(item.action["user"])
        channels = [ChannelRef.from_json(c) for c in item.action["channels"]]
        try:
            grants = await port_on(user.platform).admit(group, user, channels)
        except PermanentError as exc:
            await settle(effects, "failed", str(exc))
            raise
        by_channel = {g.channel: g for g in grants}
        now = service.clock.now()
        for channel, effect in zip(channels, effects, strict=False):
            done = by_channel.get(channel)
            status, detail = (done.status, done.detail) if done else ("failed", "not opened")
            await store.set_effect(effect, status=status, detail=detail, at=now)

    return {"join_card": join_card, "grant": grant}
