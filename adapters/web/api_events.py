"""The artist events' JSON API (described by ``openapi.json``): ``GET /api/groups/{slug}/events``
(the group's events by start time, each with its place, links, interest counted across Discord
and Slack and whether it is past; ``when=upcoming|past|all``, default all). Private groups follow
the access rule of the rest of the API (``adapters.web.access``); errors are ``ApiError``
answers."""

from __future__ import annotations

import time

from aiohttp import web

from adapters.web.access import CLOCK
from adapters.web.event_shapes import EventReads, cards, event_json
from adapters.web.tab_request import (
    ACCESS_PARAMS,
    ApiError,
    access_params,
    api_errors,
    base_url,
    visible_group,
)

EVENT_STORE = web.AppKey("fanbridge_event_store", EventReads)
WHEN = ("upcoming", "past", "all")


def _when(request: web.Request) -> str:
    for name in request.query:
        if name not in (*ACCESS_PARAMS, "when"):
            raise ApiError(400, name, f"unknown parameter {name[:40]!r}; known: when, key")
    when = request.query.get("when", "all")
    if when not in WHEN:
        raise ApiError(400, "when", f"when must be one of {', '.join(WHEN)}")
    return when


@api_errors
async def list_events(request: web.Request) -> web.StreamResponse:
    group = await visible_group(request)
    when = _when(request)
    store = request.app[EVENT_STORE]
    now = request.app.get(CLOCK, time.time)()
    base, keep = base_url(request), access_params(request)
    found = await cards(store, group, f"/g/{group.slug}/events")
    body = [
        event_json(e, c, now=now, base=base, keep=keep)
        for e, c in found
        if when == "all" or (when == "past") == e.past(now)
    ]
    response = web.json_response({"events": body})
    if keep:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def setup_event_api(app: web.Application, store: EventReads) -> None:
    """Add the events' API route (before the API's catch-all 404)."""
    app[EVENT_STORE] = store
    app.router.add_get("/api/groups/{slug}/events", list_events)
