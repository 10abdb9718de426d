"""What happens in a workspace, whoever causes it (a person through the control API or the bot
through the Web API): the state change, the Events API event and the live-viewer update."""

from __future__ import annotations

import time
from typing import Any

from emulators.slack.context import SlackContext
from emulators.slack.errors import SlackError
from emulators.slack.render import message_json, view_message
from emulators.slack.state import Channel, Ephemeral, Message


def add_message(svc: SlackContext, msg: Message) -> Message:
    """Store a new message (top level, reply or broadcast reply) and announce it."""
    chan = svc.state.channels[msg.channel]
    if msg.thread_ts is not None:
        parent = _thread_root(chan, msg.thread_ts)
        msg.thread_ts = parent.thread_ts = parent.ts
        parent.replies.append(msg.ts)
    chan.by_ts[msg.ts] = msg
    if not msg.is_reply or msg.reply_broadcast:
        chan.messages.append(msg)
    event = {**message_json(svc.state, msg), "channel": chan.id}
    event.update(event_ts=msg.ts, channel_type=_channel_type(chan))
    svc.events.emit(chan.team_id, event)
    _publish(svc, "new", msg)
    if msg.bot_id:
        svc.interactions.observe("messages", chan.id, None, view_message(svc.state, msg))
    return msg


def _thread_root(chan: Channel, thread_ts: str) -> Message:
    """The thread's parent; a reply's ts leads to its parent, as in Slack."""
    parent = chan.by_ts.get(thread_ts)
    if parent is not None and parent.is_reply:
        parent = chan.by_ts.get(parent.thread_ts or "")
    if parent is None or parent.tombstone:
        raise SlackError("thread_not_found")
    return parent


def new_bot_message(svc: SlackContext, chan: Channel, **fields: Any) -> Message:
    """A message from the app's bot user (chat.postMessage, response_url, command ack)."""
    cfg = svc.state.config
    return Message(
        ts=svc.state.clock.next(),
        channel=chan.id,
        team=chan.team_id,
        user=cfg.bot_user_id,
        bot_id=cfg.bot_id,
        app_id=cfg.app_id,
        **fields,
    )


def edit_message(svc: SlackContext, msg: Message, by_user: str, changes: dict[str, Any]) -> Message:
    """Apply ``text``/``blocks``/``attachments``/``metadata`` changes; emit message_changed."""
    state = svc.state
    chan = state.channels[msg.channel]
    previous = message_json(state, msg)
    for key, value in changes.items():
        setattr(msg, key, value)
    now = state.clock.next()
    msg.edited = {"user": by_user, "ts": now}
    event = {
        "type": "message",
        "subtype": "message_changed",
        "message": message_json(state, msg),
        "previous_message": previous,
        "channel": chan.id,
        "hidden": True,
        "ts": now,
        "event_ts": now,
        "channel_type": _channel_type(chan),
    }
    svc.events.emit(chan.team_id, event)
    _publish(svc, "changed", msg)
    return msg


def delete_message(svc: SlackContext, msg: Message) -> None:
    """Remove a message (a thread parent with replies leaves a tombstone); emit message_deleted."""
    state = svc.state
    chan = state.channels[msg.channel]
    previous = message_json(state, msg)
    if msg.replies:
        msg.tombstone, msg.subtype, msg.blocks = True, "tombstone", []
        msg.text = "This message was deleted."
    else:
        _unlink(chan, msg)
    now = state.clock.next()
    event = {
        "type": "message",
        "subtype": "message_deleted",
        "previous_message": previous,
        "channel": chan.id,
        "hidden": True,
        "deleted_ts": msg.ts,
        "ts": now,
        "event_ts": now,
        "channel_type": _channel_type(chan),
    }
    if msg.is_reply:
        event["thread_ts"] = msg.thread_ts
    svc.events.emit(chan.team_id, event)
    _publish(svc, "deleted", msg)


def _unlink(chan: Channel, msg: Message) -> None:
    chan.by_ts.pop(msg.ts, None)
    if msg in chan.messages:
        chan.messages.remove(msg)
    parent = chan.by_ts.get(msg.thread_ts or "") if msg.is_reply else None
    if parent is not None and msg.ts in parent.replies:
        parent.replies.remove(msg.ts)
        if parent.tombstone and not parent.replies:
            _unlink(chan, parent)


def react(svc: SlackContext, msg: Message, user: str, name: str, *, remove: bool) -> None:
    users = msg.reactions.setdefault(name, [])
    if remove:
        if user not in users:
            raise SlackError("no_reaction")
        users.remove(user)
        if not users:
            del msg.reactions[name]
    else:
        if user in users:
            raise SlackError("already_reacted")
        if len(msg.reactions) > 23:
            msg.reactions.pop(name, None)
            raise SlackError("too_many_emoji")
        users.append(user)
    chan = svc.state.channels[msg.channel]
    event = {
        "type": "reaction_removed" if remove else "reaction_added",
        "user": user,
        "reaction": name,
        "item": {"type": "message", "channel": chan.id, "ts": msg.ts},
        "item_user": msg.user,
        "event_ts": svc.state.clock.next(),
    }
    svc.events.emit(chan.team_id, event)
    svc.publish(
        "slack.reaction",
        {"channel": chan.id, "ts": msg.ts, "user": user, "reaction": name, "removed": remove},
    )
    _publish(svc, "changed", msg)


def join(svc: SlackContext, chan: Channel, user: str, inviter: str | None = None) -> bool:
    """Add a member; False when already one. Emits member_joined_channel."""
    if user in chan.members:
        return False
    chan.members.append(user)
    event: dict[str, Any] = {
        "type": "member_joined_channel",
        "user": user,
        "channel": chan.id,
        "channel_type": _member_channel_type(chan),
        "team": chan.team_id,
        "event_ts": f"{time.time():.6f}",
    }
    if inviter:
        event["inviter"] = inviter
    svc.events.emit(chan.team_id, event)
    svc.publish("slack.member", {"channel": chan.id, "user": user, "action": "joined"})
    return True


def leave(svc: SlackContext, chan: Channel, user: str) -> None:
    if user not in chan.members:
        raise SlackError("not_in_channel")
    chan.members.remove(user)
    event = {
        "type": "member_left_channel",
        "user": user,
        "channel": chan.id,
        "channel_type": _member_channel_type(chan),
        "team": chan.team_id,
        "event_ts": f"{time.time():.6f}",
    }
    svc.events.emit(chan.team_id, event)
    svc.publish("slack.member", {"channel": chan.id, "user": user, "action": "left"})


def add_ephemeral(svc: SlackContext, eph: Ephemeral) -> Ephemeral:
    svc.state.ephemerals.append(eph)
    data = ephemeral_json(eph)
    svc.publish("slack.ephemeral", data)
    svc.interactions.observe("ephemeral", eph.channel, eph.user, data)
    return eph


def ephemeral_json(eph: Ephemeral) -> dict[str, Any]:
    return dict(eph.__dict__)


def _channel_type(chan: Channel) -> str:
    if chan.is_im:
        return "im"
    return "group" if chan.is_private else "channel"


def _member_channel_type(chan: Channel) -> str:
    return "G" if chan.is_private else "C"


def _publish(svc: SlackContext, action: str, msg: Message) -> None:
    payload: dict[str, Any] = {"action": action, "channel": msg.channel, "ts": msg.ts}
    if action != "deleted" or msg.tombstone:
        payload["message"] = view_message(svc.state, msg)
    svc.publish("slack.message", payload)
