"""The outbox's moderation effects beyond delete/ban/unban: Discord timeouts, kicks, guild bans
and the suggestion cards of policy suggest. An adapter that cannot do one raises
PermanentError (the effect fails with why)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bridge.ports import ChatAdapter, PermanentError, Store
from bridge.records import OutboxItem

Handler = Callable[[OutboxItem, ChatAdapter], Awaitable[None]]


def _method(adapter: ChatAdapter, name: str) -> Callable[..., Awaitable[Any]]:
    found = getattr(adapter, name, None)
    if found is None:
        raise PermanentError(f"{adapter.platform.value} cannot {name.replace('_', ' ')}")
    return found  # type: ignore[no-any-return]


def _reason(item: OutboxItem) -> str:
    return str(item.action.get("reason") or "fanbridge: Fan Group moderation")


def more_handlers(store: Store) -> dict[str, Handler]:
    async def timeout(item: OutboxItem, adapter: ChatAdapter) -> None:
        until = float(item.action.get("until") or 0) or None
        await _method(adapter, "timeout")(item.target, str(item.action["user"]), until=until)

    async def kick(item: OutboxItem, adapter: ChatAdapter) -> None:
        scope = str(item.action.get("scope") or "channel")
        kick_ = _method(adapter, "kick")
        await kick_(item.target, str(item.action["user"]), scope=scope, reason=_reason(item))

    async def guild_ban(item: OutboxItem, adapter: ChatAdapter) -> None:
        await _guild(item, adapter, add=True)

    async def guild_unban(item: OutboxItem, adapter: ChatAdapter) -> None:
        await _guild(item, adapter, add=False)

    async def _guild(item: OutboxItem, adapter: ChatAdapter, *, add: bool) -> None:
        from bridge.pipeline.outbox import Skipped

        group, member = int(item.action["group_id"]), int(item.action["member_id"])
        if await store.is_banned(group, member) != add:
            raise Skipped("changed again before this took effect")
        user = str(item.action["user"])
        await _method(adapter, "guild_ban")(item.target, user, add=add, reason=_reason(item))

    async def mod_card(item: OutboxItem, adapter: ChatAdapter) -> None:
        await _method(adapter, "post_card")(item.target, str(item.action["text"]), card=item.id)

    return {
        "timeout": timeout,
        "kick": kick,
        "guild_ban": guild_ban,
        "guild_unban": guild_unban,
        "mod_card": mod_card,
    }
