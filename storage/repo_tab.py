"""The music tab: a group's shares folded into items, with counts, sorted and paged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import col, select

from bridge.records import TabEntry
from storage.repo_music import MusicRepo
from storage.tables import ReactionRow, ShareRow

SORTS: dict[str, Callable[[TabEntry], tuple[float, ...]]] = {
    "recent": lambda e: (-e.last_shared_at,),
    "top": lambda e: (-e.shares, -e.last_shared_at),
    "reacted": lambda e: (-e.reactions, -e.shares, -e.last_shared_at),
}


@dataclass
class _Fold:
    item_id: int | None
    url: str
    platform: str
    messages: set[int] = field(default_factory=set)
    first: float = float("inf")
    last: float = 0.0
    sharers: dict[str, None] = field(default_factory=dict)


class TabRepo(MusicRepo):
    async def music_tab(
        self,
        group_id: int,
        *,
        sort: str = "recent",
        limit: int = 10,
        offset: int = 0,
        platform: str | None = None,
        sharer: str | None = None,
    ) -> tuple[list[TabEntry], int]:
        """One page of the tab and the total number of entries."""
        folds = await self._folds(group_id, platform, sharer)
        reactions = await self._reaction_counts({m for f in folds.values() for m in f.messages})
        entries = [
            TabEntry(
                key=key,
                item=None,
                url=f.url,
                platform=f.platform,
                shares=len(f.messages),
                reactions=sum(reactions.get(m, 0) for m in f.messages),
                first_shared_at=f.first,
                last_shared_at=f.last,
                sharers=tuple(f.sharers),
            )
            for key, f in folds.items()
        ]
        entries.sort(key=SORTS.get(sort, SORTS["recent"]))
        page = entries[offset : offset + limit]
        return [await self._with_item(e, folds[e.key].item_id) for e in page], len(entries)

    async def _folds(
        self, group_id: int, platform: str | None, sharer: str | None
    ) -> dict[str, _Fold]:
        query = select(ShareRow).where(
            (col(ShareRow.group_id) == group_id) & (col(ShareRow.removed_at).is_(None))
        )
        if platform:
            query = query.where(col(ShareRow.platform) == platform)
        if sharer:
            query = query.where(col(ShareRow.shared_by_name) == sharer)
        async with self.session() as s:
            rows = (await s.exec(query.order_by(col(ShareRow.id)))).all()
        folds: dict[str, _Fold] = {}
        for row in rows:
            key = f"item:{row.item_id}" if row.item_id is not None else row.link_key
            fold = folds.setdefault(key, _Fold(row.item_id, row.url, row.platform))
            fold.messages.add(row.message_id)
            fold.first = min(fold.first, row.shared_at)
            fold.last = max(fold.last, row.shared_at)
            fold.sharers[row.shared_by_name] = None
        return folds

    async def _reaction_counts(self, message_ids: set[int]) -> dict[int, int]:
        if not message_ids:
            return {}
        query = (
            select(ReactionRow.message_id, func.count())
            .where(col(ReactionRow.message_id).in_(message_ids))
            .group_by(col(ReactionRow.message_id))
        )
        async with self.session() as s:
            return {m: int(n) for m, n in (await s.exec(query)).all()}

    async def _with_item(self, entry: TabEntry, item_id: int | None) -> TabEntry:
        if item_id is None:
            return entry
        from dataclasses import replace

        return replace(entry, item=await self.get_item(item_id))
