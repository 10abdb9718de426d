"""A listening party's room on the web.

``GET /g/<slug>/party/<id>`` is the room: the current track's embedded player set to the shared
position, its title, artists and artwork, the position and length running locally from the
server's, the state, the queue, the party's chat beside the player, and each moment of the song
popping up as a floating note when playback reaches it (``static/party.js``).
``GET /g/<slug>/party/<id>/events`` is its live stream (Server-Sent Events): the room's state
(``adapters.web.party_feed``) at once and after every change (a move of the party, a chat line),
a comment line as keep-alive when nothing changed for ``KEEPALIVE`` seconds.
``POST /g/<slug>/party/<id>/comments`` (JSON or form: ``text``, ``key``) writes from the room
into every linked channel under the fan's name; it needs a personal link's ``key``
(``/fangroup web``), which names the fan, and answers a refusal like the JSON API
(``{"error": {"param", "message"}}``: 403 without a link, with an expired one or a banned
person's).
Private groups follow the access rule of the other pages (``adapters.web.access``) on every
route: without a valid key they look like no group."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from aiohttp import web

from adapters.parties import Parties
from adapters.web.access import check_key
from adapters.web.api_party import PartyReads
from adapters.web.page_views import clock_text, with_key
from adapters.web.pages import ASK_AGAIN, Pages, PageSettings, Viewer
from adapters.web.party_feed import RoomFeed
from adapters.web.signing import Grant, GrantError
from adapters.web.tab_request import error_response
from bridge.ids import ChannelRef, Visibility
from bridge.party.room import MAX_COMMENT
from bridge.records import FanGroup

log = logging.getLogger(__name__)
ID = re.compile(r"[0-9]{1,18}")
KEEPALIVE = 15.0
STATES = {"scheduled": "Starting soon", "playing": "Playing", "paused": "Paused", "ended": "Ended"}
NEED_LINK = (
    "To write in the room you need your personal link: send /fangroup web in one of the "
    "group's channels and open the room from the link it gives you."
)


class PartyRoutes:
    def __init__(self, parties: Parties, pages: Pages, store: PartyReads) -> None:
        self.parties = parties
        self.pages = pages
        self.store = store
        self.feed = RoomFeed(parties, store)
        parties.stamper.listeners.append(self.feed.stamped)

    async def _room(
        self, request: web.Request
    ) -> tuple[Viewer, int, dict[str, Any]] | web.Response:
        """The group (if this request may see it), the party and its state, or the refusal."""
        viewer = await self.pages.viewer(request)
        if isinstance(viewer, web.Response):
            return viewer
        raw = request.match_info["id"]
        state = await self.feed.state(int(raw), viewer.group) if ID.fullmatch(raw) else None
        if state is None:
            return self.pages.error(
                404, "No such party", "This group has no party at this address."
            )
        return viewer, int(raw), state

    # -- the room page -------------------------------------------------------------------------
    async def page(self, request: web.Request) -> web.Response:
        found = await self._room(request)
        if isinstance(found, web.Response):
            return found
        viewer, party_id, state = found
        path = f"{viewer.path}/party/{party_id}"
        key = request.query.get("key") or None  # a public group's room: the fan's link to write
        return self.pages.render(
            "party.html",
            private=viewer.private,
            group=viewer.group,
            party=state,
            state_label=STATES.get(state["state"], state["state"]),
            length=clock_text((state["track"] or {}).get("length_ms") or 0),
            position=clock_text(state["position_ms"]),
            events_url=with_key(f"{path}/events", {}, viewer.key),
            comments_url=with_key(f"{path}/comments", {}, key),
            back_url=with_key(viewer.path, {}, viewer.key),
            max_comment=MAX_COMMENT,
            embed_timeout_ms=self.pages.settings.embed_timeout_ms,
        )

    # -- the live stream -----------------------------------------------------------------------
    async def events(self, request: web.Request) -> web.StreamResponse:
        found = await self._room(request)
        if isinstance(found, web.Response):
            return found
        viewer, party_id, state = found
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache, no-store",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        try:
            await self._stream(response, party_id, viewer.group, state)
        except ConnectionError:
            log.debug("room %d: a viewer left", party_id)
        return response

    async def _stream(
        self, response: web.StreamResponse, party_id: int, group: FanGroup, state: dict[str, Any]
    ) -> None:
        seen = self.feed.version()
        await _send(response, state)
        while not self.feed.closing:
            now_seen = await self.feed.wait(seen, KEEPALIVE)
            if self.feed.closing:
                return
            if now_seen == seen:
                await response.write(b": keep-alive\n\n")
                continue
            seen = now_seen
            state_now = await self.feed.state(party_id, group)
            if state_now is None:
                return
            await _send(response, state_now)

    # -- writing from the room ----------------------------------------------------------------
    async def comment(self, request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        group = await self.store.get_group(request.match_info["slug"].lower())
        raw = request.match_info["id"]
        party = await self.parties.service.store.get_party(int(raw)) if ID.fullmatch(raw) else None
        if group is None or party is None or party.group_id != group.id:
            return error_response(404, "id", "No such party in this group.")
        grant = await self._grant(group, grant_key(body, request))
        if isinstance(grant, web.Response):
            return grant
        text, user = str(body.get("text", "")).strip(), grant.user_ref()
        if not text or len(text) > MAX_COMMENT:
            return error_response(400, "text", f"Write between 1 and {MAX_COMMENT} characters.")
        if user is None:
            return error_response(403, "key", NEED_LINK)
        if not party.state.live:
            return error_response(409, "id", "This party has ended.")
        channels = await self._channels(group.id)
        message_id = await self.parties.room.comment(
            party, author=user, text=text, channels=channels
        )
        if request.content_type != "application/json":  # the form, without the script
            room = with_key(f"/g/{group.slug}/party/{party.id}", {}, grant_key(body, request))
            raise web.HTTPSeeOther(room)
        return web.json_response({"ok": True, "message_id": message_id}, status=201)

    async def _grant(self, group: FanGroup, key: str) -> Grant | web.Response:
        """The grant of a personal link that may write here, or the refusal (a private group's
        pages answer a missing, forged or banned person's link as no group, like the others)."""
        settings = self.pages.settings
        grant = (
            await check_key(self.store, settings.secret, key, group, settings.now())
            if key
            else GrantError("forged")
        )
        if isinstance(grant, Grant):
            return grant
        private = group.visibility is not Visibility.PUBLIC
        if private and grant.reason != "expired":
            return error_response(404, "id", "No such party in this group.")
        if grant.reason == "expired":
            return error_response(403, "key", f"Your personal link has expired — {ASK_AGAIN}.")
        if grant.reason == "revoked":
            return error_response(
                403, "key", "You are banned from this group: you cannot write here."
            )
        return error_response(403, "key", NEED_LINK)

    async def _channels(self, group_id: int) -> list[ChannelRef]:
        links = await self.parties.service.store.links_for_group(group_id)
        return [link.channel for link in links if link.direction.receives]

    async def close(self, _: web.Application) -> None:
        self.feed.close()


async def _send(response: web.StreamResponse, state: dict[str, Any]) -> None:
    data = json.dumps(state, separators=(",", ":"))
    await response.write(f"event: state\ndata: {data}\n\n".encode())


async def _body(request: web.Request) -> dict[str, Any]:
    """A JSON object or a form's fields (anything else: nothing)."""
    if request.content_type == "application/json":
        try:
            data = await request.json()
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return dict(await request.post())


def grant_key(body: dict[str, Any], request: web.Request) -> str:
    return str(body.get("key") or request.query.get("key", ""))


def setup_party(
    app: web.Application, parties: Parties, pages: PageSettings, store: PartyReads
) -> PartyRoutes:
    """Add the party rooms' routes to ``app`` (the pages' settings give access and rendering)."""
    routes = PartyRoutes(parties, Pages(pages), store)
    app.router.add_get("/g/{slug}/party/{id}", routes.page)
    app.router.add_get("/g/{slug}/party/{id}/events", routes.events)
    app.router.add_post("/g/{slug}/party/{id}/comments", routes.comment)
    app.on_shutdown.append(routes.close)
    return routes
