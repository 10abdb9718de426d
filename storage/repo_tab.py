"""The music tab: a group's shares folded into items, with counts, sorted and paged."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    String,
    Subquery,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
)
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bridge.music.tab_query import (
    ShareDetail,
    TabItem,
    TabItemDetail,
    TabPage,
    TabQuery,
    permalink,
    query_page,
    share_quote,
)
from bridge.records import TabEntry
from storage.base import Database, RepoBase
from storage.repo_music import MusicRepo
from storage.tables import (
    ChannelLinkRow,
    FanGroupRow,
    MessageCopyRow,
    MessageRow,
    MusicItemRow,
    MusicLinkRow,
    ReactionRow,
    ShareRow,
)

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


class ChatTabRepo(RepoBase):
    """The chat command's view of the music tab (``music_tab``); items come from ``music``."""

    def __init__(self, db: Database, music: MusicRepo) -> None:
        super().__init__(db)
        self.music = music

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
        return replace(entry, item=await self.music.get_item(item_id))


# -- the web tab: TabQuery in, TabPage out (filters, sorts and paging pushed into SQL) -------
S = ShareRow
SEARCH_IDS_MAX = 20_000  # beyond this many matches a search filters nothing (every id matches)


@dataclass(frozen=True, slots=True)
class _Key:
    """An entry's identity: the resolved item, or the link key of a link not resolved yet."""

    item_id: int | None
    link_key: str


@dataclass(frozen=True, slots=True)
class _Row:
    key: _Key
    first_share_id: int
    shares: int
    reactions: int
    first_shared_at: float
    last_shared_at: float
    url: str
    platform: str
    kind: str | None
    title: str | None
    artists: tuple[str, ...]
    album: str | None
    duration_ms: int | None
    artwork_url: str | None


def _share_filters(group_id: int, query: TabQuery) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [
        col(S.group_id) == group_id,
        col(S.removed_at).is_(None),
    ]
    if query.sharer:
        name = col(S.shared_by_name)  # SQLite's lower() folds ASCII only: exact names match too
        conds.append(or_(name == query.sharer, func.lower(name) == query.sharer.lower()))
    if query.since is not None:
        conds.append(col(S.shared_at) >= query.since)
    if query.until is not None:
        conds.append(col(S.shared_at) < query.until)
    if query.platform:
        known_on = select(MusicLinkRow.item_id).where(col(MusicLinkRow.platform) == query.platform)
        conds.append(
            or_(
                col(S.item_id).in_(known_on),
                and_(col(S.item_id).is_(None), col(S.platform) == query.platform),
            )
        )
    if query.kind == "link":
        conds.append(col(S.item_id).is_(None))
    elif query.kind:
        of_kind = select(MusicItemRow.id).where(col(MusicItemRow.kind) == query.kind)
        conds.append(col(S.item_id).in_(of_kind))
    return conds


def _key_filter(key: _Key) -> ColumnElement[bool]:
    if key.item_id is not None:
        return col(S.item_id) == key.item_id
    return and_(col(S.item_id).is_(None), col(S.link_key) == key.link_key)


def _keys_filter(keys: Sequence[_Key]) -> ColumnElement[bool]:
    items = [k.item_id for k in keys if k.item_id is not None]
    links = [k.link_key for k in keys if k.item_id is None]
    return or_(
        col(S.item_id).in_(items),
        and_(col(S.item_id).is_(None), col(S.link_key).in_(links)),
    )


def _counts(conds: Sequence[ColumnElement[bool]], reactions: bool) -> Subquery:
    """Per entry: first share id, shares, reactions, first and last share time. Shares count
    messages: the same song twice in one message (two platforms' links) is one share. Counting
    reactions exactly needs one row per (entry, message) first, which costs about twice as
    much: without ``reactions`` the column is 0 (the caller counts them for its page)."""
    unresolved_key = case((col(S.item_id).is_(None), col(S.link_key)), else_=literal(""))
    if not reactions:
        return (
            sa_select(
                col(S.item_id).label("item_id"),
                unresolved_key.label("lk"),
                func.min(S.id).label("sid"),
                func.count(func.distinct(col(S.message_id))).label("shares"),
                literal(0).label("reactions"),
                func.min(S.shared_at).label("first"),
                func.max(S.shared_at).label("last"),
            )
            .where(*conds)
            .group_by(col(S.item_id), unresolved_key)
            .subquery()
        )
    per_message = (
        sa_select(
            col(S.item_id).label("item_id"),
            unresolved_key.label("lk"),
            col(S.message_id).label("message_id"),
            func.min(S.id).label("sid"),
            func.min(S.shared_at).label("first"),
            func.max(S.shared_at).label("last"),
        )
        .where(*conds)
        .group_by(col(S.item_id), unresolved_key, col(S.message_id))
        .subquery()
    )
    shared_in = select(S.message_id).where(*conds)
    counted = (
        select(col(ReactionRow.message_id).label("message_id"), func.count().label("n"))
        .where(col(ReactionRow.message_id).in_(shared_in))
        .group_by(col(ReactionRow.message_id))
        .subquery()
    )
    pm = per_message.c
    return (
        sa_select(
            pm.item_id,
            pm.lk,
            func.min(pm.sid).label("sid"),
            func.count().label("shares"),
            func.coalesce(func.sum(counted.c.n), 0).label("reactions"),
            func.min(pm.first).label("first"),
            func.max(pm.last).label("last"),
        )
        .select_from(per_message.outerjoin(counted, counted.c.message_id == pm.message_id))
        .group_by(pm.item_id, pm.lk)
        .subquery()
    )


def _words_filter(words: Sequence[str]) -> ColumnElement[bool]:
    """Every word in the title, the artists (as JSON text) or the URL, in SQL."""

    def has(word: str) -> ColumnElement[bool]:
        in_item = select(MusicItemRow.id).where(
            or_(
                func.lower(col(MusicItemRow.title)).contains(word, autoescape=True),
                func.lower(cast(col(MusicItemRow.artists), String)).contains(word, autoescape=True),
            )
        )
        return or_(
            col(S.item_id).in_(in_item),
            func.lower(col(S.url)).contains(word, autoescape=True),
        )

    return and_(*(has(w) for w in words))


def _entries(
    conds: Sequence[ColumnElement[bool]], sort: str, *, reactions: bool = True
) -> Select[Any]:
    """One row per entry with its counts, in ``sort`` order, and the number of entries."""
    agg = _counts(conds, reactions or sort == "reacted")
    a = agg.c
    first_share = aliased(ShareRow)
    order = {
        "recent": (a.last.desc(),),
        "shared": (a.shares.desc(), a.last.desc()),
        "reacted": (a.reactions.desc(), a.shares.desc(), a.last.desc()),
    }[sort]
    return (
        sa_select(
            a.item_id,
            a.lk,
            a.sid,
            a.shares,
            a.reactions,
            a.first,
            a.last,
            col(first_share.url),
            col(first_share.platform),
            col(first_share.link_key),
            col(MusicItemRow.kind),
            col(MusicItemRow.title),
            col(MusicItemRow.artists),
            col(MusicItemRow.album),
            col(MusicItemRow.duration_ms),
            col(MusicItemRow.artwork_url),
            func.count().over().label("total"),  # every entry's count, in the same pass
        )
        .select_from(agg)
        .join(first_share, col(first_share.id) == a.sid)
        .outerjoin(MusicItemRow, col(MusicItemRow.id) == a.item_id)
        .order_by(*order, a.sid.desc())
    )


async def fetch_rows(s: AsyncSession, statement: Select[Any]) -> Sequence[Row[Any]]:
    """Rows of a core ``select`` of many columns (sqlmodel's ``select`` types four at most)."""
    result = await s.exec(statement)  # type: ignore[call-overload]
    rows: Sequence[Row[Any]] = result.all()
    return rows


def _row(r: Any) -> _Row:
    return _Row(
        key=_Key(r.item_id, "" if r.item_id is not None else r.link_key),
        first_share_id=int(r.sid),
        shares=int(r.shares),
        reactions=int(r.reactions),
        first_shared_at=float(r.first),
        last_shared_at=float(r.last),
        url=r.url,
        platform=r.platform,
        kind=r.kind,
        title=r.title,
        artists=tuple(r.artists or ()),
        album=r.album,
        duration_ms=r.duration_ms,
        artwork_url=r.artwork_url,
    )


def _matches(words: Sequence[str], *texts: str) -> bool:
    hay = " ".join(texts).casefold()
    return all(w in hay for w in words)


async def _page(
    s: AsyncSession, group_id: int, query: TabQuery, items: tuple[TabItem, ...], total: int
) -> TabPage[TabItem]:
    group = await s.get(FanGroupRow, group_id)
    slug, name = (group.slug, group.name) if group is not None else ("", "")
    return query_page(query, items, total, group_slug=slug, group_name=name)


class WebTabRepo(RepoBase):
    async def tab_items(self, group_id: int, query: TabQuery) -> TabPage[TabItem]:
        """One page of the group's tab for ``query``; removed shares never count."""
        conds = _share_filters(group_id, query)
        if query.q:
            matches = await self._tab_search(group_id, query.q)
            if matches is None:  # too many to list: SQL's (ASCII-only) case folding will do
                conds.append(_words_filter(query.q.casefold().split()))
            elif not matches:
                async with self.session() as s:
                    return await _page(s, group_id, query, (), 0)
            else:
                conds.append(_keys_filter(matches))
        entries = _entries(conds, query.sort, reactions=False)
        async with self.session() as s:
            found = await fetch_rows(s, entries.limit(query.per_page).offset(query.offset))
            if found:
                total = int(found[0].total)
            else:  # past the last page (or nothing at all): count on its own
                counted = select(func.count()).select_from(entries.order_by(None).subquery())
                total = int((await s.exec(counted)).one()) if query.page > 1 else 0
            rows = [_row(r) for r in found]
            if query.sort != "reacted":
                rows = await self._tab_reactions(s, rows, conds)
            items = await self._tab_finish(s, rows, conds)
            return await _page(s, group_id, query, tuple(items), total)

    async def tab_item(self, group_id: int, ref: str) -> TabItemDetail | None:
        """One entry of the tab, with every share of it (newest first) and its message."""
        async with self.session() as s:
            key = await self._tab_key_of(s, group_id, ref)
            if key is None:
                return None
            conds = [*_share_filters(group_id, TabQuery()), _key_filter(key)]
            rows = [_row(r) for r in await fetch_rows(s, _entries(conds, "recent"))]
            if not rows:
                return None
            item = (await self._tab_finish(s, rows[:1], conds))[0]
            return TabItemDetail(item, await self._tab_share_details(s, conds))

    async def _tab_reactions(
        self,
        s: AsyncSession,
        rows: Sequence[_Row],
        conds: Sequence[ColumnElement[bool]],
    ) -> list[_Row]:
        """The page's rows with their reactions counted (the page query left them at 0)."""
        if not rows:
            return []
        agg = _counts([*conds, _keys_filter([r.key for r in rows])], True)
        counted = await fetch_rows(s, sa_select(agg.c.item_id, agg.c.lk, agg.c.reactions))
        by_key = {_Key(i, lk): int(n) for i, lk, n in counted}
        return [replace(r, reactions=by_key.get(r.key, 0)) for r in rows]

    async def _tab_key_of(self, s: AsyncSession, group_id: int, ref: str) -> _Key | None:
        if ref.isascii() and ref.isdigit() and len(ref) < 19:
            return _Key(int(ref), "")
        if ref.isascii() and ref.startswith("l") and ref[1:].isdigit() and len(ref) < 20:
            share = await s.get(ShareRow, int(ref[1:]))
            if share is None or share.group_id != group_id:
                return None
            return _Key(share.item_id, "" if share.item_id is not None else share.link_key)
        return None

    async def _tab_search(self, group_id: int, q: str) -> list[_Key] | None:
        """The entries whose title or artists (a link not resolved: its URL) hold every word of
        ``q``, case-insensitively as Python folds case (SQLite's ``lower`` folds ASCII only).
        None: too many to pass as a list (``_words_filter`` then)."""
        words = q.casefold().split()
        shared = select(S.item_id).where(
            (col(S.group_id) == group_id) & col(S.removed_at).is_(None)
        )
        items_q = select(MusicItemRow.id, MusicItemRow.title, MusicItemRow.artists).where(
            col(MusicItemRow.id).in_(shared)
        )
        links_q = (
            select(S.link_key, S.url)
            .where(col(S.group_id) == group_id)
            .where(col(S.removed_at).is_(None) & col(S.item_id).is_(None))
            .distinct()
        )
        async with self.session() as s:
            found = [
                _Key(i, "")
                for i, title, artists in (await s.exec(items_q)).all()
                if _matches(words, title, *(artists or ()))
            ]
            found += [
                _Key(None, key)
                for key, url in (await s.exec(links_q)).all()
                if _matches(words, url)
            ]
        return None if len(found) > SEARCH_IDS_MAX else found

    async def _tab_finish(
        self, s: AsyncSession, rows: Sequence[_Row], conds: Sequence[ColumnElement[bool]]
    ) -> list[TabItem]:
        """Rows → TabItems: every platform link of the items, the sharers in order (with the
        chat platform each shared from)."""
        if not rows:
            return []
        keys = [r.key for r in rows]
        item_ids = [k.item_id for k in keys if k.item_id is not None]
        links: dict[int, dict[str, str]] = {}
        if item_ids:
            link_q = (
                select(MusicLinkRow.item_id, MusicLinkRow.platform, MusicLinkRow.url)
                .where(col(MusicLinkRow.item_id).in_(item_ids))
                .order_by(col(MusicLinkRow.id))
            )
            for item_id, platform, url in (await s.exec(link_q)).all():
                links.setdefault(item_id, {}).setdefault(platform, url)
        sharers: dict[_Key, dict[tuple[str, str], None]] = {k: {} for k in keys}
        sharer_q = (
            select(S.item_id, S.link_key, S.shared_by_name, S.shared_by_platform)
            .where(*conds, _keys_filter(keys))
            .order_by(col(S.shared_at), col(S.id))
        )
        for sharer_item, link_key, name, platform in (await s.exec(sharer_q)).all():
            key = _Key(sharer_item, "" if sharer_item is not None else link_key)
            sharers.setdefault(key, {})[(name, platform)] = None
        return [_tab_item(r, links, tuple(sharers.get(r.key, {}))) for r in rows]

    async def _tab_share_details(
        self, s: AsyncSession, conds: Sequence[ColumnElement[bool]]
    ) -> tuple[ShareDetail, ...]:
        query = share_details_query().where(*conds)
        out: list[ShareDetail] = []
        seen: set[tuple[str, str, str]] = set()
        for r in await fetch_rows(s, query):
            where = (r.origin_platform, r.origin_channel, r.origin_message_id)
            if where in seen:
                continue  # one message sharing the song twice (two platforms) is one share
            seen.add(where)
            out.append(share_detail(r))
        return tuple(out)


def share_details_query() -> Select[Any]:
    """Shares (newest first) with their message, its origin copy's thread and the name of the
    channel it was posted in (when the channel is still linked and its name is known)."""
    origin = aliased(MessageCopyRow)
    link = ChannelLinkRow
    return (
        sa_select(
            col(S.id),
            col(S.item_id),
            col(S.message_id),
            col(S.shared_by_name),
            col(S.shared_at),
            col(S.url),
            col(MessageRow.origin_platform),
            col(MessageRow.origin_workspace),
            col(MessageRow.origin_channel),
            col(MessageRow.origin_message_id),
            col(MessageRow.text),
            col(MessageRow.deleted_at),
            col(origin.thread_id),
            col(link.channel_name),
        )
        .join(MessageRow, col(MessageRow.id) == col(S.message_id))
        .outerjoin(
            origin,
            and_(
                col(origin.message_id) == col(S.message_id),
                col(origin.is_origin).is_(True),
                col(origin.part) == 0,
            ),
        )
        .outerjoin(
            link,
            and_(
                col(link.platform) == col(MessageRow.origin_platform),
                col(link.workspace_id) == col(MessageRow.origin_workspace),
                col(link.channel_id) == col(MessageRow.origin_channel),
            ),
        )
        .order_by(col(S.shared_at).desc(), col(S.id).desc())
    )


def share_detail(r: Any) -> ShareDetail:
    """A row of ``share_details_query`` as a ``ShareDetail``."""
    return ShareDetail(
        share_id=r.id,
        sharer=r.shared_by_name,
        platform=r.origin_platform,
        workspace=r.origin_workspace,
        channel=r.origin_channel,
        channel_name=r.channel_name,
        shared_at=r.shared_at,
        url=r.url,
        quote=share_quote(r.text, r.deleted_at is not None),
        permalink=permalink(
            r.origin_platform,
            r.origin_workspace,
            r.origin_channel,
            r.origin_message_id,
            r.thread_id,
        ),
    )


def _tab_item(
    row: _Row, links: dict[int, dict[str, str]], shared_by: tuple[tuple[str, str], ...]
) -> TabItem:
    sharers = tuple(dict.fromkeys(name for name, _ in shared_by))
    if row.key.item_id is None:
        return TabItem(
            ref=f"l{row.first_share_id}",
            kind="link",
            title=row.url,
            artists=(),
            album=None,
            duration_ms=None,
            artwork_url=None,
            links=((row.platform, row.url),),
            shares=row.shares,
            reactions=row.reactions,
            sharers=sharers,
            first_shared_at=row.first_shared_at,
            last_shared_at=row.last_shared_at,
            resolved=False,
            shared_by=shared_by,
        )
    known = dict(links.get(row.key.item_id, {}))
    known.setdefault(row.platform, row.url)
    return TabItem(
        ref=str(row.key.item_id),
        kind=row.kind or "track",
        title=row.title or row.url,
        artists=row.artists,
        album=row.album,
        duration_ms=row.duration_ms,
        artwork_url=row.artwork_url,
        links=tuple(known.items()),
        shares=row.shares,
        reactions=row.reactions,
        sharers=sharers,
        first_shared_at=row.first_shared_at,
        last_shared_at=row.last_shared_at,
        shared_by=shared_by,
    )
