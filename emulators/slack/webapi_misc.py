"""``reactions.*``, ``views.*`` (App Home and modals) and ``apps.connections.open``."""

from __future__ import annotations

import re
import time
from typing import Any

from emulators.slack import ops
from emulators.slack.errors import SlackError
from emulators.slack.ids import random_id
from emulators.slack.render import message_json
from emulators.slack.state import View
from emulators.slack.webapi import TIER_1, TIER_2, TIER_3, TIER_4, Call, Method

EMOJI_NAME = re.compile(r"^[a-z0-9_+'\-]+(::skin-tone-[2-6])?$")


def _reaction_target(call: Call) -> Any:
    chan = call.channel()
    if call.get("timestamp") is None:
        raise SlackError("no_item_specified")
    return call.message(chan, "timestamp")


def _emoji(call: Call) -> str:
    name = str(call.require("name")).strip(":")
    if not EMOJI_NAME.match(name):
        raise SlackError("invalid_name")
    return name


async def reactions_add(call: Call) -> dict[str, Any]:
    msg = _reaction_target(call)
    ops.react(call.svc, msg, call.state.config.bot_user_id, _emoji(call), remove=False)
    return {}


async def reactions_remove(call: Call) -> dict[str, Any]:
    msg = _reaction_target(call)
    ops.react(call.svc, msg, call.state.config.bot_user_id, _emoji(call), remove=True)
    return {}


async def reactions_get(call: Call) -> dict[str, Any]:
    msg = _reaction_target(call)
    return {"type": "message", "channel": msg.channel, "message": message_json(call.state, msg)}


# -- pins (pins.add: tier 2; a message is pinned once per channel, 100 pins per channel) ----
PIN_LIMIT = 100


async def pins_add(call: Call) -> dict[str, Any]:
    msg = _reaction_target(call)
    if msg.channel in msg.pinned_to:
        raise SlackError("already_pinned")
    chan = call.channel()
    pinned = [m for m in chan.messages if chan.id in m.pinned_to]
    if len(pinned) >= PIN_LIMIT:
        raise SlackError("too_many_pins")
    msg.pinned_to.append(msg.channel)
    call.svc.publish("slack.pin", {"channel": msg.channel, "ts": msg.ts})
    return {}


async def pins_remove(call: Call) -> dict[str, Any]:
    msg = _reaction_target(call)
    if msg.channel not in msg.pinned_to:
        raise SlackError("no_pin")
    msg.pinned_to.remove(msg.channel)
    return {}


# -- views ---------------------------------------------------------------------------------
def _view_arg(call: Call, allowed: tuple[str, ...]) -> dict[str, Any]:
    view = call.json_arg("view")
    if not isinstance(view, dict) or view.get("type") not in allowed:
        raise SlackError(
            "invalid_arguments",
            response_metadata={
                "messages": [f"[ERROR] view.type must be one of {', '.join(allowed)}"]
            },
        )
    if not isinstance(view.get("blocks", []), list):
        raise SlackError("invalid_arguments")
    return view


def _store_view(
    call: Call, view_id: str | None, team: str, user: str, spec: dict[str, Any]
) -> View:
    cfg = call.state.config
    view_id = view_id or random_id("V")
    view_hash = f"{int(time.time())}.{random_id('', 8)}"
    data = {
        "id": view_id,
        "team_id": team,
        "type": spec["type"],
        "blocks": spec.get("blocks", []),
        "private_metadata": spec.get("private_metadata", ""),
        "callback_id": spec.get("callback_id", ""),
        "state": {"values": {}},
        "hash": view_hash,
        "title": spec.get("title"),
        "clear_on_close": bool(spec.get("clear_on_close", False)),
        "notify_on_close": bool(spec.get("notify_on_close", False)),
        "close": spec.get("close"),
        "submit": spec.get("submit"),
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": cfg.app_id,
        "external_id": spec.get("external_id", ""),
        "app_installed_team_id": team,
        "bot_id": cfg.bot_id,
    }
    view = View(view_id, team, user, spec["type"], data, view_hash)
    call.state.views[view_id] = view
    call.svc.publish("slack.view", {"user": user, "view": data})
    return view


async def views_publish(call: Call) -> dict[str, Any]:
    user = call.user("user_id")
    spec = _view_arg(call, ("home",))
    current = call.state.views.get(call.state.home.get(user.id, ""))
    given_hash = call.get("hash")
    if current is not None and given_hash and given_hash != current.hash:
        raise SlackError("hash_conflict")
    view = _store_view(call, current.id if current else None, user.team_id, user.id, spec)
    call.state.home[user.id] = view.id
    return {"view": view.data}


async def views_open(call: Call) -> dict[str, Any]:
    user_id = call.svc.interactions.use_trigger(str(call.require("trigger_id")))
    spec = _view_arg(call, ("modal",))
    user = call.state.users[user_id]
    view = _store_view(call, None, user.team_id, user.id, spec)
    call.svc.interactions.observe("views", None, user.id, view.data)
    return {"view": view.data}


async def views_update(call: Call) -> dict[str, Any]:
    view_id = call.get("view_id")
    external = call.get("external_id")
    current = call.state.views.get(view_id) if view_id else None
    if current is None and external:
        current = next(
            (v for v in call.state.views.values() if v.data.get("external_id") == external), None
        )
    if current is None:
        raise SlackError("not_found")
    if call.get("hash") and call.get("hash") != current.hash:
        raise SlackError("hash_conflict")
    spec = _view_arg(call, (current.type,))
    view = _store_view(call, current.id, current.team_id, current.user_id, spec)
    call.svc.interactions.observe("views", None, current.user_id, view.data)
    return {"view": view.data}


async def connections_open(call: Call) -> dict[str, Any]:
    return {"url": call.svc.sockets.issue_url()}


METHODS = {
    "reactions.add": Method(reactions_add, TIER_3),
    "reactions.remove": Method(reactions_remove, TIER_2),
    "reactions.get": Method(reactions_get, TIER_3),
    "pins.add": Method(pins_add, TIER_2),
    "pins.remove": Method(pins_remove, TIER_2),
    "views.publish": Method(views_publish, TIER_4),
    "views.open": Method(views_open, TIER_4),
    "views.update": Method(views_update, TIER_4),
    "apps.connections.open": Method(connections_open, TIER_1 * 10, token="app"),
}
