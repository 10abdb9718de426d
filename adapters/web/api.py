"""The music tab's JSON API (described by ``openapi.json``, served at ``/api/openapi.json``).

``GET /api/groups`` lists the public groups; ``GET /api/groups/{slug}/items`` is a group's tab
with the same sorting, filters and pagination as the page ``/g/{slug}``;
``GET /api/groups/{slug}/items/{ref}`` is one item with every share and the message around it.
A bad parameter answers 400 and an unknown (or private) group or item 404, both as
``{"error": {"param": ..., "message": ...}}`` (``adapters.web.tab_request``). The routes are
added with the exports and the feed by ``adapters.web.app.setup_web_api``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from aiohttp import web

from adapters.web.access import group_visible
from adapters.web.shapes import group_json, item_json, share_json
from adapters.web.tab_request import (
    ACCESS_PARAMS,
    ApiError,
    access_params,
    api_errors,
    base_url,
    error_response,
    store_of,
    tab_query,
    url,
    visible_group,
)
from bridge.music.tab_query import TabItem, TabPage, TabQuery
from bridge.records import FanGroup

OPENAPI_FILE = Path(__file__).with_name("openapi.json")
REF = re.compile(r"l?[0-9]{1,18}")


# -- JSON shapes ---------------------------------------------------------------------------
def page_json(
    page: TabPage[TabItem], query: TabQuery, group: FanGroup, request: web.Request
) -> dict[str, Any]:
    base, keep = base_url(request), access_params(request)
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
    return _private_if_keyed(request, web.json_response(page_json(page, query, group, request)))


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


def setup_api(app: web.Application) -> None:
    """Add the JSON API's routes (the store and public URL are set by setup_web_api)."""
    app.router.add_get("/api/openapi.json", openapi)
    app.router.add_get("/api/groups", list_groups)
    app.router.add_get("/api/groups/{slug}/items", list_items)
    app.router.add_get("/api/groups/{slug}/items/{ref}", get_item)
    app.router.add_get("/api/{tail:.*}", not_found)
