"""Purge: `/fangroup ban @user [reason] purge 10m` (or Discord's ``purge`` option) also deletes
everywhere the member's messages of the last ten minutes in the group."""

from __future__ import annotations

import re

from bridge.durations import read_duration
from bridge.events import CommandInvoked
from bridge.ids import Platform, UserRef
from bridge.moderation.deletes import Deletes
from bridge.records import Account, FanGroup

PURGE = re.compile(r"\bpurge[:\s]+(\d{1,6}\s*[a-z]+)\b", re.IGNORECASE)


def split_purge(reason: str) -> tuple[str, float | None]:
    """``"spam purge 10m"`` → ("spam", 600.0): the reason without the purge, and how far back
    to purge (None: the reason names no length of time to purge)."""
    found = PURGE.search(reason)
    seconds = read_duration(found.group(1)) if found else None
    if found is None or seconds is None:
        return reason, None
    rest = (reason[: found.start()] + reason[found.end() :]).strip()
    return re.sub(r"\s{2,}", " ", rest), seconds


def purge_option(event: CommandInvoked) -> float | None:
    """Discord's ``purge`` option of `/fangroup ban`, when given and a length of time."""
    value = event.args.get("purge", "")
    return read_duration(value) if value else None


class Purge:
    def __init__(self, deletes: Deletes) -> None:
        self.deletes = deletes
        self.store = deletes.store
        self.clock = deletes.clock

    async def purge(
        self, group: FanGroup, target: Account, seconds: float, actor: UserRef, origin: Platform
    ) -> int:
        """Delete everywhere the member's messages of the last ``seconds`` in the group; how
        many."""
        users = [a.user for a in await self.store.accounts_of_member(target.member_id)]
        since = self.clock.now() - seconds
        messages = await self.store.recent_messages_by(group.id, users, since=since)
        for message in messages:
            await self.deletes.delete_everywhere(
                message, origin=origin, actor=actor, reason="purge"
            )
        return len(messages)
