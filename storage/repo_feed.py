"""A group's newest shares, one by one (the Atom feed): each with the item it is of."""

from __future__ import annotations

from typing import Any

from sqlmodel import col

from bridge.music.tab_query import FEED_MAX, GroupShare
from storage.base import RepoBase
from storage.repo_tab import fetch_rows, share_detail, share_details_query
from storage.tables import MusicItemRow, ShareRow


class FeedRepo(RepoBase):
    async def recent_shares(self, group_id: int, *, limit: int = 50) -> list[GroupShare]:
        """The newest ``limit`` shares of the group, removed ones never; one message sharing
        a song twice (two platforms' links) is one share. An index on (group, time) serves
        it without reading the group's older shares."""
        limit = max(0, min(limit, FEED_MAX))
        query = (
            share_details_query()
            .add_columns(
                col(ShareRow.link_key),
                col(MusicItemRow.kind),
                col(MusicItemRow.title),
                col(MusicItemRow.artists),
            )
            .outerjoin(MusicItemRow, col(MusicItemRow.id) == col(ShareRow.item_id))
            .where(col(ShareRow.group_id) == group_id, col(ShareRow.removed_at).is_(None))
            .limit(limit * 2)  # room for the twice-shared songs skipped below
        )
        async with self.session() as s:
            rows = await fetch_rows(s, query)
        out: list[GroupShare] = []
        seen: set[tuple[int, int]] = set()
        for r in rows:
            if r.item_id is not None:
                if (r.message_id, r.item_id) in seen:
                    continue
                seen.add((r.message_id, r.item_id))
            out.append(_group_share(r))
            if len(out) == limit:
                break
        return out


def _group_share(r: Any) -> GroupShare:
    detail = share_detail(r)
    if r.item_id is None or r.title is None:
        return GroupShare(detail, f"l{r.id}", "link", r.url, (), resolved=False)
    return GroupShare(
        detail, str(r.item_id), r.kind or "track", r.title, tuple(r.artists or ()), True
    )
