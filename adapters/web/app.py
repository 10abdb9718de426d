"""The product's aiohttp server: Slack HTTP events, health checks, /metrics, the music tab pages,
its JSON API, exports and Atom feed. Every route module is added here (they import nothing of
each other)."""

from __future__ import annotations

import json
import socket
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from aiohttp import web

from adapters.parties import Parties
from adapters.web.access import allow_private_links
from adapters.web.api import setup_api
from adapters.web.api_events import setup_event_api
from adapters.web.api_party import PartyReads, setup_party_api
from adapters.web.api_polls import PollReads, setup_poll_api
from adapters.web.event_shapes import EventReads
from adapters.web.events import setup_event_pages
from adapters.web.exports import setup_exports
from adapters.web.feed import setup_feed
from adapters.web.insights import InsightReads, setup_insights
from adapters.web.pages import PageSettings, setup_pages
from adapters.web.party import setup_party
from adapters.web.slack_install import InstallRoutes, setup_slack_install
from adapters.web.tab_request import PUBLIC_URL, STORE, TabStore

Check = Callable[[], Awaitable[dict[str, bool]]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
About = Callable[[], Awaitable[dict[str, Any]]]
# workers on one host listen on one port together (the kernel spreads the connections)
REUSE_PORT = hasattr(socket, "SO_REUSEPORT")


def build_web_app(
    *,
    ready_checks: Check,
    slack_handler: object | None = None,
    slack_install: InstallRoutes | None = None,
    metrics: Handler | None = None,
    pages: PageSettings | None = None,
    store: TabStore | None = None,
    public_url: str | None = None,
    worker: About | None = None,
    parties: Parties | None = None,
) -> web.Application:
    """``metrics`` serves ``/metrics`` (adapters.web.metrics.metrics_handler); ``store`` adds
    the JSON API, the exports and the Atom feed (links absolute to ``public_url`` if set), and
    the parties' API and the songs' moments on the item pages when it keeps parties;
    ``worker`` describes this process as a worker in ``/readyz`` (its id and leases);
    ``parties`` (with ``pages`` and ``store``) adds the listening parties' rooms."""
    app = web.Application()

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def readyz(_: web.Request) -> web.Response:
        checks = await ready_checks()
        ok = all(checks.values())
        body: dict[str, Any] = {"ok": ok, "checks": checks}
        if worker is not None:
            body["worker"] = await worker()
        return web.Response(
            text=json.dumps(body),
            status=200 if ok else 503,
            content_type="application/json",
        )

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    if metrics is not None:
        app.router.add_get("/metrics", metrics)
    if slack_handler is not None:
        app.router.add_post("/slack/events", slack_handler.handle)  # type: ignore[attr-defined]
    if slack_install is not None:
        setup_slack_install(app, slack_install)  # Add to Slack: install page and redirect
    if pages is not None:
        allow_private_links(app, pages.secret, pages.now)
        if isinstance(store, PartyReads):  # the item pages list the song's moments
            pages = replace(pages, moments=store.item_moments, parties=store.group_parties)
        setup_pages(app, pages)  # /, /g/<slug>, /g/<slug>/item/<ref>, /static/
        if isinstance(store, EventReads):
            setup_event_pages(app, pages, store)  # /g/<slug>/events, /g/<slug>/events.ics
        if isinstance(store, InsightReads):
            setup_insights(app, pages, store)  # /g/<slug>/digests, /g/<slug>/insights
    if store is not None:
        setup_web_api(app, store, public_url=public_url)  # /api/..., /g/<slug>/export.*, feed
    if parties is not None and pages is not None and isinstance(store, PartyReads):
        setup_party(app, parties, pages, store)  # /g/<slug>/party/<id>, its events, comments
    return app


def setup_web_api(app: web.Application, store: TabStore, *, public_url: str | None = None) -> None:
    """Add the JSON API, the exports and the Atom feed to ``app``."""
    app[STORE] = store
    app[PUBLIC_URL] = public_url or ""
    if isinstance(store, PartyReads):
        setup_party_api(app, store)  # /api/groups/<slug>/parties..., the songs' moments
    if isinstance(store, PollReads):
        setup_poll_api(app, store)  # /api/groups/<slug>/polls...
    if isinstance(store, EventReads):
        setup_event_api(app, store)  # /api/groups/<slug>/events
    setup_api(app)  # /api/...
    setup_exports(app)  # /g/<slug>/export.*
    setup_feed(app)  # /g/<slug>/feed.atom


class WebServer:
    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_port=REUSE_PORT)
        await site.start()
        if self.port == 0 and self._runner.addresses:
            self.port = int(self._runner.addresses[0][1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
