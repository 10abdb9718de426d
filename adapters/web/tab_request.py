"""What a request to the music tab's JSON API, exports or feed brings, and what it may be
refused for (a leaf: the API, the exports and the feed share it): the store and public URL the
app holds, the group the request may see, its tab query and access key, and ``ApiError``
answered as ``{"error": {"param": ..., "message": ...}}``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol
from urllib.parse import urlencode

from aiohttp import web

from adapters.web.access import Members, group_visible
from bridge.music.tab_query import (
    PARAMS,
    GroupShare,
    TabItem,
    TabItemDetail,
    TabPage,
    TabQuery,
    TabQueryError,
    parse_tab_query,
)
from bridge.records import FanGroup

ACCESS_PARAMS = ("key",)  # a private group's signed key (see adapters.web.access)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class TabStore(Members, Protocol):
    async def get_group(self, slug: str) -> FanGroup | None: ...

    async def list_groups(self) -> list[FanGroup]: ...

    async def tab_items(self, group_id: int, query: TabQuery) -> TabPage[TabItem]: ...

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
