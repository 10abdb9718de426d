"""Reports to moderators: the records, the card both platforms render, and the ports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bridge.ids import ChannelRef, Platform

CARD_ACTIONS = ("delete", "timeout", "ban", "dismiss")
ACTION_LABELS = {
    "delete": "Delete everywhere",
    "timeout": "Timeout 10m",
    "ban": "Ban",
    "dismiss": "Dismiss",
}


@dataclass(frozen=True, slots=True)
class Report:
    id: int
    group_id: int
    action_id: int  # its modlog entry (kind "report"), which alone names the reporter
    message_id: int
    reason: str
    status: str  # open | delete | ban | timeout | dismiss
    outcome: str
    resolved_by: str | None


@dataclass(frozen=True, slots=True)
class ReportCardRef:
    """Where a report's card was posted: a moderator channel and the card message's id."""

    channel: ChannelRef
    card_id: str


@dataclass(frozen=True, slots=True)
class ReportCard:
    """What a moderator channel shows about a report. The reporter is never on it."""

    report_id: int
    group_name: str
    author_name: str
    author_platform: Platform
    text: str
    reason: str
    copies: tuple[tuple[ChannelRef, str], ...]  # the reported message: (channel, platform id)
    outcome: str = ""  # empty while open, then what a moderator did
    actions: tuple[str, ...] = CARD_ACTIONS  # the buttons (none once resolved)


class ReportCards(Protocol):
    """A platform's moderator-channel cards (the adapters implement it)."""

    async def post_card(self, channel: ChannelRef, card: ReportCard) -> str:
        """Post ``card`` in ``channel``; the card message's id."""
        ...

    async def update_card(self, channel: ChannelRef, card_id: str, card: ReportCard) -> None: ...


class ReportStore(Protocol):
    async def create_report(
        self, *, group_id: int, action_id: int, message_id: int, reason: str, at: float
    ) -> Report: ...

    async def get_report(self, report_id: int) -> Report | None: ...

    async def claim_report(self, report_id: int, *, status: str, by: str, at: float) -> bool: ...

    async def set_report_outcome(self, report_id: int, outcome: str, *, at: float) -> None: ...

    async def add_report_card(self, report_id: int, channel: ChannelRef, card_id: str) -> None: ...

    async def report_cards(self, report_id: int) -> list[ReportCardRef]: ...
