"""Artist events, their copies per channel and who is interested (bridge/artist_events/).

An event changes only by compare-and-set of its ``version``, written with the outbox items that
follow from the change in the same transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bridge.artist_events.model import (
    REMINDERS,
    ArtistEvent,
    EventCopyRef,
    EventDetails,
    EventDraft,
    EventState,
)
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.records import OutboxDraft
from storage import bulk
from storage.base import RepoBase
from storage.repo_messages import outbox_row
from storage.tables import (
    ArtistEventCopyRow,
    ArtistEventInterestRow,
    ArtistEventRow,
    PlatformAccountRow,
)


def _values(event_draft: EventDraft, details: EventDetails) -> dict[str, Any]:
    author = event_draft.author
    return {
        "group_id": event_draft.group_id,
        "author_platform": author.platform.value,
        "author_workspace": author.workspace,
        "author_user": author.user,
        "author_name": event_draft.author_name[:200],
        "zone": event_draft.zone,
        "title": details.title[:200],
        "starts_at": details.starts_at,
        "ends_at": details.ends_at,
        "place": details.place,
        "tickets": details.tickets,
        "merch": details.merch,
        "online": details.online,
    }


def _event(row: ArtistEventRow) -> ArtistEvent:
    assert row.id is not None
    details = EventDetails(
        title=row.title,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        place=row.place,
        tickets=row.tickets,
        merch=row.merch,
        online=row.online,
    )
    author = UserRef(Platform(row.author_platform), row.author_workspace, row.author_user)
    draft = EventDraft(row.group_id, author, row.author_name, details, row.zone)
    return ArtistEvent(
        id=row.id,
        draft=draft,
        details=details,
        state=EventState(row.state),
        version=row.version,
        created_at=row.created_at,
        reminded=row.reminded,
    )


def _copy(row: ArtistEventCopyRow) -> EventCopyRef:
    channel = ChannelRef(Platform(row.platform), row.workspace_id, row.channel_id)
    return EventCopyRef(row.event_id, channel, row.copy_id, row.drawn)


async def _enqueue(s: AsyncSession, drafts: Sequence[OutboxDraft], at: float) -> None:
    """The outbox items in the session's transaction (each channel's lock first)."""
    if not drafts:
        return
    conn = await s.connection()
    await conn.run_sync(bulk.lock_channels, [d.target for d in drafts])
    s.add_all([outbox_row(d, at) for d in drafts])
    await s.flush()


class ArtistEventRepo(RepoBase):
    async def create_artist_event(
        self, draft: EventDraft, *, at: float, reminded: int, enqueue: Sequence[OutboxDraft]
    ) -> ArtistEvent:
        row = ArtistEventRow(
            **_values(draft, draft.details),
            state=EventState.SCHEDULED.value,
            reminded=reminded,
            created_at=at,
        )
        async with self.session() as s:
            s.add(row)
            await s.flush()
            await _enqueue(s, enqueue, at)
            return _event(row)

    async def get_artist_event(self, event_id: int) -> ArtistEvent | None:
        async with self.session() as s:
            row = await s.get(ArtistEventRow, event_id)
            return _event(row) if row is not None else None

    async def save_artist_event(
        self, event: ArtistEvent, *, enqueue: Sequence[OutboxDraft] = ()
    ) -> bool:
        query = (
            update(ArtistEventRow)
            .where(
                (col(ArtistEventRow.id) == event.id)
                & (col(ArtistEventRow.version) == event.version)
            )
            .values(
                **_values(event.draft, event.details),
                state=event.state.value,
                reminded=event.reminded,
                version=event.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        async with self.session() as s:
            if not (await s.exec(query)).rowcount:
                return False
            await _enqueue(s, enqueue, self.clock.now())
        return True

    async def group_artist_events(self, group_id: int, *, limit: int = 200) -> list[ArtistEvent]:
        query = (
            select(ArtistEventRow)
            .where(col(ArtistEventRow.group_id) == group_id)
            .order_by(col(ArtistEventRow.starts_at), col(ArtistEventRow.id))
            .limit(limit)
        )
        async with self.session() as s:
            return [_event(r) for r in (await s.exec(query)).all()]

    async def pending_artist_events(self) -> list[ArtistEvent]:
        query = (
            select(ArtistEventRow)
            .where(
                (col(ArtistEventRow.state) == EventState.SCHEDULED.value)
                & (col(ArtistEventRow.reminded) < len(REMINDERS))
            )
            .order_by(col(ArtistEventRow.id))
        )
        async with self.session() as s:
            return [_event(r) for r in (await s.exec(query)).all()]

    async def live_artist_events(self, now: float) -> list[ArtistEvent]:
        query = (
            select(ArtistEventRow)
            .where(
                (col(ArtistEventRow.state) == EventState.SCHEDULED.value)
                & (col(ArtistEventRow.ends_at) > now)
            )
            .order_by(col(ArtistEventRow.id))
        )
        async with self.session() as s:
            return [_event(r) for r in (await s.exec(query)).all()]

    def watch_artist_events(self, changed: Callable[[], None]) -> None:
        self.cache.watch("artist_event", changed)

    async def add_event_copy(self, ref: EventCopyRef) -> None:
        """The copy through a channel, once (the first one recorded stays)."""
        row = ArtistEventCopyRow(
            event_id=ref.event_id,
            platform=ref.channel.platform.value,
            workspace_id=ref.channel.workspace,
            channel_id=ref.channel.channel,
            copy_id=ref.copy_id[:64],
            drawn=ref.drawn[:64],
        )
        try:
            async with self.session() as s:
                s.add(row)
        except IntegrityError:
            if ref.channel not in {c.channel for c in await self.event_copies(ref.event_id)}:
                raise

    async def event_copies(self, event_id: int) -> list[EventCopyRef]:
        query = (
            select(ArtistEventCopyRow)
            .where(col(ArtistEventCopyRow.event_id) == event_id)
            .order_by(col(ArtistEventCopyRow.id))
        )
        async with self.session() as s:
            return [_copy(r) for r in (await s.exec(query)).all()]

    async def set_event_copy_drawn(self, event_id: int, channel: ChannelRef, drawn: str) -> None:
        query = (
            update(ArtistEventCopyRow)
            .where(
                (col(ArtistEventCopyRow.event_id) == event_id)
                & (col(ArtistEventCopyRow.platform) == channel.platform.value)
                & (col(ArtistEventCopyRow.workspace_id) == channel.workspace)
                & (col(ArtistEventCopyRow.channel_id) == channel.channel)
            )
            .values(drawn=drawn[:64])
            .execution_options(synchronize_session=False)
        )
        async with self.session() as s:
            await s.exec(query)

    async def find_event_copy(
        self, platform: Platform, workspace: str, copy_id: str
    ) -> EventCopyRef | None:
        query = select(ArtistEventCopyRow).where(
            (col(ArtistEventCopyRow.platform) == platform.value)
            & (col(ArtistEventCopyRow.workspace_id) == workspace)
            & (col(ArtistEventCopyRow.copy_id) == copy_id)
        )
        async with self.session() as s:
            row = (await s.exec(query)).first()
            return _copy(row) if row is not None else None

    async def set_event_interest(self, event_id: int, account_id: int, *, interested: bool) -> bool:
        if not interested:
            query = delete(ArtistEventInterestRow).where(
                (col(ArtistEventInterestRow.event_id) == event_id)
                & (col(ArtistEventInterestRow.account_id) == account_id)
            )
            async with self.session() as s:
                return bool((await s.exec(query)).rowcount)
        try:
            async with self.session() as s:
                s.add(ArtistEventInterestRow(event_id=event_id, account_id=account_id))
        except IntegrityError:
            return False
        return True

    async def interested_accounts(self, event_id: int) -> list[UserRef]:
        query = (
            select(PlatformAccountRow)
            .join(
                ArtistEventInterestRow,
                col(ArtistEventInterestRow.account_id) == col(PlatformAccountRow.id),
            )
            .where(col(ArtistEventInterestRow.event_id) == event_id)
            .order_by(col(PlatformAccountRow.id))
        )
        async with self.session() as s:
            return [
                UserRef(Platform(r.platform), r.workspace_id, r.user_id)
                for r in (await s.exec(query)).all()
            ]

    async def event_interest(self, event_id: int) -> int:
        query = (
            select(func.count(func.distinct(col(PlatformAccountRow.member_id))))
            .join(
                ArtistEventInterestRow,
                col(ArtistEventInterestRow.account_id) == col(PlatformAccountRow.id),
            )
            .where(col(ArtistEventInterestRow.event_id) == event_id)
        )
        async with self.session() as s:
            return int((await s.exec(query)).one())
