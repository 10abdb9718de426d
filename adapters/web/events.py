"""A group's artist events on the web: ``/g/<slug>/events`` (upcoming and past, server-rendered
like the music tab) and ``/g/<slug>/events.ics``, the same events as an iCalendar feed (RFC 5545,
bridge/artist_events/ics.py) a calendar app subscribes to. A private group's pages open with a
personal link's key, as the music tab's do."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from adapters.web.event_shapes import EventReads, cards, split
from adapters.web.page_views import with_key
from adapters.web.pages import Pages, PageSettings, Viewer
from adapters.web.tab_request import base_url
from bridge.artist_events import ics
from bridge.artist_events.card import links


class EventPages:
    def __init__(self, pages: Pages, store: EventReads) -> None:
        self.pages = pages
        self.store = store

    async def _viewer(self, request: web.Request) -> Viewer | web.Response:
        return await self.pages.viewer(request)

    async def page(self, request: web.Request) -> web.Response:
        viewer = await self._viewer(request)
        if isinstance(viewer, web.Response):
            return viewer
        path = f"{viewer.path}/events"
        found = await cards(self.store, viewer.group, path)
        upcoming, past = split(found, self.pages.settings.now())
        return self.pages.render(
            "events.html",
            private=viewer.private,
            group=viewer.group,
            upcoming=upcoming,
            past=past,
            links=links,
            ics_url=with_key(f"{path}.ics", {}, viewer.key),
            back_url=with_key(viewer.path, {}, viewer.key),
        )

    async def calendar(self, request: web.Request) -> web.Response:
        viewer = await self._viewer(request)
        if isinstance(viewer, web.Response):
            return viewer
        base = _base(request)
        page = base + with_key(f"{viewer.path}/events", {}, viewer.key)
        found = await cards(self.store, viewer.group, page)
        text = ics.calendar(
            [(c, e.version) for e, c in found],
            name=f"{viewer.group.name} · events",
            host=urlsplit(base).hostname or "fanbridge",
            now=self.pages.settings.now(),
        )
        response = web.Response(body=text.encode(), content_type="text/calendar", charset="utf-8")
        response.headers["Content-Disposition"] = f'inline; filename="{viewer.group.slug}.ics"'
        if viewer.private:
            response.headers["Cache-Control"] = "private, no-store"
        return response


def _base(request: web.Request) -> str:
    try:
        return base_url(request)
    except KeyError:  # the pages without the API: the host the request came to
        return f"{request.scheme}://{request.host}"


def setup_event_pages(app: web.Application, settings: PageSettings, store: EventReads) -> None:
    routes = EventPages(Pages(settings), store)
    app.router.add_get("/g/{slug}/events", routes.page)
    app.router.add_get("/g/{slug}/events.ics", routes.calendar)
