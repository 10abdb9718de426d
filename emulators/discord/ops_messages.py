"""Creating, editing and deleting messages: the rules shared by REST, webhooks, interactions
and the control API (validation, permissions, mentions, events)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from emulators.discord import access, audit, events, perms, polls
from emulators.discord.errors import ApiError
from emulators.discord.ids import now_iso, parse_iso
from emulators.discord.mentions import MentionContext, compute_mentions, validate_allowed_mentions
from emulators.discord.poll_state import MessagePoll
from emulators.discord.state import Attachment, Channel, Message, Webhook

if TYPE_CHECKING:
    from emulators.discord.routing import Upload
    from emulators.discord.service import DiscordService

MAX_CONTENT = 2000
MAX_UPLOAD = 10 * 1024 * 1024
EPHEMERAL, LOADING, SUPPRESS_EMBEDS = 1 << 6, 1 << 7, 1 << 2
DEFAULT, REPLY = 0, 19


@dataclass
class Author:
    """Who a message comes from: a user or the bot (``message``), a webhook, or an interaction."""

    user_id: int
    kind: str = "message"  # "message" | "webhook" | "interaction"
    webhook: Webhook | None = None
    username: str | None = None
    avatar_url: str | None = None
    interaction_id: int | None = None


@dataclass
class Draft:
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    allowed_mentions: dict[str, Any] | None = None
    reference: dict[str, Any] | None = None
    nonce: str | int | None = None
    enforce_nonce: bool = False
    flags: int = 0
    poll: MessagePoll | None = None


# -- drafts ------------------------------------------------------------------------------------
def draft_from_body(svc: DiscordService, body: dict[str, Any], files: list[Upload]) -> Draft:
    content = body.get("content")
    embeds = body.get("embeds")
    if embeds is None and body.get("embed") is not None:
        embeds = [body["embed"]]
    validate_allowed_mentions(body.get("allowed_mentions"))
    return Draft(
        content="" if content is None else str(content),
        embeds=[_embed(e) for e in embeds or []],
        components=list(body.get("components") or []),
        attachments=attachments_from(svc, body.get("attachments"), files),
        allowed_mentions=body.get("allowed_mentions"),
        reference=body.get("message_reference"),
        nonce=body.get("nonce"),
        enforce_nonce=bool(body.get("enforce_nonce")),
        flags=int(body.get("flags") or 0),
        poll=poll_from(body.get("poll")),
    )


def poll_from(raw: Any) -> MessagePoll | None:
    """A create request's ``poll`` (None: no poll), checked like Discord checks it."""
    return None if raw is None else polls.poll_from_body(raw, dt.datetime.now(dt.UTC))


def _embed(embed: Any) -> dict[str, Any]:
    if not isinstance(embed, dict):
        raise ApiError.invalid_form("embeds.0", "MODEL_TYPE_CONVERT", "Must be an object.")
    return {"type": "rich", **embed}


def attachments_from(svc: DiscordService, meta: Any, files: list[Upload]) -> list[Attachment]:
    described = {int(m["id"]): m for m in meta or [] if str(m.get("id", "")).isdigit()}
    out = []
    for upload in files:
        if len(upload.data) > MAX_UPLOAD:
            raise ApiError(413, 40005, "Request entity too large")
        info = described.get(upload.index, {})
        out.append(
            Attachment(
                svc.ids.next(),
                info.get("filename") or upload.filename,
                upload.content_type,
                upload.data,
                info.get("description"),
            )
        )
    return out


def validate_draft(draft: Draft) -> None:
    if len(draft.content) > MAX_CONTENT:
        raise ApiError.invalid_form(
            "content", "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_CONTENT} or fewer in length."
        )
    if len(draft.embeds) > 10:
        raise ApiError.invalid_form(
            "embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length."
        )
    for i, embed in enumerate(draft.embeds):
        if len(str(embed.get("title") or "")) > 256:
            raise ApiError.invalid_form(
                f"embeds.{i}.title", "BASE_TYPE_MAX_LENGTH", "Must be 256 or fewer in length."
            )
        if len(str(embed.get("description") or "")) > 4096:
            raise ApiError.invalid_form(
                f"embeds.{i}.description",
                "BASE_TYPE_MAX_LENGTH",
                "Must be 4096 or fewer in length.",
            )
    if not (
        draft.content.strip() or draft.embeds or draft.attachments or draft.components or draft.poll
    ):
        raise ApiError(400, 50006, "Cannot send an empty message")


# -- create ------------------------------------------------------------------------------------
def create_message(
    svc: DiscordService,
    channel: Channel,
    author: Author,
    draft: Draft,
    *,
    msg_type: int | None = None,
    validate: bool = True,
) -> Message:
    if validate:
        validate_draft(draft)
    author_perms = _author_permissions(svc, channel, author, draft)
    existing = _nonce_match(svc, channel, author, draft)
    if existing is not None:
        return existing
    reference, replied_to = _reference(svc, channel, draft.reference)
    message = Message(
        id=svc.ids.next(),
        channel_id=channel.id,
        guild_id=channel.guild_id,
        author_id=author.user_id,
        content=draft.content,
        timestamp=now_iso(),
        embeds=draft.embeds,
        attachments=draft.attachments,
        components=draft.components,
        type=msg_type
        if msg_type is not None
        else (REPLY if reference and reference["type"] == 0 else DEFAULT),
        flags=draft.flags & (EPHEMERAL | SUPPRESS_EMBEDS | LOADING | (1 << 12)),
        nonce=draft.nonce,
        reference=reference,
        allowed_mentions=draft.allowed_mentions,
        mention_context=author.kind,
        interaction_id=author.interaction_id,
        poll=draft.poll,
    )
    _set_webhook_author(svc, message, author)
    _apply_mentions(svc, message, author_perms, replied_to)
    _store(svc, channel, message)
    return message


def _author_permissions(svc: DiscordService, channel: Channel, author: Author, draft: Draft) -> int:
    state = svc.state
    if author.kind == "webhook":
        return perms.ALL
    if author.kind == "interaction":
        return access.channel_perms(state, channel, state.bot_user_id)
    if channel.is_thread and channel.archived and channel.locked:
        raise ApiError(400, 50083, "Thread is archived")
    needed = ["SEND_MESSAGES_IN_THREADS" if channel.is_thread else "SEND_MESSAGES"]
    if draft.attachments:
        needed.append("ATTACH_FILES")
    if draft.embeds:
        needed.append("EMBED_LINKS")
    if draft.reference:
        needed.append("READ_MESSAGE_HISTORY")
    if draft.poll is not None:
        needed.append("SEND_POLLS")
    return access.require_channel(state, channel, author.user_id, *needed)


def _nonce_match(
    svc: DiscordService, channel: Channel, author: Author, draft: Draft
) -> Message | None:
    if not draft.enforce_nonce or draft.nonce is None:
        return None
    for message in reversed(svc.state.channel_history(channel.id)[-100:]):
        if message.nonce == draft.nonce and message.author_id == author.user_id:
            return message
    return None


def _reference(
    svc: DiscordService, channel: Channel, ref: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, int | None]:
    if not ref:
        return None, None
    ref_type = int(ref.get("type") or 0)
    target = svc.state.messages.get(int(ref.get("message_id") or 0))
    if target is None or (ref_type == 0 and target.channel_id != channel.id):
        if ref.get("fail_if_not_exists", True):
            raise ApiError.invalid_form(
                "message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message"
            )
        return None, None
    normalized = {
        "type": ref_type,
        "message_id": str(target.id),
        "channel_id": str(target.channel_id),
        "guild_id": str(target.guild_id),
    }
    return normalized, (None if target.by_webhook else target.author_id)


def _set_webhook_author(svc: DiscordService, message: Message, author: Author) -> None:
    if author.kind == "interaction":
        message.webhook_id = svc.state.application_id
        message.application_id = svc.state.application_id
        message.author_id = svc.state.bot_user_id
        return
    if author.webhook is None:
        return
    hook = author.webhook
    message.webhook_id = hook.id
    message.webhook_name = author.username or hook.name
    message.webhook_avatar = author.avatar_url or hook.avatar
    message.author_id = hook.creator_id


def _apply_mentions(
    svc: DiscordService, message: Message, author_perms: int, replied_to: int | None
) -> None:
    guild = svc.state.guild(message.guild_id)
    ctx = MentionContext(
        guild, message.author_id, author_perms, message.mention_context, replied_to
    )
    found = compute_mentions(svc.state, message.content, message.allowed_mentions, ctx)
    message.mentions = found.users
    message.mention_roles = found.roles
    message.mention_everyone = found.everyone
    message.pinged = found.pinged


def _store(svc: DiscordService, channel: Channel, message: Message) -> None:
    if channel.is_thread:
        channel.message_count += 1
        channel.archived = False
    if message.flags & EPHEMERAL:
        svc.state.messages[message.id] = message  # reachable by id, never listed in the channel
        return
    svc.state.add_message(message)
    channel.last_message_id = message.id
    events.emit_message(svc, message, created=True)


# -- edit --------------------------------------------------------------------------------------
def is_author(svc: DiscordService, message: Message, actor: Author) -> bool:
    if actor.kind == "webhook" and actor.webhook is not None:
        return message.webhook_id == actor.webhook.id
    if actor.kind == "interaction":
        own = message.webhook_id is None and message.author_id == svc.state.bot_user_id
        return own or message.application_id == svc.state.application_id
    return message.webhook_id is None and message.author_id == actor.user_id


def edit_message(
    svc: DiscordService, message: Message, actor: Author, body: dict[str, Any], files: list[Upload]
) -> Message:
    if not is_author(svc, message, actor):
        raise ApiError(403, 50005, "Cannot edit a message authored by another user")
    validate_allowed_mentions(body.get("allowed_mentions"))
    draft = _edited_draft(svc, message, body, files)
    validate_draft(draft)
    message.content, message.embeds = draft.content, draft.embeds
    message.components, message.attachments = draft.components, draft.attachments
    if "flags" in body:
        keep = message.flags & ~SUPPRESS_EMBEDS
        message.flags = keep | (int(body["flags"] or 0) & SUPPRESS_EMBEDS)
    message.flags &= ~LOADING
    message.allowed_mentions = body.get("allowed_mentions")
    message.edited_timestamp = now_iso()
    channel = svc.state.channel(message.channel_id)
    author_perms = (
        perms.ALL
        if message.mention_context == "webhook"
        else access.channel_perms(svc.state, channel, message.author_id)
    )
    _apply_mentions(svc, message, author_perms, None)
    if not message.flags & EPHEMERAL:
        events.emit_message(svc, message, created=False)
    return message


def _edited_draft(
    svc: DiscordService, message: Message, body: dict[str, Any], files: list[Upload]
) -> Draft:
    attachments = list(message.attachments)
    if "attachments" in body:
        keep = {int(a["id"]) for a in body.get("attachments") or [] if "id" in a}
        attachments = [a for a in attachments if a.id in keep]
    attachments += attachments_from(svc, body.get("attachments"), files)
    content = body.get("content", message.content)
    return Draft(
        content="" if content is None else str(content),
        embeds=[_embed(e) for e in body["embeds"] or []] if "embeds" in body else message.embeds,
        components=list(body.get("components") or [])
        if "components" in body
        else message.components,
        attachments=attachments,
    )


# -- delete ------------------------------------------------------------------------------------
def delete_message(
    svc: DiscordService, message: Message, actor: Author, *, reason: str | None = None
) -> None:
    state = svc.state
    if actor.kind != "message":
        if not is_author(svc, message, actor):
            raise ApiError.unknown("message")
    elif not is_author(svc, message, actor):
        channel = state.channel(message.channel_id)
        access.require_channel(state, channel, actor.user_id, "MANAGE_MESSAGES")
        audit.record(
            svc,
            state.guild(message.guild_id),
            audit.MESSAGE_DELETE,
            actor_id=actor.user_id,
            target_id=message.author_id,
            reason=reason,
            options={"channel_id": str(message.channel_id), "count": "1"},
        )
    state.remove_message(message)
    if not message.flags & EPHEMERAL:
        events.emit_delete(svc, message)


def bulk_delete(
    svc: DiscordService, channel: Channel, ids: list[int], actor_id: int, reason: str | None
) -> None:
    state = svc.state
    access.require_channel(state, channel, actor_id, "MANAGE_MESSAGES")
    if not 2 <= len(ids) <= 100:
        raise ApiError.invalid_form(
            "messages", "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 100 in length."
        )
    found = [
        state.messages[i]
        for i in dict.fromkeys(ids)
        if i in state.messages and state.messages[i].channel_id == channel.id
    ]
    for message in found:
        if _older_than_two_weeks(message):
            raise ApiError(
                400, 50034, "You can only bulk delete messages that are under 14 days old."
            )
    for message in found:
        state.remove_message(message)
    audit.record(
        svc,
        state.guild(channel.guild_id),
        audit.MESSAGE_BULK_DELETE,
        actor_id=actor_id,
        target_id=channel.id,
        reason=reason,
        options={"count": str(len(found))},
    )
    events.emit_bulk_delete(svc, channel.id, channel.guild_id, [m.id for m in found])


def _older_than_two_weeks(message: Message) -> bool:
    age = dt.datetime.now(dt.UTC) - parse_iso(message.timestamp)
    return age > dt.timedelta(days=14)
