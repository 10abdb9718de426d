"""Music items, their per-platform links, shares in groups and the link resolution cache, in
memory; and the chat command's music tab."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from bridge.ids import UserRef
from bridge.music.model import Metadata
from bridge.records import ItemLink, MusicItem, ShareDraft, TabEntry
from bridge.testing.tables import CacheRow, ShareRow, Tables

RETRIED = ("pending", "failed")
SORTS: dict[str, Callable[[TabEntry], tuple[float, ...]]] = {
    "recent": lambda e: (-e.last_shared_at,),
    "top": lambda e: (-e.shares, -e.last_shared_at),
    "reacted": lambda e: (-e.reactions, -e.shares, -e.last_shared_at),
}


def _tolerance(kind: str, duration_ms: int) -> int:
    """±2 s for a track; an album's length may differ by a little more per track (0.5 %)."""
    return 2000 if kind == "track" else max(2000, duration_ms // 200)


@dataclass
class _Fold:
    item_id: int | None
    url: str
    platform: str
    messages: set[int] = field(default_factory=set)
    first: float = float("inf")
    last: float = 0.0
    sharers: dict[str, None] = field(default_factory=dict)


class MemoryMusic:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    async def add_shares(
        self,
        *,
        group_id: int,
        message_id: int,
        shared_by: UserRef,
        shared_by_name: str,
        drafts: Sequence[ShareDraft],
    ) -> list[str]:
        now, pending = self.t.clock.now(), []
        for draft in drafts:
            cached = self.t.cache.get(draft.link_key)
            if cached is None:
                self.t.cache[draft.link_key] = CacheRow(draft.link_key, draft.url, now)
            item_id = cached.item_id if cached is not None and cached.status == "ok" else None
            if item_id is None:
                pending.append(draft.link_key)
            if any(
                (s.message_id, s.link_key) == (message_id, draft.link_key)
                for s in self.t.shares.values()
            ):
                continue  # the same link twice in one message is one share
            share_id = self.t.next_id("share")
            self.t.shares[share_id] = ShareRow(
                share_id, group_id, message_id, item_id, draft.link_key, draft.platform,
                draft.url, shared_by, shared_by_name, now,
            )  # fmt: skip
        return pending

    def _retried(self) -> list[CacheRow]:
        rows = [r for r in self.t.cache.values() if r.status in RETRIED]
        return sorted(rows, key=lambda r: r.next_attempt_at)

    async def due_links(self, *, now: float, limit: int = 20) -> list[tuple[str, str, int]]:
        due = [r for r in self._retried() if r.next_attempt_at <= now][:limit]
        return [(r.link_key, r.url, r.attempts) for r in due]

    async def next_link_due(self) -> float | None:
        return next((r.next_attempt_at for r in self._retried()), None)

    async def mark_link(
        self,
        link_key: str,
        *,
        status: str,
        item_id: int | None = None,
        error: str | None = None,
        retry_at: float | None = None,
    ) -> list[int]:
        row = self.t.cache.get(link_key)
        if row is None:
            return []
        now = self.t.clock.now()
        row.status, row.item_id, row.last_error = status, item_id, error
        row.attempts += 1
        row.next_attempt_at = retry_at if retry_at is not None else now
        if item_id is None:
            return []
        waiting = [
            s for s in self.t.shares.values() if s.link_key == link_key and s.item_id is None
        ]
        for share in waiting:
            share.item_id = item_id
        return [s.message_id for s in waiting]

    async def item_for_link(self, platform: str, kind: str, platform_id: str) -> int | None:
        return self.t.item_links.get((platform, kind, platform_id))

    async def find_item(
        self,
        *,
        kind: str,
        isrc: str | None,
        upc: str | None,
        match_key: str | None,
        duration_ms: int | None,
    ) -> int | None:
        items = [i for i in self.t.items.values() if i.kind == kind]
        by_code = [i.id for i in items if isrc and i.isrc == isrc]
        by_code += [i.id for i in items if upc and i.upc == upc]
        if by_code:
            return by_code[0]
        if not match_key:
            return None
        for item in items:
            if self.t.match_keys.get(item.id) != match_key:
                continue
            if (
                duration_ms is None
                or item.duration_ms is None
                or abs(item.duration_ms - duration_ms) <= _tolerance(kind, duration_ms)
            ):
                return item.id
        return None

    async def create_item(self, meta: Metadata, *, match_key: str | None) -> int:
        item_id = self.t.next_id("music_item")
        self.t.items[item_id] = MusicItem(
            id=item_id,
            kind=meta.kind,
            title=meta.title[:500],
            artists=tuple(meta.artists),
            album=meta.album,
            duration_ms=meta.duration_ms,
            isrc=meta.isrc,
            upc=meta.upc,
            artwork_url=meta.artwork_url,
        )
        self.t.match_keys[item_id] = match_key
        return item_id

    async def enrich_item(self, item_id: int, meta: Metadata) -> None:
        item = self.t.items.get(item_id)
        if item is None:
            return
        self.t.items[item_id] = replace(
            item,
            isrc=item.isrc or meta.isrc,
            upc=item.upc or meta.upc,
            artwork_url=item.artwork_url or meta.artwork_url,
            duration_ms=item.duration_ms or meta.duration_ms,
            album=item.album or meta.album,
        )

    async def add_item_link(self, item_id: int, link: ItemLink) -> None:
        key = (link.platform, link.kind, link.platform_id)
        item = self.t.items.get(item_id)
        if key in self.t.item_links or item is None:
            return  # already known
        self.t.item_links[key] = item_id
        self.t.items[item_id] = replace(item, links=(*item.links, link))

    async def get_item(self, item_id: int) -> MusicItem | None:
        return self.t.items.get(item_id)

    async def items_of_message(self, message_id: int) -> list[MusicItem]:
        ids = [s.item_id for s in self.t.shares.values() if s.message_id == message_id]
        found = [self.t.items.get(i) for i in dict.fromkeys(ids) if i is not None]
        return [i for i in found if i is not None]

    async def remove_shares(self, message_id: int, *, at: float) -> int:
        live = [
            s for s in self.t.shares.values() if s.message_id == message_id and s.removed_at is None
        ]
        for share in live:
            share.removed_at = at
        return len(live)

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
        folds = self._folds(group_id, platform, sharer)
        entries = [self._entry(key, f) for key, f in folds.items()]
        entries.sort(key=SORTS.get(sort, SORTS["recent"]))
        return entries[offset : offset + limit], len(entries)

    def _folds(self, group_id: int, platform: str | None, sharer: str | None) -> dict[str, _Fold]:
        folds: dict[str, _Fold] = {}
        for row in self.t.shares.values():
            if row.group_id != group_id or row.removed_at is not None:
                continue
            if (platform and row.platform != platform) or (sharer and row.shared_by_name != sharer):
                continue
            key = f"item:{row.item_id}" if row.item_id is not None else row.link_key
            fold = folds.setdefault(key, _Fold(row.item_id, row.url, row.platform))
            fold.messages.add(row.message_id)
            fold.first, fold.last = min(fold.first, row.shared_at), max(fold.last, row.shared_at)
            fold.sharers[row.shared_by_name] = None
        return folds

    def _entry(self, key: str, fold: _Fold) -> TabEntry:
        return TabEntry(
            key=key,
            item=self.t.items.get(fold.item_id) if fold.item_id is not None else None,
            url=fold.url,
            platform=fold.platform,
            shares=len(fold.messages),
            reactions=sum(self.t.reaction_count(m) for m in fold.messages),
            first_shared_at=fold.first,
            last_shared_at=fold.last,
            sharers=tuple(fold.sharers),
        )
