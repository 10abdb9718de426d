"""The polls' JSON API (described by ``openapi.json``): ``GET /api/groups/{slug}/polls`` (the
group's polls, the newest first) and ``/polls/{id}`` (one poll: its question, options with
``label`` and ``votes``, ``state``, ``closes_at``). The votes are the bridge's tally: every
platform's, a relayed Discord poll's own votes included; a blind poll's songs are "Song 1",
"Song 2" until it closes. Private groups follow the access rule of the rest of the API
(``adapters.web.access``); errors are ``ApiError`` answers."""

from __future__ import annotations

import re
from typing import Any, Protocol, runtime_checkable

from aiohttp import web

from adapters.web.shapes import iso
from adapters.web.tab_request import (
    ACCESS_PARAMS,
    ApiError,
    TabStore,
    access_params,
    api_errors,
    base_url,
    url,
    visible_group,
)
from bridge.polls.card import PollCard, draw
from bridge.polls.model import Counts, Poll
from bridge.polls.tally import tally
from bridge.records import FanGroup, MusicItem

ID = re.compile(r"[0-9]{1,18}")
LIST_LIMIT = 20


@runtime_checkable
class PollReads(TabStore, Protocol):
    """What the polls' API reads: the tab's store plus the polls and their votes."""

    async def get_poll(self, poll_id: int) -> Poll | None: ...

    async def group_polls(self, group_id: int, *, limit: int = 20) -> list[Poll]: ...

    async def poll_counts(self, poll_id: int) -> Counts: ...

    async def get_item(self, item_id: int) -> MusicItem | None: ...


POLL_STORE = web.AppKey("fanbridge_poll_store", PollReads)


def poll_json(poll: Poll, card: PollCard, *, api_url: str) -> dict[str, Any]:
    closes = poll.draft.closes_at
    return {
        "id": poll.id,
        "question": poll.draft.question,
        "state": poll.state.value,
        "closes_at": iso(closes) if closes is not None else None,
        "closed_at": iso(poll.closed_at) if poll.closed_at is not None else None,
        "anonymous": poll.draft.anonymous,
        "blind": poll.draft.blind,
        "native": poll.draft.native is not None,
        "total": card.total,
        "options": [
            {
                "index": o.index,
                "label": o.label,
                "votes": o.votes,
                "url": o.url,
                "winner": o.winner,
            }
            for o in card.options
        ],
        "api_url": api_url,
    }


async def poll_body(
    store: PollReads, poll: Poll, group: FanGroup, request: web.Request
) -> dict[str, Any]:
    items: dict[int, MusicItem] = {}
    for option in poll.options:
        item = await store.get_item(option.item_id) if option.item_id is not None else None
        if item is not None:
            items[item.id] = item
    card = draw(poll, tally(poll, await store.poll_counts(poll.id)), items)
    path = f"/api/groups/{group.slug}/polls/{poll.id}"
    return poll_json(poll, card, api_url=url(base_url(request), path, access_params(request)))


def _only_key(request: web.Request) -> None:
    for name in request.query:
        if name not in ACCESS_PARAMS:
            raise ApiError(400, name, f"unknown parameter {name[:40]!r}; known: key")


def _answer(request: web.Request, body: Any) -> web.Response:
    response = web.json_response(body)
    if access_params(request):
        response.headers["Cache-Control"] = "private, no-store"
    return response


@api_errors
async def list_polls(request: web.Request) -> web.StreamResponse:
    group = await visible_group(request)
    _only_key(request)
    store = request.app[POLL_STORE]
    polls = await store.group_polls(group.id, limit=LIST_LIMIT)
    return _answer(request, {"polls": [await poll_body(store, p, group, request) for p in polls]})


@api_errors
async def get_poll(request: web.Request) -> web.StreamResponse:
    group = await visible_group(request)
    _only_key(request)
    raw = request.match_info["id"]
    if not ID.fullmatch(raw):
        raise ApiError(404, "id", f"no id {raw[:40]!r}: ids are numbers")
    store = request.app[POLL_STORE]
    poll = await store.get_poll(int(raw))
    if poll is None or poll.group_id != group.id:
        raise ApiError(404, "id", f"no poll {int(raw)} in group {group.slug!r}")
    return _answer(request, await poll_body(store, poll, group, request))


def setup_poll_api(app: web.Application, store: PollReads) -> None:
    """Add the polls' API routes (before the API's catch-all 404)."""
    app[POLL_STORE] = store
    app.router.add_get("/api/groups/{slug}/polls", list_polls)
    app.router.add_get("/api/groups/{slug}/polls/{id}", get_poll)
