"""The emulated Discord's state: users, guilds, channels, roles, messages, webhooks, commands."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from emulators.discord.errors import ApiError
from emulators.discord.ids import Snowflakes, parse_iso
from emulators.discord.poll_state import MessagePoll

TEXT, VOICE, CATEGORY, ANNOUNCEMENT = 0, 2, 4, 5
PUBLIC_THREAD, PRIVATE_THREAD, ANNOUNCEMENT_THREAD = 11, 12, 10
THREAD_TYPES = (PUBLIC_THREAD, PRIVATE_THREAD, ANNOUNCEMENT_THREAD)


@dataclass
class User:
    id: int
    username: str
    global_name: str | None = None
    avatar: str | None = None
    bot: bool = False

    @property
    def display_name(self) -> str:
        return self.global_name or self.username


@dataclass
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False


@dataclass
class Member:
    user_id: int
    guild_id: int
    roles: list[int]
    joined_at: str
    nick: str | None = None
    communication_disabled_until: str | None = None

    def timed_out(self) -> bool:
        until = self.communication_disabled_until
        return until is not None and parse_iso(until) > dt.datetime.now(dt.UTC)


@dataclass
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0


@dataclass
class Channel:
    id: int
    guild_id: int
    name: str
    type: int = TEXT
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    last_message_id: int | None = None
    nsfw: bool = False
    # threads only
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    message_count: int = 0
    created_at: str | None = None

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES


@dataclass
class Attachment:
    id: int
    filename: str
    content_type: str
    data: bytes
    description: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class Message:
    id: int
    channel_id: int
    guild_id: int
    author_id: int
    content: str
    timestamp: str
    embeds: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    reactions: dict[str, list[int]] = field(default_factory=dict)  # emoji key -> user ids
    edited_timestamp: str | None = None
    pinned: bool = False
    pinned_at: str | None = None
    type: int = 0
    flags: int = 0
    nonce: str | int | None = None
    reference: dict[str, Any] | None = None
    webhook_id: int | None = None
    webhook_name: str | None = None
    webhook_avatar: str | None = None
    allowed_mentions: dict[str, Any] | None = None  # as sent; None = absent (default parse)
    mention_context: str = "message"  # "message" | "webhook" | "interaction"
    thread_id: int | None = None
    interaction_id: int | None = None
    application_id: int | None = None
    # computed from content + allowed_mentions at create/edit time (see mentions.py)
    mentions: list[int] = field(default_factory=list)
    mention_roles: list[int] = field(default_factory=list)
    mention_everyone: bool = False
    pinged: list[str] = field(default_factory=list)
    poll: MessagePoll | None = None  # a message poll (emulators/discord/poll_state.py)

    @property
    def by_webhook(self) -> bool:
        """Sent through an incoming webhook (interaction responses carry the app's webhook_id
        but are authored by the bot user)."""
        return self.webhook_id is not None and self.application_id is None


@dataclass
class Webhook:
    id: int
    token: str
    channel_id: int
    guild_id: int
    name: str
    creator_id: int
    avatar: str | None = None
    type: int = 1  # 1 incoming, 3 application (interactions)
    application_id: int | None = None


@dataclass
class Ban:
    user_id: int
    reason: str | None = None


@dataclass
class AuditEntry:
    id: int
    action_type: int
    user_id: int
    target_id: int | None
    reason: str | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)
    options: dict[str, str] | None = None


@dataclass
class ScheduledEvent:
    """A guild scheduled event (emulators/discord/rest_events.py) and who is interested."""

    id: int
    guild_id: int
    creator_id: int
    name: str
    start: str  # ISO 8601, as sent
    end: str | None
    entity_type: int  # 1 stage, 2 voice, 3 external
    channel_id: int | None = None
    location: str | None = None
    description: str | None = None
    status: int = 1  # 1 scheduled, 2 active, 3 completed, 4 canceled
    privacy_level: int = 2
    users: list[int] = field(default_factory=list)


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    channels: dict[int, Channel] = field(default_factory=dict)  # includes threads
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    bans: dict[int, Ban] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    icon: str | None = None
    scheduled_events: dict[int, ScheduledEvent] = field(default_factory=dict)


@dataclass
class Command:
    id: int
    application_id: int
    guild_id: int | None
    data: dict[str, Any]  # the registered payload (name, type, description, options, ...)
    version: int = 0

    @property
    def name(self) -> str:
        return str(self.data["name"])


@dataclass
class Interaction:
    id: int
    token: str
    type: int
    guild_id: int
    channel_id: int
    user_id: int
    payload: dict[str, Any]
    response: dict[str, Any] | None = None  # {"type", "data"}
    original_message_id: int | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)
    edits: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class DiscordState:
    bot_token: str
    application_id: int
    bot_user_id: int
    application_name: str
    users: dict[int, User] = field(default_factory=dict)
    guilds: dict[int, Guild] = field(default_factory=dict)
    messages: dict[int, Message] = field(default_factory=dict)
    channel_messages: dict[int, list[int]] = field(default_factory=dict)
    webhooks: dict[int, Webhook] = field(default_factory=dict)
    commands: dict[int, Command] = field(default_factory=dict)
    interactions: dict[int, Interaction] = field(default_factory=dict)
    interactions_by_token: dict[str, int] = field(default_factory=dict)
    ids: Snowflakes = field(default_factory=Snowflakes)

    # -- lookups raising the real errors ---------------------------------------------------
    def user(self, user_id: int | None) -> User:
        user = self.users.get(user_id or 0)
        if user is None:
            raise ApiError.unknown("user")
        return user

    def guild(self, guild_id: int | None) -> Guild:
        guild = self.guilds.get(guild_id or 0)
        if guild is None:
            raise ApiError.unknown("guild")
        return guild

    def find_channel(self, channel_id: int | None) -> Channel | None:
        for guild in self.guilds.values():
            channel = guild.channels.get(channel_id or 0)
            if channel is not None:
                return channel
        return None

    def channel(self, channel_id: int | None) -> Channel:
        channel = self.find_channel(channel_id)
        if channel is None:
            raise ApiError.unknown("channel")
        return channel

    def message(self, channel_id: int | None, message_id: int | None) -> Message:
        message = self.messages.get(message_id or 0)
        if message is None or (channel_id is not None and message.channel_id != channel_id):
            raise ApiError.unknown("message")
        return message

    def member(self, guild: Guild, user_id: int | None) -> Member:
        member = guild.members.get(user_id or 0)
        if member is None:
            raise ApiError.unknown("member")
        return member

    def webhook(self, webhook_id: int | None, token: str | None = None) -> Webhook:
        webhook = self.webhooks.get(webhook_id or 0)
        if webhook is None:
            raise ApiError.unknown("webhook")
        if token is not None and token != webhook.token:
            raise ApiError(401, 50027, "Invalid Webhook Token")
        return webhook

    def channel_history(self, channel_id: int) -> list[Message]:
        return [self.messages[mid] for mid in self.channel_messages.get(channel_id, [])]

    def add_message(self, message: Message) -> None:
        self.messages[message.id] = message
        self.channel_messages.setdefault(message.channel_id, []).append(message.id)

    def remove_message(self, message: Message) -> None:
        self.messages.pop(message.id, None)
        ids = self.channel_messages.get(message.channel_id, [])
        if message.id in ids:
            ids.remove(message.id)

    def top_role_position(self, guild: Guild, user_id: int) -> int:
        if user_id == guild.owner_id:
            return 1 << 30
        member = guild.members.get(user_id)
        roles = [guild.roles.get(r) for r in (member.roles if member else [])]
        return max([0, *[role.position for role in roles if role is not None]])
