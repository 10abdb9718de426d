"""JSON shapes of state objects: Web API objects (messages, channels, users, files) and the
control API's channel view (what a person sees)."""

from __future__ import annotations

from typing import Any

from emulators.slack.formatting import pinged
from emulators.slack.ids import ts_to_permalink_part
from emulators.slack.state import Channel, File, Message, SlackState, User


def message_json(state: SlackState, msg: Message, *, metadata: bool = True) -> dict[str, Any]:
    """A message as conversations.history / chat.postMessage return it."""
    out: dict[str, Any] = {"type": "message", "ts": msg.ts, "text": msg.text}
    optional = {
        "subtype": msg.subtype,
        "user": msg.user,
        "bot_id": msg.bot_id,
        "app_id": msg.app_id,
        "username": msg.username,
        "client_msg_id": msg.client_msg_id,
        "attachments": msg.attachments,
        "edited": msg.edited,
        "thread_ts": msg.thread_ts,
    }
    out.update({k: v for k, v in optional.items() if v is not None})
    out["blocks"] = msg.blocks or []
    out["team"] = msg.team
    if msg.icon_url or msg.icon_emoji:
        icons = (("image_72", msg.icon_url), ("emoji", msg.icon_emoji))
        out["icons"] = {k: v for k, v in icons if v}
    if msg.bot_id:
        out["bot_profile"] = bot_profile(state, msg.team)
    out.update(_thread_json(state, msg))
    if msg.reactions:
        out["reactions"] = reactions_json(msg)
    if msg.pinned_to:
        out["pinned_to"] = list(msg.pinned_to)
    if msg.files:
        out["files"] = [file_json(state, state.files[f]) for f in msg.files if f in state.files]
        out["upload"] = False
    if metadata and msg.metadata:
        out["metadata"] = msg.metadata
    return out


def _thread_json(state: SlackState, msg: Message) -> dict[str, Any]:
    if msg.is_reply:
        chan = state.channels[msg.channel]
        parent = chan.by_ts.get(msg.thread_ts or "")
        out: dict[str, Any] = {"parent_user_id": parent.user if parent else None}
        if msg.reply_broadcast:
            out["subtype"] = "thread_broadcast"
        return out
    if not msg.replies:
        return {}
    chan = state.channels[msg.channel]
    users = [chan.by_ts[r].user for r in msg.replies if r in chan.by_ts]
    return {
        "thread_ts": msg.ts,
        "reply_count": len(msg.replies),
        "reply_users_count": len(set(users)),
        "latest_reply": msg.replies[-1],
        "reply_users": list(dict.fromkeys(u for u in users if u)),
        "is_locked": False,
        "subscribed": False,
    }


def reactions_json(msg: Message) -> list[dict[str, Any]]:
    return [
        {"name": name, "users": list(users), "count": len(users)}
        for name, users in msg.reactions.items()
        if users
    ]


def bot_profile(state: SlackState, team_id: str) -> dict[str, Any]:
    cfg = state.config
    bot = state.users[cfg.bot_user_id]
    return {
        "id": cfg.bot_id,
        "deleted": False,
        "name": cfg.bot_name,
        "updated": 1700000000,
        "app_id": cfg.app_id,
        "icons": {"image_36": bot.image_72, "image_48": bot.image_72, "image_72": bot.image_72},
        "team_id": team_id,
    }


def channel_json(state: SlackState, chan: Channel) -> dict[str, Any]:
    return {
        "id": chan.id,
        "name": chan.name,
        "is_channel": not chan.is_private and not chan.is_im,
        "is_group": chan.is_private,
        "is_im": chan.is_im,
        "is_mpim": False,
        "is_private": chan.is_private,
        "created": chan.created,
        "is_archived": chan.is_archived,
        "is_general": chan.name == "general",
        "unlinked": 0,
        "name_normalized": chan.name,
        "is_shared": False,
        "is_org_shared": False,
        "is_pending_ext_shared": False,
        "pending_shared": [],
        "context_team_id": chan.team_id,
        "updated": chan.created * 1000,
        "parent_conversation": None,
        "creator": chan.creator,
        "is_ext_shared": False,
        "shared_team_ids": [chan.team_id],
        "is_member": state.config.bot_user_id in chan.members,
        "topic": {"value": chan.topic, "creator": "", "last_set": 0},
        "purpose": {"value": chan.purpose, "creator": "", "last_set": 0},
        "previous_names": [],
        "num_members": len(chan.members),
        **({"user": chan.name, "is_open": True} if chan.is_im else {}),
    }


def user_json(state: SlackState, user: User) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": user.display_name,
        "display_name_normalized": user.display_name,
        "avatar_hash": "g" + user.id[-10:].lower(),
        "team": user.team_id,
        **{f"image_{n}": user.image_72 for n in (24, 32, 48, 72, 192, 512)},
    }
    if user.is_bot:
        profile.update(bot_id=user.bot_id, api_app_id=state.config.app_id, always_active=True)
    else:
        profile["email"] = user.email
    return {
        "id": user.id,
        "team_id": user.team_id,
        "name": user.name,
        "deleted": user.deleted,
        "color": "9f69e7",
        "real_name": user.real_name,
        "tz": "Europe/Berlin",
        "tz_label": "Central European Time",
        "tz_offset": 3600,
        "profile": profile,
        "is_admin": user.admin,
        "is_owner": user.owner,
        "is_primary_owner": user.owner,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": 1700000000,
        "is_email_confirmed": not user.is_bot,
    }


def file_json(state: SlackState, file: File) -> dict[str, Any]:
    folder = f"{_base(state)}/slack/files-pri/{file.team}-{file.id}"  # as Slack's url_private
    base = f"{folder}/{file.name}"
    domain = state.workspace(file.team).domain
    return {
        "id": file.id,
        "created": file.created,
        "timestamp": file.created,
        "name": file.name,
        "title": file.title,
        "mimetype": file.mimetype,
        "filetype": file.filetype,
        "pretty_type": file.filetype.upper(),
        "user": file.user,
        "user_team": file.team,
        "editable": False,
        "size": file.size,
        "mode": "hosted",
        "is_external": False,
        "external_type": "",
        "is_public": True,
        "public_url_shared": False,
        "display_as_bot": False,
        "username": "",
        "url_private": base,
        "url_private_download": f"{folder}/download/{file.name}",
        "permalink": f"https://{domain}.slack.com/files/{file.user}/{file.id}/{file.name}",
        "permalink_public": f"https://slack-files.com/{file.team}-{file.id}-emulated",
        "channels": list(file.shares),
        "groups": [],
        "ims": [],
        "shares": {"public": {c: [{"ts": ts} for ts in tss] for c, tss in file.shares.items()}},
        "alt_txt": file.alt_txt,
        "has_rich_preview": False,
        "file_access": "visible",
        "comments_count": 0,
    }


def _base(state: SlackState) -> str:
    return state.base_url or "http://127.0.0.1"


def permalink(state: SlackState, msg: Message) -> str:
    domain = state.workspace(msg.team).domain
    link = f"https://{domain}.slack.com/archives/{msg.channel}/{ts_to_permalink_part(msg.ts)}"
    if msg.is_reply:
        link += f"?thread_ts={msg.thread_ts}&cid={msg.channel}"
    return link


def view_message(state: SlackState, msg: Message, *, with_replies: bool = True) -> dict[str, Any]:
    """A message as a person sees it in the channel (the control API's channel view)."""
    chan = state.channels[msg.channel]
    user = state.users.get(msg.user or "")
    out: dict[str, Any] = {
        "ts": msg.ts,
        "user": msg.user,
        "bot_id": msg.bot_id,
        "username": msg.username or (user.name if user else msg.user),
        "icon_url": msg.icon_url or (user.image_72 if user else None),
        "icon_emoji": msg.icon_emoji,
        "text": msg.text,
        "blocks": msg.blocks or [],
        "attachments": msg.attachments or [],
        "subtype": msg.subtype,
        "thread_ts": msg.thread_ts,
        "reply_count": len(msg.replies),
        "reactions": reactions_json(msg),
        "pinned_to": list(msg.pinned_to),
        "edited": msg.edited,
        "deleted": msg.tombstone,
        "files": [_view_file(state, f) for f in msg.files if f in state.files],
        "metadata": msg.metadata,
        "pinged": view_pings(state, chan, msg),
        "permalink": permalink(state, msg),
    }
    if with_replies:
        replies = [chan.by_ts[r] for r in msg.replies if r in chan.by_ts]
        out["replies"] = [view_message(state, r, with_replies=False) for r in replies]
    return out


def view_pings(state: SlackState, chan: Channel, msg: Message) -> list[str]:
    def resolve(name: str) -> str | None:
        user = state.find_user(name, chan.team_id)
        return user.id if user else None

    found = pinged(msg.text, msg.blocks, link_names=msg.link_names, resolve_name=resolve)
    # a mention of someone outside the channel does not notify them
    return [p for p in found if not p.startswith("U") or p in chan.members]


def _view_file(state: SlackState, file_id: str) -> dict[str, Any]:
    file = state.files[file_id]
    data = file_json(state, file)
    keys = ("id", "name", "title", "mimetype", "size", "url_private")
    return {k: data[k] for k in keys}


def channel_view(state: SlackState, chan: Channel) -> list[dict[str, Any]]:
    return [view_message(state, m) for m in chan.messages]
