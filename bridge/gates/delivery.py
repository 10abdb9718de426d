"""The outbox's join gates: join request cards and the platform side of admitting a fan (the
grant). Each is an outbox action kind whose payload names what to (re)build at send time, so it
is retried with the outbox's backoff and survives a restart. Both go through the platform's gate
port (GatePort), not the ChatAdapter."""

from __future__ import annotations

from collections.abc import Sequence

from bridge.actions import GrantAction, JoinCardAction
from bridge.gates.check import GatePort
from bridge.gates.commands import GateService
from bridge.ids import Platform
from bridge.pipeline.delivery import DeliveryHandlers, Skipped
from bridge.ports import ChatAdapter, PermanentError
from bridge.records import OutboxItem


def gate_handlers(service: GateService) -> DeliveryHandlers:
    store = service.store

    def port_on(platform: Platform) -> GatePort:
        found = service.ports.get(platform)
        if found is None:
            raise PermanentError(f"no join gates on {platform.value}")
        return found

    async def join_card(action: JoinCardAction, item: OutboxItem, _: ChatAdapter) -> None:
        request_id = action.request_id
        request = await store.get_join_request(request_id)
        if request is None or request.status != "pending":
            raise Skipped("the request was decided before its card was posted")
        port = port_on(item.target.platform)
        await port.post_request(item.target, action.text, request_id)

    async def settle(effects: Sequence[int], status: str, detail: str) -> None:
        for effect in effects:
            await store.set_effect(effect, status=status, detail=detail, at=service.clock.now())

    async def grant(action: GrantAction, item: OutboxItem, _: ChatAdapter) -> None:
        effects = action.effect_ids
        group_id, member = action.group_id, action.member_id
        group = await store.get_group_by_id(group_id)
        if group is None or await store.is_banned(group_id, member):
            await settle(effects, "skipped", "banned (or the group gone) before it took effect")
            raise Skipped("banned before the grant took effect")
        user, channels = action.user, action.channels
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

    return DeliveryHandlers().add(JoinCardAction, join_card).add(GrantAction, grant)
