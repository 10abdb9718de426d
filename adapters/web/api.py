"""The music tab's JSON API (described by ``openapi.json``, served at ``/api/openapi.json``).

``GET /api/groups`` lists the public groups; ``GET /api/groups/{slug}/items`` is a group's tab
with the same sorting, filters and pagination as the page ``/g/{slug}``;
``GET /api/groups/{slug}/items/{ref}`` is one item with every share and the message around it.
A bad parameter answers 400 and an unknown (or private) group or item 404, both as
``{"error": {"param": ..., "message": ...}}``. ``setup_web_api`` also adds the exports
(``adapters.web.exports``) and the Atom feed (``adapters.web.feed``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

from aiohttp import web

from adapters.web.access import Members, group_visible
from bridge.music.tab_query import (
    PARAMS,
    GroupShare,
    ShareDetail,
    TabItem,
    TabItemDetail,
    TabPage,
    TabQuery,
    TabQueryError,
    parse_tab_query,
)
from bridge.records import FanGroup

OPENAPI_FILE = Path(__file__).with_name("openapi.json")
REF = re.compile(r"l?[0-9]{1,18}")
ACCESS_PARAMS = ("key",)  # a private group's signed key (see adapters.web.access)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class TabStore(Members, Protocol):
    async def get_group(self, slug: str) -> FanGroup | None: ...

    async def list_groups(self) -> list[FanGroup]: ...

    async def tab_items(self, group_id: int, query: TabQuery) -> TabPage: ...

    async def tab_item(self, group_id: int, ref: str) -> TabItemDetail | None: ...

    async def recent_shares(self, group_id: int, *, limit: int = 50) -> list[GroupShare]: ...


STORE = web.AppKey("fanbridge_tab_store", TabStore)
PUBLIC_URL = web.AppKey("fanbridge_public_url", str)  # "" when not configured


class ApiError(Exception):
    """An answer other than 200: the status and the parameter at fault."""

    def __init__(self, status: int, param: str | None, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.param = param
        self.message = message


def error_response(status: int, param: str | None, message: str) -> web.Response:
    return web.json_response({"error": {"param": param, "message": message}}, status=status)


def api_errors(handler: Handler) -> Handler:
    """Turn ``ApiError`` into its JSON answer."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiError as exc:
            return error_response(exc.status, exc.param, exc.message)

    return wrapped


# -- request parts -------------------------------------------------------------------------
def store_of(request: web.Request) -> TabStore:
    return request.app[STORE]


def base_url(request: web.Request) -> str:
    """``[web] public_url`` when set, else the scheme and host this request came to."""
    configured = request.app[PUBLIC_URL]
    return configured.rstrip("/") if configured else f"{request.scheme}://{request.host}"


async def visible_group(request: web.Request) -> FanGroup:
    """The group named in the path, if this request may see it; else a 404 (a private group
    answers exactly like a missing one)."""
    slug, store = request.match_info["slug"], store_of(request)
    group = await store.get_group(slug.lower()) if len(slug) <= 64 else None
    if group is None or not await group_visible(request, group, store):
        raise ApiError(404, "slug", f"no group {slug[:64]!r}")
    return group


def tab_query(request: web.Request, *, extra: tuple[str, ...] = ()) -> TabQuery:
    """The request's ``TabQuery``; an unknown parameter or a bad value is a 400."""
    allowed = (*PARAMS, *ACCESS_PARAMS, *extra)
    for name in request.query:
        if name not in allowed:
            raise ApiError(
                400, name, f"unknown parameter {name[:40]!r}; known: {', '.join(allowed)}"
            )
    try:
        return parse_tab_query(_single(request.query, PARAMS))
    except TabQueryError as exc:
        raise ApiError(400, exc.param, exc.message) from None


def _single(query: Mapping[str, str], names: tuple[str, ...]) -> dict[str, str]:
    return {name: query[name] for name in names if name in query}


def access_params(request: web.Request) -> dict[str, str]:
    """The access key of this request, kept on every link the answer gives."""
    return {k: request.query[k] for k in ACCESS_PARAMS if request.query.get(k)}


def url(base: str, path: str, params: Mapping[str, str] | None = None) -> str:
    return base + path + (f"?{urlencode(params)}" if params else "")


# -- JSON shapes ---------------------------------------------------------------------------
def iso(ts: float) -> str:
    """Epoch seconds as ISO 8601 UTC with a Z, to the second."""
    return datetime.fromtimestamp(ts, UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def group_json(group: FanGroup, base: str) -> dict[str, Any]:
    return {
        "slug": group.slug,
        "name": group.name,
        "kind": group.kind.value,
        "created_at": iso(group.created_at),
        "web_url": url(base, f"/g/{group.slug}"),
        "items_url": url(base, f"/api/groups/{group.slug}/items"),
        "feed_url": url(base, f"/g/{group.slug}/feed.atom"),
    }


def item_json(item: TabItem, group: FanGroup, base: str, keep: Mapping[str, str]) -> dict[str, Any]:
    return {
        "ref": item.ref,
        "resolved": item.resolved,
        "kind": item.kind,
        "title": item.title,
        "artists": list(item.artists),
        "album": item.album,
        "duration_ms": item.duration_ms,
        "artwork_url": item.artwork_url,
        "links": [{"platform": p, "url": u} for p, u in item.links],
        "shares": item.shares,
        "reactions": item.reactions,
        "sharers": list(item.sharers),
        "shared_by": [{"name": n, "platform": p} for n, p in item.shared_by],
        "first_shared_at": iso(item.first_shared_at),
        "last_shared_at": iso(item.last_shared_at),
        "web_url": url(base, f"/g/{group.slug}/item/{item.ref}", keep),
        "api_url": url(base, f"/api/groups/{group.slug}/items/{item.ref}", keep),
    }


def share_json(share: ShareDetail) -> dict[str, Any]:
    return {
        "sharer": share.sharer,
        "platform": share.platform,
        "workspace": share.workspace,
        "channel": share.channel,
        "channel_name": share.channel_name,
        "shared_at": iso(share.shared_at),
        "url": share.url,
        "quote": share.quote,
        "permalink": share.permalink,
    }


def page_json(page: TabPage, group: FanGroup, request: web.Request) -> dict[str, Any]:
    base, keep, query = base_url(request), access_params(request), page.query
    path = f"/api/groups/{group.slug}/items"

    def at(number: int) -> str:
        return url(base, path, {**_with_page(query, number), **keep})

    return {
        "group": group_json(group, base),
        "query": _query_json(query),
        "total": page.total,
        "page": query.page,
        "per_page": query.per_page,
        "pages": page.pages,
        "items": [item_json(i, group, base, keep) for i in page.items],
        "links": {
            "self": at(query.page),
            "first": at(1),
            "prev": at(query.page - 1) if page.has_prev else None,
            "next": at(query.page + 1) if page.has_next else None,
            "last": at(page.pages),
        },
    }


def _with_page(query: TabQuery, number: int) -> dict[str, str]:
    params = query.params()
    params.pop("page", None)
    return params | ({"page": str(number)} if number != 1 else {})


def _query_json(query: TabQuery) -> dict[str, Any]:
    params = query.params()
    return {
        "sort": query.sort,
        "platform": query.platform,
        "kind": query.kind,
        "sharer": query.sharer,
        "since": params.get("since"),
        "until": params.get("until"),
        "q": query.q,
    }


# -- handlers ------------------------------------------------------------------------------
@api_errors
async def list_groups(request: web.Request) -> web.StreamResponse:
    for name in request.query:
        raise ApiError(400, name, f"unknown parameter {name[:40]!r}; this route takes none")
    base, store = base_url(request), store_of(request)
    groups = [
        group_json(g, base)
        for g in await store.list_groups()
        if await group_visible(request, g, store)
    ]
    return web.json_response({"groups": groups})


@api_errors
async def list_items(request: web.Request) -> web.StreamResponse:
    group = await visible_group(request)
    query = tab_query(request)
    page = await store_of(request).tab_items(group.id, query)
    return _private_if_keyed(request, web.json_response(page_json(page, group, request)))


@api_errors
async def get_item(request: web.Request) -> web.StreamResponse:
    group = await visible_group(request)
    for name in request.query:
        if name not in ACCESS_PARAMS:
            raise ApiError(400, name, f"unknown parameter {name[:40]!r}; known: key")
    ref = request.match_info["ref"]
    detail = await store_of(request).tab_item(group.id, ref) if REF.fullmatch(ref) else None
    if detail is None:
        raise ApiError(404, "ref", f"no item {ref[:40]!r} in group {group.slug!r}")
    base = base_url(request)
    body = {
        "group": group_json(group, base),
        "item": item_json(detail.item, group, base, access_params(request)),
        "shares": [share_json(s) for s in detail.shares],
    }
    return _private_if_keyed(request, web.json_response(body))


def _private_if_keyed(request: web.Request, response: web.Response) -> web.Response:
    """A private group's answer (opened with a personal link) is kept out of shared caches."""
    if access_params(request):
        response.headers["Cache-Control"] = "private, no-store"
    return response


async def openapi(request: web.Request) -> web.StreamResponse:
    document = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    document["servers"] = [{"url": base_url(request)}]
    return web.json_response(document)


async def not_found(request: web.Request) -> web.StreamResponse:
    return error_response(404, None, f"no route {request.path[:100]!r}; see /api/openapi.json")


def setup_web_api(app: web.Application, store: TabStore, *, public_url: str | None = None) -> None:
    """Add the JSON API, the exports and the Atom feed to ``app``."""
    from adapters.web import exports, feed

    app[STORE] = store
    app[PUBLIC_URL] = public_url or ""
    app.router.add_get("/api/openapi.json", openapi)
    app.router.add_get("/api/groups", list_groups)
    app.router.add_get("/api/groups/{slug}/items", list_items)
    app.router.add_get("/api/groups/{slug}/items/{ref}", get_item)
    app.router.add_get("/api/{tail:.*}", not_found)
    exports.setup_exports(app)
    feed.setup_feed(app)
