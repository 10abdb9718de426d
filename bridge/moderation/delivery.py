"""The outbox's moderation effects beyond delete/ban/unban: Discord timeouts, kicks, guild bans
and the suggestion cards of policy suggest. Each needs an optional ability of the chat adapter
(bridge/ports/chat.py); an adapter without it refuses with PermanentError (the effect fails
with why)."""

from __future__ import annotations

from typing import Protocol

from bridge.actions import (
    GuildBanAction,
    GuildUnbanAction,
    KickAction,
    MemberSanction,
    ModCardAction,
    TimeoutAction,
)
from bridge.pipeline.delivery import DeliveryHandlers, Skipped
from bridge.ports.chat import ChatAdapter, GuildBans, Kicks, ModCards, PermanentError, Timeouts
from bridge.records import OutboxItem


class BanState(Protocol):
    """The store slice the guild bans read: whether the ban still stands."""

    async def is_banned(self, group_id: int, member_id: int) -> bool: ...


def _cannot(adapter: ChatAdapter, doing: str) -> PermanentError:
    return PermanentError(f"{adapter.platform.value} cannot {doing}")


def _reason(reason: str) -> str:
    return reason or "fanbridge: Fan Group moderation"


async def _timeout(action: TimeoutAction, item: OutboxItem, adapter: ChatAdapter) -> None:
    if not isinstance(adapter, Timeouts):
        raise _cannot(adapter, "timeout")
    await adapter.timeout(item.target, action.user, until=action.until)


async def _kick(action: KickAction, item: OutboxItem, adapter: ChatAdapter) -> None:
    if not isinstance(adapter, Kicks):
        raise _cannot(adapter, "kick")
    await adapter.kick(item.target, action.user, scope=action.scope, reason=_reason(action.reason))


async def _mod_card(action: ModCardAction, item: OutboxItem, adapter: ChatAdapter) -> None:
    if not isinstance(adapter, ModCards):
        raise _cannot(adapter, "post card")
    await adapter.post_card(item.target, action.text, card=item.id)


def moderation_handlers(store: BanState) -> DeliveryHandlers:
    async def guild(action: MemberSanction, item: OutboxItem, adapter: ChatAdapter) -> None:
        add = isinstance(action, GuildBanAction)
        if await store.is_banned(action.group_id, action.member_id) != add:
            raise Skipped("changed again before this took effect")
        if not isinstance(adapter, GuildBans):
            raise _cannot(adapter, "guild ban")
        await adapter.guild_ban(item.target, action.user, add=add, reason=_reason(action.reason))

    return (
        DeliveryHandlers()
        .add(TimeoutAction, _timeout)
        .add(KickAction, _kick)
        .add(GuildBanAction, guild)
        .add(GuildUnbanAction, guild)
        .add(ModCardAction, _mod_card)
    )
