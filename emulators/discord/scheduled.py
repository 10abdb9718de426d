"""Guild scheduled events as Discord shows them: the JSON of one event (a leaf used by the REST
routes, the control API and GUILD_CREATE)."""

from __future__ import annotations

from typing import Any

from emulators.discord.state import ScheduledEvent

SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4
STAGE, VOICE, EXTERNAL = 1, 2, 3


def event_json(event: ScheduledEvent, *, with_count: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(event.id),
        "guild_id": str(event.guild_id),
        "channel_id": str(event.channel_id) if event.channel_id else None,
        "creator_id": str(event.creator_id),
        "name": event.name,
        "description": event.description,
        "scheduled_start_time": event.start,
        "scheduled_end_time": event.end,
        "privacy_level": event.privacy_level,
        "status": event.status,
        "entity_type": event.entity_type,
        "entity_id": None,
        "entity_metadata": {"location": event.location} if event.location else None,
        "image": None,
        "recurrence_rule": None,
    }
    if with_count:
        data["user_count"] = len(event.users)
    return data
