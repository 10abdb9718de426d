"""Announcements in memory, posted and scheduled; the status moves by compare-and-set. And
the time zone each person chose."""

from __future__ import annotations

from dataclasses import replace

from bridge.announce.model import Announcement, AnnouncementDraft, AnnouncementStatus
from bridge.ids import UserRef
from bridge.testing.tables import Tables

LISTED_MAX = 500  # the newest announcements a list looks through


class MemoryAnnouncements:
    def __init__(self, tables: Tables) -> None:
        self.t = tables
        self.announcements: dict[int, Announcement] = {}

    async def create_announcement(
        self, draft: AnnouncementDraft, *, status: AnnouncementStatus, at: float
    ) -> Announcement:
        made = Announcement(
            id=self.t.next_id("announcement"),
            draft=draft,
            status=status,
            message_id=None,
            claimed_by=None,
            note="",
            created_at=at,
            updated_at=at,
        )
        self.announcements[made.id] = made
        return made

    async def get_announcement(self, announcement_id: int) -> Announcement | None:
        return self.announcements.get(announcement_id)

    async def list_announcements(
        self, group_ids: list[int], *, limit: int = 20
    ) -> list[Announcement]:
        newest = list(reversed(self.announcements.values()))[:LISTED_MAX]
        found = [a for a in newest if set(group_ids) & set(a.draft.group_ids)]
        scheduled = sorted(
            (a for a in found if a.status is AnnouncementStatus.SCHEDULED),
            key=lambda a: a.due_at or 0.0,
        )
        others = [a for a in found if a.status is not AnnouncementStatus.SCHEDULED]
        return (scheduled + others)[:limit]

    async def scheduled_announcements(self) -> list[Announcement]:
        return await self.announcements_in(AnnouncementStatus.SCHEDULED)

    async def announcements_in(self, status: AnnouncementStatus) -> list[Announcement]:
        found = [a for a in self.announcements.values() if a.status is status]
        return sorted(found, key=lambda a: (a.due_at is None, a.due_at or 0.0, a.id))

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
        found = self.announcements.get(announcement_id)
        if found is None or found.status is not old:
            return False
        if if_updated_at is not None and found.updated_at != if_updated_at:
            return False
        self.announcements[announcement_id] = replace(
            found,
            status=new,
            updated_at=at,
            claimed_by=by[:64] if by is not None else found.claimed_by,
            message_id=message_id if message_id is not None else found.message_id,
            note=note[:500] if note is not None else found.note,
        )
        return True

    async def member_zone(self, user: UserRef) -> str | None:
        account = self.t.accounts.get(user)
        return self.t.member_zones.get(account.member_id) if account is not None else None

    async def set_member_zone(self, user: UserRef, zone: str) -> bool:
        account = self.t.accounts.get(user)
        if account is None:
            return False
        self.t.member_zones[account.member_id] = zone[:64]
        return True
