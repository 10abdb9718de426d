"""Weekly digests (bridge/digests/model.py): the digest rows, claimed by inserting the row unique
per group and week with its outbox items in one transaction, and the counts a digest and the
insights page are made of. Every count is the database's (GROUP BY over the group's shares by
``ix_share_group_time``, its messages' reactions by ``message_id``, its people's first messages
by ``ix_message_group_author``); only the few ranked rows come back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bridge.digests.model import (
    TOP,
    WEEK,
    Digest,
    DigestContent,
    DigestDraft,
    DigestState,
    Ranked,
    WeekCount,
)
from bridge.ids import Role
from bridge.records import OutboxDraft
from storage import bulk
from storage.base import RepoBase
from storage.repo_messages import outbox_row
from storage.tables import (
    DigestRow,
    GroupRoleRow,
    MessageRow,
    MusicItemRow,
    PlatformAccountRow,
    ReactionRow,
    ShareRow,
)


def _digest(row: DigestRow) -> Digest:
    assert row.id is not None
    content = DigestContent.from_json(row.content) if row.content else None
    draft = DigestDraft(row.group_id, row.week, row.due_at, DigestState(row.state), content)
    return Digest(row.id, draft, row.created_at)


def _shared(group_id: int, since: float, until: float) -> list[ColumnElement[bool]]:
    """The period's shares of the group that still stand (message not deleted, not removed)."""
    return [
        col(ShareRow.group_id) == group_id,
        col(ShareRow.shared_at) >= since,
        col(ShareRow.shared_at) < until,
        col(ShareRow.removed_at).is_(None),
        col(MessageRow.deleted_at).is_(None),
    ]


async def _enqueue(s: AsyncSession, drafts: Sequence[OutboxDraft], at: float) -> None:
    if not drafts:
        return
    conn = await s.connection()
    await conn.run_sync(bulk.lock_channels, [d.target for d in drafts])
    s.add_all([outbox_row(d, at) for d in drafts])
    await s.flush()


class DigestRepo(RepoBase):
    # -- the digests ---------------------------------------------------------------------------
    async def claim_digest(
        self, draft: DigestDraft, *, at: float, enqueue: Sequence[OutboxDraft] = ()
    ) -> Digest | None:
        row = DigestRow(
            group_id=draft.group_id,
            week=draft.week,
            due_at=draft.due_at,
            state=draft.state.value,
            content=draft.content.to_json() if draft.content is not None else None,
            created_at=at,
        )
        try:
            async with self.session() as s:
                s.add(row)
                await s.flush()
                await _enqueue(s, enqueue, at)
        except IntegrityError:
            return None  # made already (another worker, an earlier run)
        return _digest(row)

    async def get_digest(self, group_id: int, week: str) -> Digest | None:
        query = select(DigestRow).where(
            (col(DigestRow.group_id) == group_id) & (col(DigestRow.week) == week)
        )
        async with self.session() as s:
            row = (await s.exec(query)).first()
            return _digest(row) if row is not None else None

    async def group_digests(self, group_id: int, *, limit: int = 52) -> list[Digest]:
        query = (
            select(DigestRow)
            .where(col(DigestRow.group_id) == group_id)
            .where(col(DigestRow.state) == DigestState.SENT.value)
            .order_by(col(DigestRow.due_at).desc())
            .limit(limit)
        )
        async with self.session() as s:
            return [_digest(r) for r in await s.exec(query)]

    # -- the week's music ----------------------------------------------------------------------
    async def top_shared(
        self, group_id: int, since: float, until: float, *, limit: int = TOP
    ) -> list[Ranked]:
        n = func.count(func.distinct(ShareRow.message_id))
        return await self._songs(n, group_id, since, until, limit, reactions=False)

    async def top_reacted(
        self, group_id: int, since: float, until: float, *, limit: int = TOP
    ) -> list[Ranked]:
        n = func.count(func.distinct(col(ReactionRow.id)))
        return await self._songs(n, group_id, since, until, limit, reactions=True)

    async def _songs(
        self, n: Any, group_id: int, since: float, until: float, limit: int, *, reactions: bool
    ) -> list[Ranked]:
        query = (
            select(ShareRow.item_id, n, func.min(ShareRow.url))
            .join(MessageRow, col(MessageRow.id) == col(ShareRow.message_id))
            .where(*_shared(group_id, since, until), col(ShareRow.item_id).is_not(None))
            .group_by(col(ShareRow.item_id))
            .order_by(n.desc(), col(ShareRow.item_id))
            .limit(limit)
        )
        if reactions:
            query = query.join(ReactionRow, col(ReactionRow.message_id) == col(ShareRow.message_id))
        async with self.session() as s:
            counted = list(await s.exec(query))
            ids = [int(item) for item, _, _ in counted if item is not None]
            items = await s.exec(select(MusicItemRow).where(col(MusicItemRow.id).in_(ids)))
            by_id = {i.id: i for i in items}
        return [
            Ranked(by_id[i].title, int(c), ", ".join(by_id[i].artists), url)
            for i, c, url in counted
            if i in by_id
        ]

    async def top_curators(
        self, group_id: int, since: float, until: float, *, limit: int = TOP
    ) -> list[Ranked]:
        """Linked accounts are one person: counted together, named by their busiest account."""
        n = func.count(col(ShareRow.id))
        who = (
            col(ShareRow.shared_by_platform),
            col(ShareRow.shared_by_workspace),
            col(ShareRow.shared_by_user),
        )
        query = (
            select(  # type: ignore[call-overload]
                *who, func.max(ShareRow.shared_by_name), n, col(PlatformAccountRow.member_id)
            )
            .join(MessageRow, col(MessageRow.id) == col(ShareRow.message_id))
            .outerjoin(PlatformAccountRow, _account_of(*who))
            .where(*_shared(group_id, since, until))
            .group_by(*(col(c) for c in who), col(PlatformAccountRow.member_id))
            .order_by(n.desc())
        )
        people: dict[object, Ranked] = {}
        async with self.session() as s:
            for platform, ws, user, name, count, member in await s.exec(query):
                key = member if member is not None else (platform, ws, user)
                seen = people.get(key)
                total = int(count) + (seen.count if seen else 0)
                people[key] = Ranked(seen.name if seen else str(name), total)
        ranked = sorted(people.values(), key=lambda r: (-r.count, r.name.lower()))
        return ranked[:limit]

    async def share_count(self, group_id: int, since: float, until: float) -> int:
        query = (
            select(func.count(col(ShareRow.id)))
            .join(MessageRow, col(MessageRow.id) == col(ShareRow.message_id))
            .where(*_shared(group_id, since, until))
        )
        async with self.session() as s:
            return int((await s.exec(query)).one())

    # -- the week's people -------------------------------------------------------------------
    async def new_members(
        self, group_id: int, since: float, until: float, *, limit: int = 20
    ) -> list[str]:
        first = func.min(MessageRow.created_at)
        who = (MessageRow.author_platform, MessageRow.author_workspace, MessageRow.author_user)
        posted = (  # linked accounts are one person: new when their first message is
            select(PlatformAccountRow.member_id, func.min(PlatformAccountRow.display_name), first)
            .join(PlatformAccountRow, _account_of(*who))
            .where(col(MessageRow.group_id) == group_id)
            .group_by(col(PlatformAccountRow.member_id))
            .having((first >= since) & (first < until))
        )
        joined = (
            select(GroupRoleRow.member_id, func.min(PlatformAccountRow.display_name))
            .join(PlatformAccountRow, col(PlatformAccountRow.member_id) == GroupRoleRow.member_id)
            .where(col(GroupRoleRow.group_id) == group_id, col(GroupRoleRow.role) == Role.MEMBER)
            .where(col(GroupRoleRow.granted_at) >= since, col(GroupRoleRow.granted_at) < until)
            .group_by(col(GroupRoleRow.member_id))
        )
        names: dict[int, tuple[float, str]] = {}
        async with self.session() as s:
            for member, name, at in await s.exec(posted):
                names.setdefault(int(member), (float(at), str(name)))
            for member, name in await s.exec(joined):
                names.setdefault(int(member), (until, str(name)))
        return [name for _, name in sorted(names.values())][:limit]

    # -- the insights --------------------------------------------------------------------------
    async def shares_by_week(self, group_id: int, since: float, until: float) -> list[WeekCount]:
        """One indexed count per week (each a range of ``ix_share_group_time``)."""
        counts: list[WeekCount] = []
        start = since
        async with self.session() as s:
            while start < until:
                end = min(start + WEEK, until)
                query = (
                    select(ShareRow.shared_by_platform, func.count(col(ShareRow.id)))
                    .join(MessageRow, col(MessageRow.id) == col(ShareRow.message_id))
                    .where(*_shared(group_id, start, end))
                    .group_by(col(ShareRow.shared_by_platform))
                    .order_by(col(ShareRow.shared_by_platform))
                )
                for platform, n in await s.exec(query):
                    counts.append(WeekCount(start, str(platform), int(n)))
                start = end
        return counts

    async def top_artists(
        self, group_id: int, since: float, until: float, *, limit: int = 8
    ) -> list[Ranked]:
        n = func.count(func.distinct(ShareRow.message_id))
        query = (
            select(MusicItemRow.artists, n)
            .join(ShareRow, col(ShareRow.item_id) == col(MusicItemRow.id))
            .join(MessageRow, col(MessageRow.id) == col(ShareRow.message_id))
            .where(*_shared(group_id, since, until))
            .group_by(col(MusicItemRow.id))
            .order_by(n.desc())
            .limit(500)
        )
        totals: dict[str, int] = {}
        async with self.session() as s:
            for artists, count in await s.exec(query):
                for artist in artists or ():
                    totals[str(artist)] = totals.get(str(artist), 0) + int(count)
        ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0].lower()))
        return [Ranked(name, count) for name, count in ranked[:limit]]


def _account_of(platform: Any, workspace: Any, user: Any) -> ColumnElement[bool]:
    return and_(
        col(PlatformAccountRow.platform) == platform,
        col(PlatformAccountRow.workspace_id) == workspace,
        col(PlatformAccountRow.user_id) == user,
    )
