"""Music items, their per-platform links, shares in groups, and the link resolution cache."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select, update

from bridge.ids import UserRef
from bridge.music.model import Metadata
from bridge.records import ItemLink, MusicItem, ShareDraft
from storage.base import RepoBase
from storage.tables import LinkCacheRow, MusicItemRow, MusicLinkRow, ShareRow


def item_record(row: MusicItemRow, links: Sequence[MusicLinkRow]) -> MusicItem:
    assert row.id is not None
    return MusicItem(
        id=row.id,
        kind=row.kind,
        title=row.title,
        artists=tuple(row.artists or ()),
        album=row.album,
        duration_ms=row.duration_ms,
        isrc=row.isrc,
        upc=row.upc,
        artwork_url=row.artwork_url,
        links=tuple(ItemLink(r.platform, r.kind, r.platform_id, r.url) for r in links),
    )


def _tolerance(kind: str, duration_ms: int) -> int:
    """±2 s for a track; an album's length may differ by a little more per track (0.5 %)."""
    return 2000 if kind == "track" else max(2000, duration_ms // 200)


class MusicRepo(RepoBase):
    async def add_shares(
        self,
        *,
        group_id: int,
        message_id: int,
        shared_by: UserRef,
        shared_by_name: str,
        drafts: Sequence[ShareDraft],
    ) -> list[str]:
        """Record the shares of one message; returns the link keys that still need resolving."""
        now = self.clock.now()
        pending: list[str] = []
        for draft in drafts:
            cached = await self._cache_row(draft.link_key)
            if cached is None:
                await self._new_cache_row(draft, now)
            item_id = cached.item_id if cached is not None and cached.status == "ok" else None
            if item_id is None:
                pending.append(draft.link_key)
            row = ShareRow(
                group_id=group_id,
                message_id=message_id,
                item_id=item_id,
                link_key=draft.link_key,
                platform=draft.platform,
                url=draft.url,
                shared_by_platform=shared_by.platform.value,
                shared_by_workspace=shared_by.workspace,
                shared_by_user=shared_by.user,
                shared_by_name=shared_by_name,
                shared_at=now,
            )
            try:
                async with self.session() as s:
                    s.add(row)
            except IntegrityError:
                continue  # the same link twice in one message is one share
        return pending

    async def _cache_row(self, link_key: str) -> LinkCacheRow | None:
        async with self.session() as s:
            query = select(LinkCacheRow).where(LinkCacheRow.link_key == link_key)
            return (await s.exec(query)).first()

    async def _new_cache_row(self, draft: ShareDraft, now: float) -> None:
        row = LinkCacheRow(
            link_key=draft.link_key, url=draft.url, next_attempt_at=now, updated_at=now
        )
        try:
            async with self.session() as s:
                s.add(row)
        except IntegrityError:
            pass  # resolved concurrently: fine

    async def due_links(self, *, now: float, limit: int = 20) -> list[tuple[str, str, int]]:
        """(link key, url, attempts) of links whose resolution is due."""
        query = (
            select(LinkCacheRow)
            .where(col(LinkCacheRow.status).in_(("pending", "failed")))
            .where(col(LinkCacheRow.next_attempt_at) <= now)
            .order_by(col(LinkCacheRow.next_attempt_at))
            .limit(limit)
        )
        async with self.session() as s:
            return [(r.link_key, r.url, r.attempts) for r in (await s.exec(query)).all()]

    async def next_link_due(self) -> float | None:
        query = (
            select(LinkCacheRow.next_attempt_at)
            .where(col(LinkCacheRow.status).in_(("pending", "failed")))
            .order_by(col(LinkCacheRow.next_attempt_at))
            .limit(1)
        )
        async with self.session() as s:
            return (await s.exec(query)).first()

    async def mark_link(
        self,
        link_key: str,
        *,
        status: str,
        item_id: int | None = None,
        error: str | None = None,
        retry_at: float | None = None,
    ) -> list[int]:
        """Record a resolution outcome; when resolved, attach the waiting shares to the item.
        Returns the ids of the messages whose shares were just attached."""
        now = self.clock.now()
        async with self.session() as s:
            row = (
                await s.exec(select(LinkCacheRow).where(LinkCacheRow.link_key == link_key))
            ).first()
            if row is None:
                return []
            row.status, row.item_id, row.last_error = status, item_id, error
            row.attempts += 1
            row.updated_at = now
            row.next_attempt_at = retry_at if retry_at is not None else now
            s.add(row)
            if item_id is None:
                return []
            waiting = select(ShareRow.message_id).where(
                (col(ShareRow.link_key) == link_key) & (col(ShareRow.item_id).is_(None))
            )
            messages = list((await s.exec(waiting)).all())
            await s.exec(
                update(ShareRow)
                .where((col(ShareRow.link_key) == link_key) & (col(ShareRow.item_id).is_(None)))
                .values(item_id=item_id)
            )
            return messages

    async def item_for_link(self, platform: str, kind: str, platform_id: str) -> int | None:
        query = select(MusicLinkRow.item_id).where(
            (col(MusicLinkRow.platform) == platform)
            & (col(MusicLinkRow.kind) == kind)
            & (col(MusicLinkRow.platform_id) == platform_id)
        )
        async with self.session() as s:
            return (await s.exec(query)).first()

    async def find_item(
        self,
        *,
        kind: str,
        isrc: str | None,
        upc: str | None,
        match_key: str | None,
        duration_ms: int | None,
    ) -> int | None:
        """The canonical item: same ISRC/UPC, else same normalised artist+title within ±2 s."""
        async with self.session() as s:
            for column, value in ((MusicItemRow.isrc, isrc), (MusicItemRow.upc, upc)):
                if value:
                    query = select(MusicItemRow.id).where(
                        (col(column) == value) & (col(MusicItemRow.kind) == kind)
                    )
                    found = (await s.exec(query)).first()
                    if found is not None:
                        return found
            if not match_key:
                return None
            query2 = select(MusicItemRow).where(
                (col(MusicItemRow.match_key) == match_key) & (col(MusicItemRow.kind) == kind)
            )
            for row in (await s.exec(query2)).all():
                close = (
                    duration_ms is None
                    or row.duration_ms is None
                    or abs(row.duration_ms - duration_ms) <= _tolerance(kind, duration_ms)
                )
                if close:
                    return row.id
        return None

    async def create_item(self, meta: Metadata, *, match_key: str | None) -> int:
        row = MusicItemRow(
            kind=meta.kind,
            title=meta.title[:500],
            artists=list(meta.artists),
            album=meta.album,
            duration_ms=meta.duration_ms,
            isrc=meta.isrc,
            upc=meta.upc,
            artwork_url=meta.artwork_url,
            match_key=match_key,
            created_at=self.clock.now(),
        )
        async with self.session() as s:
            s.add(row)
            await s.flush()
            assert row.id is not None
            return row.id

    async def enrich_item(self, item_id: int, meta: Metadata) -> None:
        """Fill in what the item lacks (ISRC, UPC, artwork, duration) from another platform."""
        async with self.session() as s:
            row = await s.get(MusicItemRow, item_id)
            if row is None:
                return
            row.isrc = row.isrc or meta.isrc
            row.upc = row.upc or meta.upc
            row.artwork_url = row.artwork_url or meta.artwork_url
            row.duration_ms = row.duration_ms or meta.duration_ms
            row.album = row.album or meta.album
            s.add(row)

    async def add_item_link(self, item_id: int, link: ItemLink) -> None:
        row = MusicLinkRow(
            item_id=item_id,
            platform=link.platform,
            kind=link.kind,
            platform_id=link.platform_id,
            url=link.url,
        )
        try:
            async with self.session() as s:
                s.add(row)
        except IntegrityError:
            pass  # already known

    async def get_item(self, item_id: int) -> MusicItem | None:
        async with self.session() as s:
            row = await s.get(MusicItemRow, item_id)
            if row is None:
                return None
            links = (
                await s.exec(select(MusicLinkRow).where(MusicLinkRow.item_id == item_id))
            ).all()
            return item_record(row, links)

    async def items_of_message(self, message_id: int) -> list[MusicItem]:
        query = (
            select(ShareRow.item_id)
            .where((col(ShareRow.message_id) == message_id) & (col(ShareRow.item_id).is_not(None)))
            .order_by(col(ShareRow.id))
        )
        async with self.session() as s:
            ids = [i for i in (await s.exec(query)).all() if i is not None]
        items = [await self.get_item(i) for i in dict.fromkeys(ids)]
        return [i for i in items if i is not None]

    async def remove_shares(self, message_id: int, *, at: float) -> int:
        async with self.session() as s:
            result = await s.exec(
                update(ShareRow)
                .where(
                    (col(ShareRow.message_id) == message_id) & (col(ShareRow.removed_at).is_(None))
                )
                .values(removed_at=at)
            )
            return int(result.rowcount or 0)
