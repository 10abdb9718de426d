"""The product's aiohttp server: Slack HTTP events, health checks. (The music tab pages, the JSON
API and /metrics arrive with their issues.)"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from aiohttp import web

Check = Callable[[], Awaitable[dict[str, bool]]]


def build_web_app(*, ready_checks: Check, slack_handler: object | None = None) -> web.Application:
    app = web.Application()

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def readyz(_: web.Request) -> web.Response:
        checks = await ready_checks()
        ok = all(checks.values())
        return web.Response(
            text=json.dumps({"ok": ok, "checks": checks}),
            status=200 if ok else 503,
            content_type="application/json",
        )

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    if slack_handler is not None:
        app.router.add_post("/slack/events", slack_handler.handle)  # type: ignore[attr-defined]
    return app


class WebServer:
    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        if self.port == 0 and self._runner.addresses:
            self.port = int(self._runner.addresses[0][1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
