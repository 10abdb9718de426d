"""The music tab as a query: what to show (sort, filters, search, page) and what comes back.

Parsing is pure and strict: a bad parameter raises ``TabQueryError`` naming the parameter, so
the web layer can answer a clear 400. The store implements the query (``tab_items``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Generic, TypeVar

from bridge.text import Document

SORTS = ("recent", "shared", "reacted")
SORT_ALIASES = {"top": "shared"}
KINDS = ("track", "album", "playlist", "artist", "link")
PER_PAGE_DEFAULT = 24
PER_PAGE_MAX = 100
PAGE_MAX = 100_000
Q_MAX = 200
NAME_MAX = 200
PARAMS = ("sort", "platform", "kind", "sharer", "since", "until", "q", "page", "per_page")
QUOTE_MAX = 500
FEED_MAX = 500  # shares the feed shows at most


class TabQueryError(ValueError):
    """A query parameter that cannot be used: which one, and why."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


@dataclass(frozen=True, slots=True)
class TabQuery:
    """One view of a group's tab.

    ``sort``: recent (newest share first) | shared (most shares) | reacted (most reactions).
    ``platform``: items known on that music platform (spotify, deezer, ...).
    ``kind``: track | album | playlist | artist | link (a link not resolved to an item).
    ``sharer``: only shares by this display name (case-insensitive); counts follow the filter.
    ``since`` (inclusive) / ``until`` (exclusive), epoch seconds: only shares in that window.
    ``q``: words that must all appear in the title or the artists (case-insensitive).
    """

    sort: str = "recent"
    platform: str | None = None
    kind: str | None = None
    sharer: str | None = None
    since: float | None = None
    until: float | None = None
    q: str | None = None
    page: int = 1
    per_page: int = PER_PAGE_DEFAULT

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def params(self) -> dict[str, str]:
        """The query back as URL parameters (defaults left out), for links to other pages."""
        out: dict[str, str] = {}
        if self.sort != "recent":
            out["sort"] = self.sort
        for name in ("platform", "kind", "sharer", "q"):
            value = getattr(self, name)
            if value:
                out[name] = value
        if self.since is not None:
            out["since"] = _iso(self.since)
        if self.until is not None:
            out["until"] = _iso(self.until, end=True)
        if self.page != 1:
            out["page"] = str(self.page)
        if self.per_page != PER_PAGE_DEFAULT:
            out["per_page"] = str(self.per_page)
        return out


@dataclass(frozen=True, slots=True)
class TabItem:
    """One row of the tab: a resolved item (``ref`` is its id) or a link not resolved yet
    (``ref`` is ``l<share id>``, ``resolved`` False, ``title`` the URL)."""

    ref: str
    kind: str
    title: str
    artists: tuple[str, ...]
    album: str | None
    duration_ms: int | None
    artwork_url: str | None
    links: tuple[tuple[str, str], ...]  # (platform, url) for every platform it is known on
    shares: int
    reactions: int
    sharers: tuple[str, ...]  # display names, first sharer first
    first_shared_at: float
    last_shared_at: float
    resolved: bool = True
    # (display name, chat platform: discord | slack), first sharer first; a name that shared
    # from both platforms is there once per platform
    shared_by: tuple[tuple[str, str], ...] = ()


Row = TypeVar("Row")


@dataclass(frozen=True, slots=True)
class TabPage(Generic[Row]):
    """One page of a group's music tab, wherever it is shown: the ``/fangroup music`` reply and
    the Slack App Home (rows are ``TabEntry``), the web pages and the JSON API (rows are
    ``TabItem``, from the store's ``tab_items``).

    ``sort`` is the order as the asker named it (chat: recent | top | reacted; web: recent |
    shared | reacted). ``page`` counts from 1 and may lie past ``pages`` (an empty page) when the
    tab shrank. ``ephemeral`` matters to a chat reply only: shown to the caller alone."""

    group_slug: str
    group_name: str
    sort: str
    page: int
    pages: int
    total: int
    items: tuple[Row, ...]
    ephemeral: bool = True

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` rows fill, ``per_page`` a page (an empty tab is one page)."""
    return max(1, -(-total // per_page))


def query_page(
    query: TabQuery, items: tuple[TabItem, ...], total: int, *, group_slug: str, group_name: str
) -> TabPage[TabItem]:
    """The page ``query`` asks for, as a store answers ``tab_items``: ``items`` of ``total``."""
    pages = page_count(total, query.per_page)
    return TabPage(group_slug, group_name, query.sort, query.page, pages, total, items)


@dataclass(frozen=True, slots=True)
class ShareDetail:
    """One share of an item: who, where, when, and the message around it."""

    share_id: int
    sharer: str
    platform: str  # chat platform: discord | slack
    workspace: str
    channel: str  # channel id on that platform
    channel_name: str | None
    shared_at: float
    url: str  # the link as it was shared
    quote: str | None  # the message's plain text (None once the message was deleted)
    permalink: str | None  # the message on its platform


@dataclass(frozen=True, slots=True)
class GroupShare:
    """One share as the group's feed shows it: the share and the tab entry it belongs to."""

    share: ShareDetail
    ref: str  # the entry's ``TabItem.ref`` (its page)
    kind: str  # track | album | playlist | artist | link (not resolved)
    title: str  # the item's title; the shared URL when not resolved
    artists: tuple[str, ...]
    resolved: bool


@dataclass(frozen=True, slots=True)
class TabItemDetail:
    item: TabItem
    shares: tuple[ShareDetail, ...]  # newest first


def share_quote(raw: str, deleted: bool) -> str | None:
    """A shared message's plain text as its share quotes it (None once it was deleted)."""
    if deleted:
        return None
    try:
        text = Document.from_json(raw).plain().strip()
    except (ValueError, KeyError, TypeError, StopIteration):
        text = raw.strip()
    return text[:QUOTE_MAX] + ("…" if len(text) > QUOTE_MAX else "")


def permalink(
    platform: str, workspace: str, channel: str, message_id: str, thread_id: str | None
) -> str | None:
    """The message on its platform (Discord: a message in a thread lives in the thread)."""
    if platform == "discord":
        return f"https://discord.com/channels/{workspace}/{thread_id or channel}/{message_id}"
    if platform == "slack":
        url = f"https://slack.com/archives/{channel}/p{message_id.replace('.', '')}"
        if thread_id and thread_id != message_id:
            url += f"?thread_ts={thread_id}&cid={channel}"
        return url
    return None


def parse_tab_query(params: Mapping[str, str]) -> TabQuery:
    """A ``TabQuery`` from URL parameters; unknown parameters are ignored, empty ones mean
    "not set". Raises ``TabQueryError`` for a value that cannot be used."""
    p = {k: v.strip() for k, v in params.items() if k in PARAMS and v.strip()}
    since = _when(p, "since", end=False)
    until = _when(p, "until", end=True)
    if since is not None and until is not None and until <= since:
        raise TabQueryError("until", "until must be after since")
    return TabQuery(
        sort=_sort(p.get("sort", "recent")),
        platform=_name(p, "platform"),
        kind=_kind(p.get("kind")),
        sharer=_text(p, "sharer", NAME_MAX),
        since=since,
        until=until,
        q=_text(p, "q", Q_MAX),
        page=_int(p, "page", 1, 1, PAGE_MAX),
        per_page=_int(p, "per_page", PER_PAGE_DEFAULT, 1, PER_PAGE_MAX),
    )


def _sort(value: str) -> str:
    value = SORT_ALIASES.get(value.lower(), value.lower())
    if value not in SORTS:
        raise TabQueryError("sort", f"sort must be one of {', '.join(SORTS)} (got {value!r})")
    return value


def _kind(value: str | None) -> str | None:
    if value is None:
        return None
    if value.lower() not in KINDS:
        raise TabQueryError("kind", f"kind must be one of {', '.join(KINDS)} (got {value!r})")
    return value.lower()


def _name(p: Mapping[str, str], param: str) -> str | None:
    value = p.get(param)
    if value is None:
        return None
    if not value.replace("_", "").replace("-", "").isalnum() or len(value) > 32:
        raise TabQueryError(param, f"{param} must be a platform name such as spotify or deezer")
    return value.lower()


def _text(p: Mapping[str, str], param: str, limit: int) -> str | None:
    value = p.get(param)
    if value is not None and len(value) > limit:
        raise TabQueryError(param, f"{param} must be at most {limit} characters")
    return value


def _int(p: Mapping[str, str], param: str, default: int, low: int, high: int) -> int:
    raw = p.get(param)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise TabQueryError(param, f"{param} must be a whole number (got {raw!r})") from None
    if not low <= value <= high:
        raise TabQueryError(param, f"{param} must be between {low} and {high} (got {value})")
    return value


def _when(p: Mapping[str, str], param: str, *, end: bool) -> float | None:
    """An ISO date (``2026-01-01``, UTC midnight; as ``until`` the whole day is included) or
    datetime (``2026-01-01T12:00:00Z``; naive means UTC) as epoch seconds."""
    raw = p.get(param)
    if raw is None:
        return None
    hint = f"{param} must be an ISO date or datetime such as 2026-01-01 or 2026-01-01T12:00:00Z"
    if len(raw) == 10:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise TabQueryError(param, f"{hint} (got {raw!r})") from None
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return (start + timedelta(days=1) if end else start).timestamp()
    try:
        moment = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise TabQueryError(param, f"{hint} (got {raw[:40]!r})") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _iso(ts: float, *, end: bool = False) -> str:
    """The inverse of ``_when``: a midnight is written as a date (as ``until``, the day before,
    which ``_when`` reads as "up to the end of that day")."""
    moment = datetime.fromtimestamp(ts, UTC)
    if moment.hour == moment.minute == moment.second == moment.microsecond == 0:
        return (moment - timedelta(days=1) if end else moment).date().isoformat()
    return moment.isoformat().replace("+00:00", "Z")
