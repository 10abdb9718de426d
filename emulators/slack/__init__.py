"""The Slack emulator: Web API (``/slack/api/<method>``), Events API delivery (signed HTTP with
retries, or Socket Mode at ``/slack/socket/<ticket>``), interactivity with ``response_url``
(``/slack/response/<id>``), file upload/download, and the ``/_emu/slack/...`` control API.

Point the real clients at it with ``AsyncWebClient(token=..., base_url=f"{url}/slack/api/")``;
Socket Mode clients find the websocket through ``apps.connections.open`` on that base URL.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from emulators.core import Emulator, Platform, json_response
from emulators.slack import control, oauth, webapi_files
from emulators.slack.errors import SlackError
from emulators.slack.oauth import METHODS as OAUTH
from emulators.slack.service import SlackService
from emulators.slack.webapi import Method, contract_args, make_handler, method_name, render_error
from emulators.slack.webapi_chat import METHODS as CHAT
from emulators.slack.webapi_conversations import METHODS as CONVERSATIONS
from emulators.slack.webapi_files import METHODS as FILES
from emulators.slack.webapi_misc import METHODS as MISC

METHODS: dict[str, Method] = {**CHAT, **CONVERSATIONS, **FILES, **MISC, **OAUTH}
PREFIX = "/slack"
SLACK = web.AppKey("slack", SlackService)


def install(app: web.Application, emu: Emulator, world: dict[str, Any] | None) -> SlackService:
    svc = SlackService(emu, (world or {}).get("slack"))
    app[SLACK] = svc
    emu.register(
        Platform(
            name="slack",
            prefixes=(PREFIX,),
            render_error=render_error,
            reset=svc.reset,
            world=svc.state.world,
            validate=_validator(emu),
        )
    )
    handler = make_handler(svc, METHODS)
    app.router.add_route("POST", "/slack/api/{method}", handler)
    app.router.add_route("GET", "/slack/api/{method}", handler)
    app.router.add_get("/slack/socket/{ticket}", svc.sockets.handle)
    app.router.add_post("/slack/response/{target}", _response_url(svc))
    app.router.add_get(oauth.AUTHORIZE_PATH, oauth.authorize_handler(svc))
    webapi_files.add_routes(app, svc)
    control.install(app, svc)
    app.setdefault("on_emulator_started", []).append(svc.started)

    async def on_shutdown(_: web.Application) -> None:
        await svc.sockets.close()

    async def on_cleanup(_: web.Application) -> None:
        await svc.close()

    app.on_shutdown.append(on_shutdown)
    app.on_cleanup.append(on_cleanup)
    return svc


def _validator(emu: Emulator) -> Any:
    def validate(request: web.Request, body: Any) -> list[str]:
        if emu.contracts is None or not request.path.startswith("/slack/api/"):
            return []
        args = contract_args(request, body)
        violations: list[str] = emu.contracts.slack(method_name(request), args)
        return violations

    return validate


def _response_url(svc: SlackService) -> Any:
    async def handle(request: web.Request) -> web.Response:
        target = svc.interactions.targets.get(request.match_info["target"])
        if target is None:
            return json_response({"ok": False, "error": "invalid_url"}, status=404)
        body = await _response_body(request)
        try:
            svc.interactions.respond(target, body)
        except SlackError as err:
            return json_response(err.body(), status=404)
        return web.Response(text="ok", content_type="text/plain")

    return handle


async def _response_body(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        data = await request.json()
    else:
        form = await request.post()
        data = json.loads(str(form.get("payload", "{}")))
    return data if isinstance(data, dict) else {}
