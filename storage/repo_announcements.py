"""Announcements, posted and scheduled. Status changes are compare-and-set updates, so two
bridges sharing the database never both send a scheduled post."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bridge.announce.model import Announcement, AnnouncementDraft, AnnouncementStatus
from bridge.ids import ChannelRef, Platform, UserRef
from storage.base import RepoBase
from storage.repo_members import _account_filter
from storage.tables import AnnouncementRow, MemberRow, PlatformAccountRow


def _announcement(row: AnnouncementRow) -> Announcement:
    assert row.id is not None
    platform = Platform(row.platform)
    draft = AnnouncementDraft(
        group_ids=tuple(int(g) for g in row.group_ids),
        author=UserRef(platform, row.workspace_id, row.user_id),
        channel=ChannelRef(platform, row.workspace_id, row.channel_id),
        display_name=row.display_name,
        avatar_url=row.avatar_url,
        text=row.text,
        link=row.link,
        image_url=row.image_url,
        pin=row.pin,
        due_at=row.due_at,
        zone=row.zone,
    )
    return Announcement(
        id=row.id,
        draft=draft,
        status=AnnouncementStatus(row.status),
        message_id=row.message_id,
        claimed_by=row.claimed_by,
        note=row.note,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class AnnouncementRepo(RepoBase):
    async def create_announcement(
        self, draft: AnnouncementDraft, *, status: AnnouncementStatus, at: float
    ) -> Announcement:
        row = AnnouncementRow(
            group_ids=list(draft.group_ids),
            platform=draft.author.platform.value,
            workspace_id=draft.author.workspace,
            user_id=draft.author.user,
            channel_id=draft.channel.channel,
            display_name=draft.display_name[:200],
            avatar_url=draft.avatar_url[:500] if draft.avatar_url else None,
            text=draft.text,
            link=draft.link[:500],
            image_url=draft.image_url[:500] if draft.image_url else None,
            pin=draft.pin,
            status=status.value,
            due_at=draft.due_at,
            zone=draft.zone[:64],
            created_at=at,
            updated_at=at,
        )
        async with self.session() as s:
            s.add(row)
            await s.flush()
            return _announcement(row)

    async def get_announcement(self, announcement_id: int) -> Announcement | None:
        async with self.session() as s:
            row = await s.get(AnnouncementRow, announcement_id)
            return _announcement(row) if row is not None else None

    async def list_announcements(
        self, group_ids: list[int], *, limit: int = 20
    ) -> list[Announcement]:
        """The newest announcements to any of ``group_ids``, scheduled ones first by due time."""
        wanted = set(group_ids)
        query = select(AnnouncementRow).order_by(col(AnnouncementRow.id).desc())
        async with self.session() as s:
            rows = (await s.exec(query.limit(500))).all()
        found = [_announcement(r) for r in rows if wanted & {int(g) for g in r.group_ids}]
        scheduled = sorted(
            (a for a in found if a.status is AnnouncementStatus.SCHEDULED),
            key=lambda a: a.due_at or 0.0,
        )
        others = [a for a in found if a.status is not AnnouncementStatus.SCHEDULED]
        return (scheduled + others)[:limit]

    async def scheduled_announcements(self) -> list[Announcement]:
        return await self.announcements_in(AnnouncementStatus.SCHEDULED)

    async def announcements_in(self, status: AnnouncementStatus) -> list[Announcement]:
        query = (
            select(AnnouncementRow)
            .where(col(AnnouncementRow.status) == status.value)
            .order_by(col(AnnouncementRow.due_at), col(AnnouncementRow.id))
        )
        async with self.session() as s:
            return [_announcement(r) for r in (await s.exec(query)).all()]

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
        values: dict[str, Any] = {"status": new.value, "updated_at": at}
        if by is not None:
            values["claimed_by"] = by[:64]
        if message_id is not None:
            values["message_id"] = message_id
        if note is not None:
            values["note"] = note[:500]
        query = (
            update(AnnouncementRow)
            .where(
                (col(AnnouncementRow.id) == announcement_id)
                & (col(AnnouncementRow.status) == old.value)
            )
            .values(**values)
        )
        if if_updated_at is not None:
            query = query.where(col(AnnouncementRow.updated_at) == if_updated_at)
        async with self.session() as s:
            result = await s.exec(query)
            return bool(result.rowcount)

    async def member_zone(self, user: UserRef) -> str | None:
        """The time zone the person behind ``user`` chose (any of their linked accounts)."""
        async with self.session() as s:
            member = await _member(s, user)
            return member.zone if member is not None else None

    async def set_member_zone(self, user: UserRef, zone: str) -> bool:
        async with self.session() as s:
            member = await _member(s, user)
            if member is None:
                return False
            member.zone = zone[:64]
            s.add(member)
            return True


async def _member(s: AsyncSession, user: UserRef) -> MemberRow | None:
    account = (await s.exec(select(PlatformAccountRow).where(_account_filter(user)))).first()
    return await s.get(MemberRow, account.member_id) if account is not None else None
