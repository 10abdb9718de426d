"""Interactivity payloads as Slack sends them: slash commands (form fields), message shortcuts,
block actions and view submissions."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from emulators.slack.render import message_json
from emulators.slack.state import Channel, Message, SlackState, User, View


def _team(state: SlackState, team_id: str) -> dict[str, Any]:
    ws = state.workspace(team_id)
    return {"id": ws.id, "domain": ws.domain}


def _user(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": user.team_id}


def command_payload(
    state: SlackState, user: User, chan: Channel, command: str, text: str, urls: dict[str, str]
) -> dict[str, str]:
    ws = state.workspace(chan.team_id)
    return {
        "token": state.config.verification_token,
        "team_id": ws.id,
        "team_domain": ws.domain,
        "channel_id": chan.id,
        "channel_name": chan.name,
        "user_id": user.id,
        "user_name": user.name,
        "command": command if command.startswith("/") else "/" + command,
        "text": text,
        "api_app_id": state.config.app_id,
        "is_enterprise_install": "false",
        "response_url": urls["response_url"],
        "trigger_id": urls["trigger_id"],
    }


def shortcut_payload(
    state: SlackState,
    user: User,
    chan: Channel,
    msg: Message,
    callback_id: str,
    urls: dict[str, str],
) -> dict[str, Any]:
    return {
        "type": "message_action",
        "token": state.config.verification_token,
        "action_ts": f"{time.time():.6f}",
        "team": _team(state, chan.team_id),
        "user": _user(user),
        "channel": {"id": chan.id, "name": chan.name},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": urls["trigger_id"],
        "response_url": urls["response_url"],
        "message_ts": msg.ts,
        "message": message_json(state, msg),
    }


def action_payload(
    state: SlackState,
    user: User,
    source: Channel | View,
    msg: Message | None,
    action: dict[str, Any],
    urls: dict[str, str],
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user),
        "api_app_id": state.config.app_id,
        "token": state.config.verification_token,
        "trigger_id": urls["trigger_id"],
        "team": _team(state, user.team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [action],
    }
    if isinstance(source, View):
        payload["container"] = {"type": "view", "view_id": source.id}
        payload["view"] = source.data
        return payload
    assert msg is not None
    payload["container"] = {
        "type": "message",
        "message_ts": msg.ts,
        "channel_id": source.id,
        "is_ephemeral": False,
    }
    payload.update(
        channel={"id": source.id, "name": source.name},
        message=message_json(state, msg),
        response_url=urls["response_url"],
    )
    return payload


def view_submission_payload(
    state: SlackState, user: User, view: View, values: dict[str, Any], trigger: str
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": _team(state, view.team_id),
        "user": _user(user),
        "api_app_id": state.config.app_id,
        "token": state.config.verification_token,
        "trigger_id": trigger,
        "view": {**view.data, "state": {"values": values}},
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def find_action(blocks: list[dict[str, Any]], action_id: str, value: Any) -> dict[str, Any] | None:
    """The element a click hits, as it appears in ``actions[]`` of block_actions."""
    for block_id, element in _elements(blocks):
        if element.get("action_id") == action_id:
            return _action(block_id, element, value)
    return None


def _elements(blocks: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for block in blocks:
        block_id = str(block.get("block_id", ""))
        children = list(block.get("elements") or [])
        if isinstance(block.get("accessory"), dict):
            children.append(block["accessory"])
        if isinstance(block.get("element"), dict):
            children.append(block["element"])
        for element in children:
            if isinstance(element, dict):
                yield block_id, element


def _action(block_id: str, element: dict[str, Any], value: Any) -> dict[str, Any]:
    kind = element.get("type", "button")
    action: dict[str, Any] = {
        "action_id": element["action_id"],
        "block_id": block_id,
        "type": kind,
        "action_ts": f"{time.time():.6f}",
    }
    if kind == "button":
        action["text"] = element.get("text", {"type": "plain_text", "text": ""})
        action["value"] = value if value is not None else element.get("value", "")
        return action
    options = element.get("options") or []
    chosen = next((o for o in options if o.get("value") == value), None)
    if chosen is not None:
        action["selected_option"] = chosen
    else:
        action["value"] = value
    return action
