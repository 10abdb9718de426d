"""The "Add to Slack" routes: ``GET <install_path>`` (the Add to Slack page) and
``GET <redirect_uri_path>`` (where Slack sends the browser back), served by the Slack side's
install flow (adapters/slack/oauth.py) through this narrow interface."""

from __future__ import annotations

from typing import Protocol

from aiohttp import web


class InstallRoutes(Protocol):
    @property
    def install_path(self) -> str: ...

    @property
    def redirect_uri_path(self) -> str: ...

    async def install(self, request: web.Request) -> web.Response: ...

    async def callback(self, request: web.Request) -> web.Response: ...


def setup_slack_install(app: web.Application, routes: InstallRoutes) -> None:
    app.router.add_get(routes.install_path, routes.install)
    app.router.add_get(routes.redirect_uri_path, routes.callback)
