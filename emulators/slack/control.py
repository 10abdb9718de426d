"""Slack part of the control API (``/_emu/slack/...``): act as a person (post, edit, delete,
react, run a slash command, use a shortcut, click a button, submit a modal, open App Home), read
what a person sees, and steer event delivery."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulators.core import json_response
from emulators.slack import oauth, ops, people
from emulators.slack.errors import SlackError
from emulators.slack.render import channel_view

if TYPE_CHECKING:
    from emulators.slack.service import SlackService

Route = Callable[[dict[str, Any]], Awaitable[Any]]


def _wrap(route: Route) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        try:
            return json_response(await route(await _control_args(request)))
        except SlackError as err:
            status = 404 if err.error.endswith("not_found") else 400
            return json_response(err.body(), status=status)
        except (KeyError, TypeError, ValueError) as exc:
            return json_response(
                {"ok": False, "error": "invalid_arguments", "detail": repr(exc)}, status=400
            )

    return handler


async def _control_args(request: web.Request) -> dict[str, Any]:
    """Query, path and JSON body fields of a control request."""
    data: dict[str, Any] = dict(request.query)
    data.update(request.match_info)
    if request.method == "POST" and request.can_read_body:
        body = await request.json()
        if not isinstance(body, dict):
            raise SlackError("json_not_object")
        data.update(body)
    return data


def install(app: web.Application, svc: SlackService) -> None:
    posts: dict[str, Route] = {
        "/_emu/slack/workspaces": lambda d: people.create_workspace(svc, d),
        "/_emu/slack/messages": lambda d: people.post(svc, d),
        "/_emu/slack/messages/edit": lambda d: people.edit(svc, d),
        "/_emu/slack/messages/delete": lambda d: people.delete(svc, d),
        "/_emu/slack/reactions": lambda d: people.react(svc, d),
        "/_emu/slack/members": lambda d: people.membership(svc, d),
        "/_emu/slack/commands": lambda d: people.command(svc, d),
        "/_emu/slack/shortcuts": lambda d: people.shortcut(svc, d),
        "/_emu/slack/actions": lambda d: people.action(svc, d),
        "/_emu/slack/views/submit": lambda d: people.submit_view(svc, d),
        "/_emu/slack/app_home": lambda d: people.open_app_home(svc, d),
        "/_emu/slack/events/target": lambda d: _set_target(svc, d),
        "/_emu/slack/events/redeliver": lambda d: _redeliver(svc, d),
        "/_emu/slack/socket/disconnect": lambda d: _disconnect(svc, d),
        "/_emu/slack/oauth/approver": lambda d: oauth.set_approver(svc, d),
        "/_emu/slack/oauth/uninstall": lambda d: oauth.uninstall(svc, d),
    }
    gets: dict[str, Route] = {
        "/_emu/slack/channels/{channel}/messages": lambda d: _messages(svc, d),
        "/_emu/slack/channels/{channel}/ephemeral": lambda d: _ephemeral(svc, d),
        "/_emu/slack/views": lambda d: _views(svc, d),
        "/_emu/slack/events": lambda d: _events(svc, d),
        "/_emu/slack/deliveries": lambda d: _deliveries(svc, d),
        "/_emu/slack/files/{file_id}": lambda d: _file(svc, d),
        "/_emu/slack/oauth/installs": lambda d: oauth.installs(svc, d),
        "/_emu/slack/calls": lambda d: oauth.calls(svc, d),
    }
    for path, route in posts.items():
        app.router.add_post(path, _wrap(route))
    for path, route in gets.items():
        app.router.add_get(path, _wrap(route))


async def _messages(svc: SlackService, data: dict[str, Any]) -> Any:
    chan = people.channel(svc, data["channel"])
    return channel_view(svc.state, chan)


async def _ephemeral(svc: SlackService, data: dict[str, Any]) -> Any:
    chan = people.channel(svc, data["channel"])
    user = data.get("user")
    person = people.person(svc, user, chan.team_id) if user else None
    return [
        ops.ephemeral_json(e)
        for e in svc.state.ephemerals
        if e.channel == chan.id and (person is None or e.user == person.id)
    ]


async def _views(svc: SlackService, data: dict[str, Any]) -> Any:
    user = data.get("user")
    person = people.person(svc, user, None) if user else None
    views = [v for v in svc.state.views.values() if person is None or v.user_id == person.id]
    return [{"user": v.user_id, **v.data} for v in views]


async def _events(svc: SlackService, data: dict[str, Any]) -> Any:
    last = int(data.get("last", 0) or 0)
    return svc.events.log[-last:] if last else list(svc.events.log)


async def _deliveries(svc: SlackService, _: dict[str, Any]) -> Any:
    return [a.to_json() for a in svc.events.attempts]


async def _file(svc: SlackService, data: dict[str, Any]) -> Any:
    file = svc.state.files.get(data["file_id"])
    if file is None:
        raise SlackError("file_not_found")
    return {
        "id": file.id,
        "name": file.name,
        "title": file.title,
        "mimetype": file.mimetype,
        "size": file.size,
        "content_b64": base64.b64encode(file.content).decode(),
    }


async def _set_target(svc: SlackService, data: dict[str, Any]) -> Any:
    url = data.get("url") or None
    svc.events_url = url
    out: dict[str, Any] = {"ok": True, "url": url}
    if url and data.get("verify", True):
        out.update(await svc.events.verify_url(url))
    return out


async def _redeliver(svc: SlackService, data: dict[str, Any]) -> Any:
    retry_num = int(data.get("retry_num", 1))
    if not 1 <= retry_num <= 3 and not data.get("new_event_id"):
        raise SlackError("invalid_arguments", detail="retry_num must be 1..3")
    results = await svc.events.redeliver(
        last=int(data.get("last", 1)),
        retry_num=retry_num,
        new_event_id=bool(data.get("new_event_id", False)),
        reason=str(data.get("reason", "http_timeout")),
    )
    return {"ok": True, "deliveries": results}


async def _disconnect(svc: SlackService, data: dict[str, Any]) -> Any:
    sent = await svc.sockets.disconnect_all(str(data.get("reason", "refresh_requested")))
    return {"ok": True, "connections": sent}
