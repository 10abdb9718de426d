"""The listening parties' JSON API (described by ``openapi.json``): ``GET
/api/groups/{slug}/parties`` (the group's parties, live ones first), ``/parties/{id}`` (one party:
its state, host, start, current track with its position on the server's clock, queue) and
``/items/{id}/moments`` (a song's timed comments, by position). Private groups follow the access
rule of the rest of the API (``adapters.web.access``); errors are ``ApiError`` answers. The
party and moment shapes are shared with the room's event stream (``adapters.web.party``)."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from aiohttp import web

from adapters.web.access import CLOCK
from adapters.web.shapes import iso, item_json
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
from bridge.music.tab_query import TabItem
from bridge.party.clock import played_through, position_ms
from bridge.party.model import Moment, Party, QueuedTrack
from bridge.records import FanGroup, MusicItem

ID = re.compile(r"[0-9]{1,18}")
LIST_LIMIT = 20


@runtime_checkable
class PartyReads(TabStore, Protocol):
    """What the parties' API reads: the tab's store plus the parties and their moments."""

    async def get_party(self, party_id: int) -> Party | None: ...

    async def group_parties(self, group_id: int, *, limit: int = 20) -> list[Party]: ...

    async def get_item(self, item_id: int) -> MusicItem | None: ...

    async def item_moments(
        self, group_id: int, item_id: int, *, limit: int = 500
    ) -> list[Moment]: ...


PARTY_STORE = web.AppKey("fanbridge_party_store", PartyReads)


# -- shapes (the room's stream sends the same) ----------------------------------------------
def moment_json(moment: Moment) -> dict[str, Any]:
    return {
        "position_ms": moment.position_ms,
        "text": moment.text,
        "author": moment.author,
        "platform": moment.platform,
        "party_id": moment.party_id,
        "at": iso(moment.at),
        "by_artist": moment.by_artist,
    }


def queued_json(index: int, queued: QueuedTrack, item: MusicItem | None) -> dict[str, Any]:
    return {
        "index": index,
        "id": queued.item_id,
        "title": item.title if item else "",
        "artists": list(item.artists) if item else [],
        "length_ms": queued.length_ms,
        "queued_by": queued.queued_by,
        "by_artist": queued.by_artist,
    }


def tab_item_of(item: MusicItem, shared: TabItem | None) -> TabItem:
    """The song as the music tab shows it (a song queued but never shared: no shares)."""
    if shared is not None:
        return shared
    links = tuple((link.platform, link.url) for link in item.links)
    return TabItem(
        str(item.id), item.kind, item.title, item.artists, item.album, item.duration_ms,
        item.artwork_url, links, 0, 0, (), 0.0, 0.0,
    )  # fmt: skip


def track_json(
    item: TabItem,
    item_id: int,
    queued: QueuedTrack,
    group: FanGroup,
    base: str,
    keep: Mapping[str, str],
) -> dict[str, Any]:
    body = item_json(item, group, base, keep)
    if not item.shares:  # queued from a playlist or album, never shared in the group
        body |= {"first_shared_at": None, "last_shared_at": None}
    return body | {
        "id": item_id,
        "length_ms": queued.length_ms,
        "queued_by": queued.queued_by,
        "by_artist": queued.by_artist,
    }


def party_json(
    party: Party,
    *,
    now: float,
    track: dict[str, Any] | None,
    items: tuple[MusicItem | None, ...],
    base: str,
    keep: Mapping[str, str],
    slug: str,
) -> dict[str, Any]:
    draft = party.draft
    return {
        "id": party.id,
        "state": party.state.value,
        "host": {"name": draft.host_name, "platform": draft.host.platform.value},
        "title": draft.title,
        "by_artist": draft.by_artist,
        "starts_at": iso(draft.starts_at),
        "ended_at": iso(party.ended_at) if party.ended_at is not None else None,
        "index": party.index,
        "track": track,
        "position_ms": position_ms(party, now),
        "server_now": now,
        "queue": [queued_json(i, q, items[i]) for i, q in enumerate(party.queue)],
        "room_url": url(base, f"/g/{slug}/party/{party.id}", keep),
        "api_url": url(base, f"/api/groups/{slug}/parties/{party.id}", keep),
    }


async def party_body(
    store: PartyReads,
    party: Party,
    group: FanGroup,
    *,
    now: float,
    base: str,
    keep: Mapping[str, str],
    known: dict[int, MusicItem | None] | None = None,
) -> dict[str, Any]:
    """``party`` played through to ``now`` as JSON (the timer may be a moment behind);
    ``known``: the songs read already (a list of parties reads each song once)."""
    party = played_through(party, now)
    known = {} if known is None else known
    for queued_item in party.queue:
        if queued_item.item_id not in known:
            known[queued_item.item_id] = await store.get_item(queued_item.item_id)
    items = tuple(known[q.item_id] for q in party.queue)
    queued, current = party.track, items[party.index] if party.track else None
    track = None
    if queued is not None and current is not None:
        detail = await store.tab_item(group.id, str(current.id))
        item = tab_item_of(current, detail.item if detail else None)
        track = track_json(item, current.id, queued, group, base, keep)
    return party_json(
        party, now=now, track=track, items=items, base=base, keep=keep, slug=group.slug
    )


# -- handlers ------------------------------------------------------------------------------
def _reads(request: web.Request) -> PartyReads:
    return request.app[PARTY_STORE]


def _now(request: web.Request) -> float:
    return request.app.get(CLOCK, time.time)()


def _only_key(request: web.Request) -> None:
    for name in request.query:
        if name not in ACCESS_PARAMS:
            raise ApiError(400, name, f"unknown parameter {name[:40]!r}; known: key")


def _id(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    if not ID.fullmatch(raw):
        raise ApiError(404, name, f"no {name} {raw[:40]!r}: ids are numbers")
    return int(raw)


def _private_if_keyed(request: web.Request, response: web.Response) -> web.Response:
    if access_params(request):
        response.headers["Cache-Control"] = "private, no-store"
    return response


@api_errors
async def list_parties(request: web.Request) -> web.StreamResponse:
    group = await visible_group(request)
    _only_key(request)
    store, now = _reads(request), _now(request)
    base, keep = base_url(request), access_params(request)
    parties = await store.group_parties(group.id, limit=LIST_LIMIT)
    known: dict[int, MusicItem | None] = {}
    body = [
        await party_body(store, p, group, now=now, base=base, keep=keep, known=known)
        for p in parties
    ]
    return _private_if_keyed(request, web.json_response({"parties": body}))


@api_errors
async def get_party(request: web.Request) -> web.StreamResponse:
    group = await visible_group(request)
    _only_key(request)
    party_id, store = _id(request, "id"), _reads(request)
    party = await store.get_party(party_id)
    if party is None or party.group_id != group.id:
        raise ApiError(404, "id", f"no party {party_id} in group {group.slug!r}")
    body = await party_body(
        store, party, group, now=_now(request), base=base_url(request), keep=access_params(request)
    )
    return _private_if_keyed(request, web.json_response(body))


@api_errors
async def item_moments(request: web.Request) -> web.StreamResponse:
    group = await visible_group(request)
    _only_key(request)
    item_id, store = _id(request, "id"), _reads(request)
    if await store.get_item(item_id) is None:
        raise ApiError(404, "id", f"no item {item_id}")
    moments = await store.item_moments(group.id, item_id)
    body = {"item_id": item_id, "moments": [moment_json(m) for m in moments]}
    return _private_if_keyed(request, web.json_response(body))


def setup_party_api(app: web.Application, store: PartyReads) -> None:
    """Add the parties' API routes (before the API's catch-all 404)."""
    app[PARTY_STORE] = store
    app.router.add_get("/api/groups/{slug}/parties", list_parties)
    app.router.add_get("/api/groups/{slug}/parties/{id}", get_party)
    app.router.add_get("/api/groups/{slug}/items/{id}/moments", item_moments)
