"""The music tab's web pages (server-rendered; a small hand-written script plays the queue).

``/`` lists the public groups; ``/g/<slug>`` is a group's music tab (sort, filters, search,
pages, play all); ``/g/<slug>/item/<ref>`` is one item with the conversation around each
share; ``/static/...`` serves the stylesheet and the script. A private group's pages (visibility
invite or approval) need a personal link's ``?key=`` (checked by ``adapters.web.access``): with a
valid key they render and every link in the page keeps the key; with an expired one a 403 page
says how to get a new one; without one, or with a forged one or a banned person's, the group
looks like no group (404). None of these shows any data. Items whose shares were removed by
moderation never show."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from adapters.web import page_views as views
from adapters.web.access import Members, check_key
from adapters.web.embeds import EMBED_HOSTS, youtube_watch_url
from adapters.web.signing import GrantError
from bridge.ids import Visibility
from bridge.music.playlist import Unmatched
from bridge.music.tab_query import (
    PER_PAGE_MAX,
    TabItem,
    TabItemDetail,
    TabPage,
    TabQuery,
    TabQueryError,
    parse_tab_query,
)
from bridge.party.model import Moment, Party
from bridge.records import FanGroup

log = logging.getLogger(__name__)

HERE = Path(__file__).parent


@dataclass(frozen=True, slots=True)
class PlaylistView:
    """A group's synced Spotify playlist as the tab shows it: the "Play all on Spotify" link and
    the shared tracks that are not in it (no Spotify match)."""

    url: str
    unmatched: tuple[Unmatched, ...] = ()


SpotifyPlaylist = Callable[[FanGroup], Awaitable[PlaylistView | None]]
MomentsOf = Callable[[int, int], Awaitable[list[Moment]]]  # (group id, item id): by position
PartiesOf = Callable[[int], Awaitable[list[Party]]]  # a group's parties, live ones first
REF = re.compile(r"l?[0-9]{1,18}")
ASK_AGAIN = "ask for a new one with /fangroup web"
NO_GROUP = (
    "There is no public group at this address. A private group's pages open only with a "
    "personal link: ask for one with /fangroup web in one of the group's channels."
)
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' https: data:",
        "frame-src " + " ".join(EMBED_HOSTS),
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class PageStore(Members, Protocol):
    async def get_group(self, slug: str) -> FanGroup | None: ...

    async def list_groups(self) -> list[FanGroup]: ...

    async def tab_items(self, group_id: int, query: TabQuery) -> TabPage[TabItem]: ...

    async def tab_item(self, group_id: int, ref: str) -> TabItemDetail | None: ...


@dataclass(frozen=True)
class PageSettings:
    """What the pages need. ``secret`` verifies private links (adapters.web.signing.web_secret);
    ``spotify_playlist`` gives the group's synced Spotify playlist, if any (None: no
    "Play all on Spotify" button) and the tracks that could not be matched on Spotify (listed
    next to the button); ``embed_timeout_ms``: how long an embed may take to show signs
    of life before the player offers "Open on <platform>" instead; ``moments`` gives a song's
    timed comments, listed and played on its item page (None: none shown)."""

    store: PageStore
    secret: bytes
    spotify_playlist: SpotifyPlaylist | None = None
    embed_timeout_ms: int = 8000
    now: Callable[[], float] = time.time
    moments: MomentsOf | None = None
    parties: PartiesOf | None = None  # the tab links to the group's live listening party


@dataclass(frozen=True, slots=True)
class Viewer:
    """The group being viewed and the key that opened it (kept on links within the page)."""

    group: FanGroup
    key: str | None

    @property
    def private(self) -> bool:
        return self.key is not None

    @property
    def path(self) -> str:
        return f"/g/{self.group.slug}"


class Pages:
    def __init__(self, settings: PageSettings) -> None:
        self.settings = settings
        self.store = settings.store
        self.env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"], default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(
        self, template: str, status: int = 200, *, private: bool = False, **context: Any
    ) -> web.Response:
        text = self.env.get_template(template).render(private=private, **context)
        response = web.Response(text=text, status=status, content_type="text/html")
        response.headers["Content-Security-Policy"] = CSP
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["X-Content-Type-Options"] = "nosniff"
        if private:
            response.headers["Cache-Control"] = "private, no-store"
            response.headers["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def error(self, status: int, heading: str, message: str) -> web.Response:
        return self.render("error.html", status, private=True, heading=heading, message=message)

    # -- access ----------------------------------------------------------------------------
    async def viewer(self, request: web.Request) -> Viewer | web.Response:
        """The group in the URL if this request may see it, else the page that says why not."""
        group = await self.store.get_group(request.match_info["slug"].lower())
        if group is not None and group.visibility is Visibility.PUBLIC:
            return Viewer(group, None)
        key = request.query.get("key", "")
        if group is None or not key:  # a private group without a key looks like no group
            return self.error(404, "No such group", NO_GROUP)
        grant = await check_key(self.store, self.settings.secret, key, group, self.settings.now())
        if isinstance(grant, GrantError):
            if grant.reason != "expired":  # forged, another group's, a banned person's: no group
                return self.error(404, "No such group", NO_GROUP)
            return self.error(403, "This link has expired", f"This link has expired — {ASK_AGAIN}.")
        return Viewer(group, key)

    # -- pages -----------------------------------------------------------------------------
    async def index(self, _: web.Request) -> web.Response:
        groups = [
            {"name": g.name, "kind": g.kind.value, "href": f"/g/{g.slug}"}
            for g in await self.store.list_groups()
            if g.visibility is Visibility.PUBLIC
        ]
        return self.render("index.html", groups=groups)

    async def tab(self, request: web.Request) -> web.Response:
        viewer = await self.viewer(request)
        if isinstance(viewer, web.Response):
            return viewer
        try:
            query = parse_tab_query(_params(request.query))
        except TabQueryError as exc:
            return await self._tab_page(viewer, TabQuery(), None, str(exc), request.query)
        page = await self.store.tab_items(viewer.group.id, query)
        return await self._tab_page(viewer, query, page, None, request.query)

    async def _live_parties(self, viewer: Viewer, key: str | None) -> list[dict[str, str]]:
        """The group's parties on now or to come, linked with the key the page was opened with
        (a public group's personal link carries one: it lets the fan write in the room)."""
        source = self.settings.parties
        if source is None:
            return []
        live = [p for p in await source(viewer.group.id) if p.state.live]
        return [views.live_party(p, viewer.path, key) for p in live]

    async def _tab_page(
        self,
        viewer: Viewer,
        query: TabQuery,
        page: TabPage[TabItem] | None,
        error: str | None,
        raw: Mapping[str, str],
    ) -> web.Response:
        queue_items = await self._queue_items(viewer, query, page)
        parties = await self._live_parties(viewer, raw.get("key") or viewer.key)
        rows = (
            [views.row_view(i, group_path=viewer.path, key=viewer.key) for i in page.items]
            if page
            else []
        )
        return self.render(
            "tab.html",
            400 if error else 200,
            private=viewer.private,
            group=viewer.group,
            key=viewer.key,
            rows=rows,
            error=error,
            summary=_summary(page, query),
            first_number=query.offset + 1,
            page=query.page,
            pages=page.pages if page else 1,
            prev_url=self._page_url(viewer, query, -1) if page and page.has_prev else None,
            next_url=self._page_url(viewer, query, +1) if page and page.has_next else None,
            form=_form(query, raw if error else None),
            form_action=viewer.path,
            reset_url=views.with_key(viewer.path, {}, viewer.key),
            queue=views.queue(queue_items),
            youtube_url=youtube_watch_url(views.youtube_ids(queue_items)),
            spotify=await self._spotify(viewer.group),
            embed_timeout_ms=self.settings.embed_timeout_ms,
            parties=parties,
            **views.choices(),
        )

    async def item(self, request: web.Request) -> web.Response:
        viewer = await self.viewer(request)
        if isinstance(viewer, web.Response):
            return viewer
        ref = request.match_info["ref"]
        detail = await self.store.tab_item(viewer.group.id, ref) if REF.fullmatch(ref) else None
        if detail is None:
            return self.error(404, "Not in this tab", "This item is not in the group's tab.")
        moments = await self._moments(viewer.group, detail.item)
        return self.render(
            "item.html",
            private=viewer.private,
            group=viewer.group,
            row=views.row_view(detail.item, group_path=viewer.path, key=viewer.key),
            shares=[views.share_view(s) for s in detail.shares],
            back_url=views.with_key(viewer.path, {}, viewer.key),
            moments=[views.moment_view(m) for m in moments],
            moments_data=[views.moment_data(m) for m in moments],
            player=views.queue_entry(detail.item),
            length_ms=detail.item.duration_ms or 0,
            embed_timeout_ms=self.settings.embed_timeout_ms,
        )

    async def _moments(self, group: FanGroup, item: TabItem) -> list[Moment]:
        source = self.settings.moments
        if source is None or not item.resolved or not item.ref.isdigit():
            return []
        return await source(group.id, int(item.ref))

    # -- parts -----------------------------------------------------------------------------
    async def _queue_items(
        self, viewer: Viewer, query: TabQuery, page: TabPage[TabItem] | None
    ) -> tuple[Any, ...]:
        """The tab in order for "Play all": up to PER_PAGE_MAX items of this view, from the
        first page (the page shown when it already holds them all)."""
        if page is None:
            return ()
        if query.page == 1 and page.total <= query.per_page:
            return page.items
        whole = replace(query, page=1, per_page=PER_PAGE_MAX)
        return (await self.store.tab_items(viewer.group.id, whole)).items

    def _page_url(self, viewer: Viewer, query: TabQuery, step: int) -> str:
        params = replace(query, page=query.page + step).params()
        return views.with_key(viewer.path, params, viewer.key)

    async def _spotify(self, group: FanGroup) -> views.SpotifyView | None:
        source = self.settings.spotify_playlist
        if source is None:
            return None
        try:
            playlist = await source(group)
        except Exception:  # a playlist outage must not take the tab down
            log.warning("spotify playlist failed for group %s", group.slug, exc_info=True)
            return None
        if playlist is None or not playlist.url.startswith("https://open.spotify.com/"):
            return None
        return views.spotify_view(playlist.url, playlist.unmatched)


def _params(query: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in query.items() if k != "key"}


def _summary(page: TabPage[TabItem] | None, query: TabQuery) -> str:
    if page is None:
        return "Nothing to show: fix the filter above."
    if page.total == 0:
        return "Nothing matches." if query.params() else "Nothing shared yet."
    first = query.offset + 1
    last = query.offset + len(page.items)
    return f"{views.plural(page.total, 'item')} · showing {first}–{last}"


def _form(query: TabQuery, raw: Mapping[str, str] | None) -> dict[str, str]:
    """The filter form's values: the query's, or what was typed when it could not be used."""
    if raw is not None:
        return {k: raw.get(k, "") for k in ("q", "sort", "platform", "kind", "sharer")} | {
            "since": raw.get("since", "")[:10],
            "until": raw.get("until", "")[:10],
        }
    params = query.params()
    return {
        "q": query.q or "",
        "sort": query.sort,
        "platform": query.platform or "",
        "kind": query.kind or "",
        "sharer": query.sharer or "",
        "since": params.get("since", "")[:10],
        "until": params.get("until", "")[:10],
        "per_page": params.get("per_page", ""),
    }


def setup_pages(app: web.Application, settings: PageSettings) -> None:
    """Add the pages' routes to ``app``."""
    pages = Pages(settings)
    app.router.add_get("/", pages.index)
    app.router.add_get("/g/{slug}", pages.tab)
    app.router.add_get("/g/{slug}/item/{ref}", pages.item)
    app.router.add_static("/static/", HERE / "static", append_version=False)
