"""Guild audit log entries (+ GUILD_AUDIT_LOG_ENTRY_CREATE)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulators.discord import gateway
from emulators.discord.state import AuditEntry, Guild

if TYPE_CHECKING:
    from emulators.discord.service import DiscordService

CHANNEL_UPDATE = 11
OVERWRITE_CREATE, OVERWRITE_UPDATE, OVERWRITE_DELETE = 13, 14, 15
MEMBER_KICK, MEMBER_BAN_ADD, MEMBER_BAN_REMOVE, MEMBER_UPDATE = 20, 22, 23, 24
MEMBER_ROLE_UPDATE = 25
WEBHOOK_CREATE, WEBHOOK_UPDATE, WEBHOOK_DELETE = 50, 51, 52
MESSAGE_DELETE, MESSAGE_BULK_DELETE, MESSAGE_PIN, MESSAGE_UNPIN = 72, 73, 74, 75
THREAD_CREATE = 110


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(entry.id),
        "user_id": str(entry.user_id),
        "target_id": None if entry.target_id is None else str(entry.target_id),
        "action_type": entry.action_type,
    }
    if entry.changes:
        data["changes"] = entry.changes
    if entry.options is not None:
        data["options"] = entry.options
    if entry.reason:
        data["reason"] = entry.reason
    return data


def record(
    svc: DiscordService,
    guild: Guild,
    action_type: int,
    *,
    actor_id: int,
    target_id: int | None,
    reason: str | None = None,
    changes: list[dict[str, Any]] | None = None,
    options: dict[str, str] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        svc.ids.next(), action_type, actor_id, target_id, reason, changes or [], options
    )
    guild.audit.append(entry)
    data = {**entry_json(entry), "guild_id": str(guild.id)}
    svc.hub.dispatch("GUILD_AUDIT_LOG_ENTRY_CREATE", data, intent=gateway.GUILD_MODERATION)
    svc.publish("audit", {"guild_id": str(guild.id), "entry": data})
    return entry
