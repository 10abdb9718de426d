"""The web music tab and the group's feed, in memory: ``TabQuery`` in, ``TabPage`` out, with
the same filters, sorts, counts and paging as the SQL queries."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from bridge.music.tab_query import (
    FEED_MAX,
    GroupShare,
    ShareDetail,
    TabItem,
    TabItemDetail,
    TabPage,
    TabQuery,
    permalink,
    query_page,
    share_quote,
)
from bridge.records import MusicItem
from bridge.testing.tables import ShareRow, Tables

Key = tuple[int | None, str]  # (item id, "") for an item; (None, link key) for a bare link


@dataclass(frozen=True, slots=True)
class _Entry:
    key: Key
    shares: tuple[ShareRow, ...]  # the entry's shares under the query's filters, oldest first
    messages: int
    reactions: int

    @property
    def first(self) -> ShareRow:
        return self.shares[0]

    @property
    def last_at(self) -> float:
        return max(s.shared_at for s in self.shares)


SORTS: dict[str, Callable[[_Entry], tuple[float, ...]]] = {
    "recent": lambda e: (-e.last_at, -e.first.id),
    "shared": lambda e: (-e.messages, -e.last_at, -e.first.id),
    "reacted": lambda e: (-e.reactions, -e.messages, -e.last_at, -e.first.id),
}


def _key(share: ShareRow) -> Key:
    return (share.item_id, "") if share.item_id is not None else (None, share.link_key)


def _words_in(words: list[str], *texts: str) -> bool:
    hay = " ".join(texts).casefold()
    return all(w in hay for w in words)


class MemoryTab:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    async def tab_items(self, group_id: int, query: TabQuery) -> TabPage[TabItem]:
        entries = self._entries(self._filtered(group_id, query))
        entries.sort(key=SORTS[query.sort])
        page = entries[query.offset : query.offset + query.per_page]
        group = self.t.groups.get(group_id)
        slug, name = (group.slug, group.name) if group is not None else ("", "")
        items = tuple(self._item(e) for e in page)
        return query_page(query, items, len(entries), group_slug=slug, group_name=name)

    async def tab_item(self, group_id: int, ref: str) -> TabItemDetail | None:
        key = self._key_of(group_id, ref)
        shares = [s for s in self._filtered(group_id, TabQuery()) if _key(s) == key]
        if key is None or not shares:
            return None
        [entry] = self._entries(shares)
        return TabItemDetail(self._item(entry), self._details(shares))

    async def recent_shares(self, group_id: int, *, limit: int = 50) -> list[GroupShare]:
        out: list[GroupShare] = []
        seen: set[tuple[int, int]] = set()
        for share in self._newest_first(self._filtered(group_id, TabQuery())):
            if share.item_id is not None:
                if (share.message_id, share.item_id) in seen:
                    continue
                seen.add((share.message_id, share.item_id))
            out.append(self._group_share(share))
        return out[: max(0, min(limit, FEED_MAX))]

    # -- filters --------------------------------------------------------------------------
    def _filtered(self, group_id: int, query: TabQuery) -> list[ShareRow]:
        rows = [
            s
            for s in self.t.shares.values()
            if s.group_id == group_id and s.removed_at is None and self._wanted(s, query)
        ]
        if query.q:
            words = query.q.casefold().split()
            rows = [s for s in rows if self._found(s, words)]
        return rows

    def _wanted(self, share: ShareRow, query: TabQuery) -> bool:
        sharer = query.sharer
        item = self.t.items.get(share.item_id) if share.item_id is not None else None
        checks = (
            not sharer or share.shared_by_name.lower() == sharer.lower(),
            query.since is None or share.shared_at >= query.since,
            query.until is None or share.shared_at < query.until,
            not query.platform or self._known_on(share, query.platform),
            not query.kind or (item.kind if item else "link") == query.kind,
        )
        return all(checks)

    def _known_on(self, share: ShareRow, platform: str) -> bool:
        item = self.t.items.get(share.item_id) if share.item_id is not None else None
        if item is None:
            return share.platform == platform
        return any(link.platform == platform for link in item.links)

    def _found(self, share: ShareRow, words: list[str]) -> bool:
        item = self.t.items.get(share.item_id) if share.item_id is not None else None
        if item is None:
            return _words_in(words, share.url)
        return _words_in(words, item.title, *item.artists)

    # -- entries --------------------------------------------------------------------------
    def _entries(self, shares: Iterable[ShareRow]) -> list[_Entry]:
        grouped: dict[Key, list[ShareRow]] = {}
        for share in sorted(shares, key=lambda s: s.id):
            grouped.setdefault(_key(share), []).append(share)
        return [self._entry(key, rows) for key, rows in grouped.items()]

    def _entry(self, key: Key, rows: list[ShareRow]) -> _Entry:
        messages = set(s.message_id for s in rows)
        reactions = sum(self.t.reaction_count(m) for m in messages)
        return _Entry(key, tuple(rows), len(messages), reactions)

    def _item(self, entry: _Entry) -> TabItem:
        first = entry.first
        in_order = sorted(entry.shares, key=lambda s: (s.shared_at, s.id))
        shared_by = tuple(
            dict.fromkeys((s.shared_by_name, s.shared_by.platform.value) for s in in_order)
        )
        link = TabItem(
            ref=f"l{first.id}",
            kind="link",
            title=first.url,
            artists=(),
            album=None,
            duration_ms=None,
            artwork_url=None,
            links=((first.platform, first.url),),
            shares=entry.messages,
            reactions=entry.reactions,
            sharers=tuple(dict.fromkeys(name for name, _ in shared_by)),
            first_shared_at=min(s.shared_at for s in entry.shares),
            last_shared_at=entry.last_at,
            resolved=False,
            shared_by=shared_by,
        )
        item = self.t.items.get(first.item_id) if first.item_id is not None else None
        return link if item is None else self._resolved(link, item, first)

    def _resolved(self, link: TabItem, item: MusicItem, first: ShareRow) -> TabItem:
        links: dict[str, str] = {}
        for known in item.links:
            links.setdefault(known.platform, known.url)
        links.setdefault(first.platform, first.url)
        return replace(
            link,
            ref=str(item.id),
            kind=item.kind or "track",
            title=item.title or first.url,
            artists=item.artists,
            album=item.album,
            duration_ms=item.duration_ms,
            artwork_url=item.artwork_url,
            links=tuple(links.items()),
            resolved=True,
        )

    def _key_of(self, group_id: int, ref: str) -> Key | None:
        if ref.isascii() and ref.isdigit() and len(ref) < 19:
            return (int(ref), "")
        if ref.isascii() and ref.startswith("l") and ref[1:].isdigit() and len(ref) < 20:
            share = self.t.shares.get(int(ref[1:]))
            if share is None or share.group_id != group_id:
                return None
            return _key(share)
        return None

    # -- shares as the item page and the feed show them ----------------------------------
    def _newest_first(self, shares: Iterable[ShareRow]) -> list[ShareRow]:
        return sorted(shares, key=lambda s: (s.shared_at, s.id), reverse=True)

    def _details(self, shares: Iterable[ShareRow]) -> tuple[ShareDetail, ...]:
        out: dict[tuple[str, str, str], ShareDetail] = {}
        for share in self._newest_first(shares):
            message = self.t.messages[share.message_id]
            where = (
                message.origin.platform.value,
                message.origin.channel,
                message.origin_message_id,
            )
            out.setdefault(where, self._detail(share))
        return tuple(out.values())

    def _detail(self, share: ShareRow) -> ShareDetail:
        message = self.t.messages[share.message_id]
        origin = message.origin
        copy = self.t.copies.get((origin, message.origin_message_id, 0))
        link = self.t.links.get(origin)
        return ShareDetail(
            share_id=share.id,
            sharer=share.shared_by_name,
            platform=origin.platform.value,
            workspace=origin.workspace,
            channel=origin.channel,
            channel_name=link.channel_name if link is not None else None,
            shared_at=share.shared_at,
            url=share.url,
            quote=share_quote(message.text, message.deleted_at is not None),
            permalink=permalink(
                origin.platform.value,
                origin.workspace,
                origin.channel,
                message.origin_message_id,
                copy.thread_id if copy is not None else None,
            ),
        )

    def _group_share(self, share: ShareRow) -> GroupShare:
        detail = self._detail(share)
        item = self.t.items.get(share.item_id) if share.item_id is not None else None
        if item is None or not item.title:
            return GroupShare(detail, f"l{share.id}", "link", share.url, (), resolved=False)
        return GroupShare(
            detail, str(item.id), item.kind or "track", item.title, item.artists, True
        )
