"""Announcements as the core sees them, and what it needs from storage to keep them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bridge.ids import ChannelRef, UserRef


class AnnouncementStatus(StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    MISSED = "missed"
    CANCELLED = "cancelled"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class AnnouncementDraft:
    group_ids: tuple[int, ...]
    author: UserRef
    channel: ChannelRef  # where the command ran: the origin copy goes there
    display_name: str
    avatar_url: str | None
    text: str  # Document.to_json()
    link: str = ""
    image_url: str | None = None
    pin: bool = False
    due_at: float | None = None  # None: posted at once
    zone: str = "UTC"


@dataclass(frozen=True, slots=True)
class Announcement:
    id: int
    draft: AnnouncementDraft
    status: AnnouncementStatus
    message_id: int | None
    claimed_by: str | None
    note: str
    created_at: float
    updated_at: float = 0.0

    @property
    def due_at(self) -> float | None:
        return self.draft.due_at


class AnnouncementStore(Protocol):
    async def create_announcement(
        self, draft: AnnouncementDraft, *, status: AnnouncementStatus, at: float
    ) -> Announcement: ...

    async def get_announcement(self, announcement_id: int) -> Announcement | None: ...

    async def list_announcements(
        self, group_ids: list[int], *, limit: int = 20
    ) -> list[Announcement]: ...

    async def scheduled_announcements(self) -> list[Announcement]: ...

    async def announcements_in(self, status: AnnouncementStatus) -> list[Announcement]: ...

    async def move_announcement(
        self,
        announcement_id: int,
        *,
        old: AnnouncementStatus,
        new: AnnouncementStatus,
        at: float,
        by: str | None = None,
        message_id: int | None = None,
        note: str | None = None,
        if_updated_at: float | None = None,
    ) -> bool:
        """Compare-and-set of the status (and of ``updated_at`` when given): True for the one
        caller that moved it."""
        ...

    async def member_zone(self, user: UserRef) -> str | None: ...

    async def set_member_zone(self, user: UserRef, zone: str) -> bool: ...
