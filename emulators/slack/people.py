"""What a person does in Slack (driven by the control API): each action changes the workspace
and produces the events the real Slack would send the app."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from emulators.slack import ops, payloads
from emulators.slack.errors import SlackError
from emulators.slack.formatting import rich_text_blocks
from emulators.slack.ids import client_msg_id
from emulators.slack.state import Channel, Message, User
from emulators.slack.webapi_files import make_file

if TYPE_CHECKING:
    from emulators.slack.service import SlackService

DEFAULT_WAIT = 3.0
DEFAULT_SETTLE = 0.3


def channel(svc: SlackService, ref: Any, team: str | None = None) -> Channel:
    chan = svc.state.find_channel(ref, team)
    if chan is None:
        raise SlackError("channel_not_found")
    return chan


def person(svc: SlackService, ref: Any, team: str | None) -> User:
    user = svc.state.find_user(ref, team)
    if user is None:
        raise SlackError("user_not_found")
    return user


def _message(chan: Channel, ts: Any) -> Message:
    msg = chan.by_ts.get(str(ts))
    if msg is None or msg.tombstone:
        raise SlackError("message_not_found")
    return msg


async def create_workspace(svc: SlackService, data: dict[str, Any]) -> Any:
    spec = {**data, "channels": data.get("channels") or ["general"]}
    ws = svc.state.add_workspace(spec)
    svc.publish("slack.workspace", {"workspace": svc.state.workspace_json(ws)})
    return {"ok": True, **svc.state.workspace_json(ws)}


async def post(svc: SlackService, data: dict[str, Any]) -> Any:
    chan = channel(svc, data["channel"])
    user = person(svc, data["user"], chan.team_id)
    ops.join(svc, chan, user.id)
    text = str(data.get("text", ""))
    files = [_user_file(svc, user, spec) for spec in data.get("files") or []]
    thread_ts = data.get("thread_ts")
    msg = Message(
        ts=svc.state.clock.next(),
        channel=chan.id,
        team=chan.team_id,
        user=user.id,
        text=text,
        blocks=data.get("blocks") or rich_text_blocks(text),
        client_msg_id=client_msg_id(),
        thread_ts=str(thread_ts) if thread_ts else None,
        files=[f.id for f in files],
        reply_broadcast=bool(thread_ts) and bool(data.get("reply_broadcast")),
        subtype="file_share" if files else None,
    )
    for file in files:
        file.shares.setdefault(chan.id, []).append(msg.ts)
    ops.add_message(svc, msg)
    return {"ok": True, "channel": chan.id, "ts": msg.ts}


def _user_file(svc: SlackService, user: User, spec: dict[str, Any]) -> Any:
    if "content_b64" in spec:
        content = base64.b64decode(spec["content_b64"])
    else:
        content = str(spec.get("content", "")).encode()
    name = str(spec.get("name", "file.txt"))
    file = make_file(svc.state, user.id, user.team_id, name, content, len(content))
    if spec.get("mimetype"):
        file.mimetype = str(spec["mimetype"])
    return file


async def edit(svc: SlackService, data: dict[str, Any]) -> Any:
    chan = channel(svc, data["channel"])
    msg = _message(chan, data["ts"])
    editor = person(svc, data.get("user") or msg.user, chan.team_id)
    if editor.id != msg.user:
        raise SlackError("cant_update_message")
    text = str(data["text"])
    ops.edit_message(svc, msg, editor.id, {"text": text, "blocks": rich_text_blocks(text)})
    return {"ok": True, "channel": chan.id, "ts": msg.ts}


async def delete(svc: SlackService, data: dict[str, Any]) -> Any:
    chan = channel(svc, data["channel"])
    msg = _message(chan, data["ts"])
    actor = person(svc, data.get("user") or msg.user, chan.team_id)
    if actor.id != msg.user and not (actor.admin or actor.owner):
        raise SlackError("cant_delete_message")
    ops.delete_message(svc, msg)
    return {"ok": True, "channel": chan.id, "ts": msg.ts}


async def react(svc: SlackService, data: dict[str, Any]) -> Any:
    chan = channel(svc, data["channel"])
    msg = _message(chan, data["ts"])
    user = person(svc, data["user"], chan.team_id)
    name = str(data["reaction"]).strip(":")
    ops.react(svc, msg, user.id, name, remove=bool(data.get("remove")))
    return {"ok": True}


async def membership(svc: SlackService, data: dict[str, Any]) -> Any:
    chan = channel(svc, data["channel"])
    user = person(svc, data["user"], chan.team_id)
    if data.get("remove"):
        ops.leave(svc, chan, user.id)
    else:
        ops.join(svc, chan, user.id)
    return {"ok": True, "members": list(chan.members)}


def _timing(data: dict[str, Any]) -> tuple[float, float]:
    return float(data.get("wait", DEFAULT_WAIT)), float(data.get("settle", DEFAULT_SETTLE))


async def command(svc: SlackService, data: dict[str, Any]) -> Any:
    chan = channel(svc, data["channel"])
    user = person(svc, data["user"], chan.team_id)
    inter, urls = svc.interactions.begin(user.id, chan.id, None)
    payload = payloads.command_payload(
        svc.state, user, chan, str(data["command"]), str(data.get("text", "")), urls
    )
    return await svc.interactions.run(inter, "command", payload, *_timing(data))


async def shortcut(svc: SlackService, data: dict[str, Any]) -> Any:
    chan = channel(svc, data["channel"])
    user = person(svc, data["user"], chan.team_id)
    msg = _message(chan, data["message_ts"])
    inter, urls = svc.interactions.begin(user.id, chan.id, msg.ts)
    payload = payloads.shortcut_payload(svc.state, user, chan, msg, str(data["callback_id"]), urls)
    return await svc.interactions.run(inter, "shortcut", payload, *_timing(data))


async def action(svc: SlackService, data: dict[str, Any]) -> Any:
    user = person(svc, data["user"], None)
    action_id, value = str(data["action_id"]), data.get("value")
    if data.get("message_ts"):
        chan = channel(svc, data["channel"])
        msg = _message(chan, data["message_ts"])
        source: Any = chan
        found = payloads.find_action(msg.blocks or [], action_id, value)
    else:
        view = svc.state.views.get(data.get("view_id") or svc.state.home.get(user.id, ""))
        if view is None:
            raise SlackError("view_not_found")
        msg, source = None, view
        found = payloads.find_action(view.data.get("blocks", []), action_id, value)
    if found is None:
        raise SlackError("action_not_found", detail=f"no element with action_id {action_id}")
    channel_id = source.id if isinstance(source, Channel) else None
    inter, urls = svc.interactions.begin(user.id, channel_id, msg.ts if msg else None)
    payload = payloads.action_payload(svc.state, user, source, msg, found, urls)
    return await svc.interactions.run(inter, "action", payload, *_timing(data))


async def submit_view(svc: SlackService, data: dict[str, Any]) -> Any:
    user = person(svc, data["user"], None)
    modals = [v for v in svc.state.views.values() if v.user_id == user.id and v.type == "modal"]
    view = svc.state.views.get(data.get("view_id", "")) or (modals[-1] if modals else None)
    if view is None:
        raise SlackError("view_not_found")
    inter, urls = svc.interactions.begin(user.id, None, None)
    payload = payloads.view_submission_payload(
        svc.state, user, view, data.get("values") or {}, urls["trigger_id"]
    )
    result = await svc.interactions.run(inter, "view_submission", payload, *_timing(data))
    ack = result.get("ack") or {}
    if result.get("ok") and ack.get("response_action") in (None, "clear"):
        svc.state.views.pop(view.id, None)
    return result


async def open_app_home(svc: SlackService, data: dict[str, Any]) -> Any:
    user = person(svc, data["user"], None)
    view = svc.state.views.get(svc.state.home.get(user.id, ""))
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user.id,
        "channel": svc.state.dm(user).id,
        "tab": str(data.get("tab", "home")),
    }
    if view is not None:
        event["view"] = view.data
    env = svc.events.emit(user.team_id, event)
    return {"ok": True, "event_id": env["event_id"]}
