"""``chat.*``: postMessage, update, delete, postEphemeral, getPermalink."""

from __future__ import annotations

from typing import Any

from emulators.slack import ops
from emulators.slack.errors import SlackError
from emulators.slack.formatting import link_names_text
from emulators.slack.render import message_json, permalink
from emulators.slack.state import Channel, Ephemeral, Message
from emulators.slack.webapi import (
    POST_BURST,
    POST_SUSTAINED,
    POST_WORKSPACE,
    TIER_3,
    TIER_4,
    Call,
    Method,
)

MAX_TEXT = 40_000
MAX_BLOCKS = 50


def _content(call: Call, chan: Channel) -> dict[str, Any]:
    """text/blocks/attachments of a post or update, validated like Slack does."""
    text = call.get("text")
    blocks = _blocks(call)
    attachments = call.json_arg("attachments")
    if not text and not blocks and not attachments:
        raise SlackError("no_text")
    if text is not None and len(str(text)) > MAX_TEXT:
        raise SlackError("msg_too_long")
    text = str(text or "")
    if call.flag("link_names") or call.get("parse") == "full":
        text = link_names_text(text, _resolver(call, chan))
    return {"text": text, "blocks": blocks, "attachments": attachments or None}


def _blocks(call: Call) -> list[dict[str, Any]] | None:
    blocks = call.json_arg("blocks")
    if blocks is None:
        return None
    valid = isinstance(blocks, list) and all(isinstance(b, dict) and b.get("type") for b in blocks)
    if not valid or len(blocks) > MAX_BLOCKS:
        raise SlackError(
            "invalid_blocks",
            response_metadata={
                "messages": ["[ERROR] blocks must be a list of block objects with a type"]
            },
        )
    return list(blocks)


def _resolver(call: Call, chan: Channel) -> Any:
    def resolve(name: str) -> str | None:
        user = call.state.find_user(name, chan.team_id)
        return user.id if user else None

    return resolve


def _writable(call: Call, chan: Channel) -> None:
    if chan.is_archived:
        raise SlackError("is_archived")
    if call.state.config.bot_user_id not in chan.members:
        raise SlackError("not_in_channel")


def _own(call: Call, msg: Message, error: str) -> None:
    cfg = call.state.config
    if msg.bot_id != cfg.bot_id and msg.user != cfg.bot_user_id:
        raise SlackError(error)


async def post_message(call: Call) -> dict[str, Any]:
    chan = call.channel()
    _writable(call, chan)
    content = _content(call, chan)
    call.rate(f"chat.postMessage:burst:{chan.id}", *POST_BURST)
    call.rate(f"chat.postMessage:channel:{chan.id}", *POST_SUSTAINED)
    call.rate(f"chat.postMessage:team:{chan.team_id}", *POST_WORKSPACE)
    username, icon_url, icon_emoji = (call.get(k) for k in ("username", "icon_url", "icon_emoji"))
    customized = bool(username or icon_url or icon_emoji)
    thread_ts = call.get("thread_ts")
    msg = ops.new_bot_message(
        call.svc,
        chan,
        **content,
        username=username,
        icon_url=icon_url,
        icon_emoji=icon_emoji,
        subtype="bot_message" if customized else None,
        thread_ts=str(thread_ts) if thread_ts else None,
        reply_broadcast=bool(thread_ts) and call.flag("reply_broadcast"),
        metadata=call.json_arg("metadata"),
        link_names=call.flag("link_names") or call.get("parse") == "full",
    )
    ops.add_message(call.svc, msg)
    return {"channel": chan.id, "ts": msg.ts, "message": message_json(call.state, msg)}


async def update(call: Call) -> dict[str, Any]:
    chan = call.channel()
    msg = call.message(chan)
    _own(call, msg, "cant_update_message")
    content = _content(call, chan)
    changes = {k: v for k, v in content.items() if k in call.args}
    if call.get("metadata") is not None:
        changes["metadata"] = call.json_arg("metadata")
    ops.edit_message(call.svc, msg, call.state.config.bot_user_id, changes)
    body = message_json(call.state, msg)
    return {"channel": chan.id, "ts": msg.ts, "text": msg.text, "message": body}


async def delete(call: Call) -> dict[str, Any]:
    chan = call.channel()
    msg = call.message(chan)
    _own(call, msg, "cant_delete_message")
    ops.delete_message(call.svc, msg)
    return {"channel": chan.id, "ts": msg.ts}


async def post_ephemeral(call: Call) -> dict[str, Any]:
    chan = call.channel()
    _writable(call, chan)
    user = call.user()
    if user.id not in chan.members:
        raise SlackError("user_not_in_channel")
    content = _content(call, chan)
    thread_ts = call.get("thread_ts")
    eph = Ephemeral(
        call.state.clock.next(),
        chan.id,
        user.id,
        content["text"],
        content["blocks"],
        str(thread_ts) if thread_ts else None,
        "chat.postEphemeral",
    )
    ops.add_ephemeral(call.svc, eph)
    return {"message_ts": eph.ts}


async def get_permalink(call: Call) -> dict[str, Any]:
    chan = call.channel()
    msg = call.message(chan, "message_ts")
    return {"channel": chan.id, "permalink": permalink(call.state, msg)}


METHODS = {
    "chat.postMessage": Method(post_message, None),
    "chat.update": Method(update, TIER_3),
    "chat.delete": Method(delete, TIER_3),
    "chat.postEphemeral": Method(post_ephemeral, TIER_4),
    "chat.getPermalink": Method(get_permalink, TIER_4),
}
