"""sqlmodel tables for the core model (DESIGN §3). Times are UTC epoch seconds (float)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel
from sqlmodel._compat import SQLModelConfig


class Table(SQLModel):
    """What every table is built on. Rows are never validated (sqlmodel constructs table rows
    without validation), so pydantic's validator and serializer for each table are built only
    if something asks for them, rather than for all of them at import: about a tenth of this
    module's import time, which every start pays before it is ready."""

    model_config = SQLModelConfig(defer_build=True)


class FanGroupRow(Table, table=True):
    __tablename__ = "fan_group"
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    kind: str = Field(default="topic", max_length=16)
    visibility: str = Field(default="public", max_length=16)
    created_by: str | None = Field(default=None, max_length=200)
    created_at: float
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ChannelLinkRow(Table, table=True):
    __tablename__ = "channel_link"
    __table_args__ = (UniqueConstraint("platform", "workspace_id", "channel_id"),)
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="fan_group.id", index=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    channel_id: str = Field(max_length=64)
    direction: str = Field(default="inout", max_length=8)
    webhook_ref: str | None = Field(default=None, max_length=400)
    linked_by: str | None = Field(default=None, max_length=200)
    linked_at: float
    channel_name: str | None = Field(default=None, max_length=100)  # "general", as last seen


class MemberRow(Table, table=True):
    __tablename__ = "member"
    id: int | None = Field(default=None, primary_key=True)
    created_at: float
    zone: str | None = Field(default=None, max_length=64)  # for `/announce ... when:18:00`


class PlatformAccountRow(Table, table=True):
    __tablename__ = "platform_account"
    __table_args__ = (UniqueConstraint("platform", "workspace_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    display_name: str = Field(max_length=200)
    avatar_url: str | None = Field(default=None, max_length=1000)
    updated_at: float


class GroupRoleRow(Table, table=True):
    __tablename__ = "group_role"
    __table_args__ = (UniqueConstraint("group_id", "member_id", "role"),)
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="fan_group.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    role: str = Field(max_length=16)
    granted_by: str | None = Field(default=None, max_length=200)
    granted_at: float


class MessageRow(Table, table=True):
    __tablename__ = "message"
    __table_args__ = (  # a group's people by their first message (the digests' new members)
        Index(
            "ix_message_group_author",
            "group_id",
            "author_platform",
            "author_workspace",
            "author_user",
            "created_at",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="fan_group.id", index=True)
    author_platform: str | None = Field(default=None, max_length=16)
    author_workspace: str | None = Field(default=None, max_length=64)
    author_user: str | None = Field(default=None, max_length=64)
    origin_platform: str = Field(max_length=16)
    origin_workspace: str = Field(max_length=64)
    origin_channel: str = Field(max_length=64)
    origin_message_id: str = Field(max_length=64)
    parent_id: int | None = Field(default=None, foreign_key="message.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: float
    edited_at: float | None = None
    deleted_at: float | None = None
    posted_at: float | None = None  # on the origin's platform (catch-up may record it late)


class MessageCopyRow(Table, table=True):
    __tablename__ = "message_copy"
    __table_args__ = (
        UniqueConstraint("platform", "workspace_id", "channel_id", "platform_message_id", "part"),
    )
    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    channel_id: str = Field(max_length=64)
    platform_message_id: str = Field(max_length=64)
    part: int = 0
    is_origin: bool = False
    thread_id: str | None = Field(default=None, max_length=64)  # Discord thread / Slack root ts


class ReactionRow(Table, table=True):
    """Who reacted with what, and where: the bridge mirrors an emoji into channel C while
    anyone outside C has it on the message."""

    __tablename__ = "reaction"
    __table_args__ = (
        UniqueConstraint("message_id", "emoji", "platform", "workspace_id", "user_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    emoji: str = Field(max_length=100)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    channel_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    emoji_json: str = Field(sa_column=Column(Text, nullable=False))
    created_at: float


class InboundEventRow(Table, table=True):
    __tablename__ = "inbound_event"
    __table_args__ = (UniqueConstraint("platform", "dedupe_key"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    dedupe_key: str = Field(max_length=200)
    received_at: float = Field(index=True)


class OutboxRow(Table, table=True):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    target_platform: str = Field(max_length=16)
    target_workspace: str = Field(max_length=64)
    target_channel: str = Field(max_length=64)
    action: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    depends_on: int | None = Field(default=None, foreign_key="outbox.id")
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: float
    claimed_until: float | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: float


class MusicItemRow(Table, table=True):
    """A canonical catalog item: the same song from any platform is one row."""

    __tablename__ = "music_item"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    title: str = Field(max_length=500)
    artists: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    album: str | None = Field(default=None, max_length=500)
    duration_ms: int | None = None
    isrc: str | None = Field(default=None, max_length=12, index=True)
    upc: str | None = Field(default=None, max_length=14, index=True)
    artwork_url: str | None = Field(default=None, max_length=1000)
    match_key: str | None = Field(default=None, max_length=400, index=True)
    created_at: float


class MusicLinkRow(Table, table=True):
    """Where an item lives on one platform."""

    __tablename__ = "music_link"
    __table_args__ = (UniqueConstraint("platform", "kind", "platform_id"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="music_item.id", index=True)
    platform: str = Field(max_length=16)
    kind: str = Field(max_length=16)
    platform_id: str = Field(max_length=200)
    url: str = Field(max_length=1000)


class ShareRow(Table, table=True):
    """One music link shared in one message of one group. ``item_id`` is set once resolved."""

    __tablename__ = "share"
    __table_args__ = (
        UniqueConstraint("message_id", "link_key"),
        Index("ix_share_group_time", "group_id", "shared_at"),  # a group's newest shares
    )
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="fan_group.id", index=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    item_id: int | None = Field(default=None, foreign_key="music_item.id", index=True)
    link_key: str = Field(max_length=300, index=True)  # platform:kind:id, or short:<url>
    platform: str = Field(max_length=16)
    url: str = Field(max_length=1000)
    shared_by_platform: str = Field(max_length=16)
    shared_by_workspace: str = Field(max_length=64)
    shared_by_user: str = Field(max_length=64)
    shared_by_name: str = Field(max_length=200)
    shared_at: float = Field(index=True)
    removed_at: float | None = None


class LinkCacheRow(Table, table=True):
    """Resolution state of one link key: resolved once ever; failures retried with backoff."""

    __tablename__ = "link_cache"
    id: int | None = Field(default=None, primary_key=True)
    link_key: str = Field(max_length=300, unique=True)
    url: str = Field(max_length=1000)
    status: str = Field(default="pending", max_length=16)  # pending|ok|missing|failed|refused
    item_id: int | None = Field(default=None, foreign_key="music_item.id")
    attempts: int = 0
    next_attempt_at: float = Field(index=True)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    updated_at: float


class LinkCodeRow(Table, table=True):
    """A one-time code from `/fangroup account link`: the account that asked for it, entered
    from another platform's account to make both one member. Only the code's hash is kept."""

    __tablename__ = "link_code"
    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    created_at: float
    expires_at: float = Field(index=True)
    used_at: float | None = None


class ModerationActionRow(Table, table=True):
    """One moderation action (delete, ban, unban) taken in a group, from either platform."""

    __tablename__ = "moderation_action"
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="fan_group.id", index=True)
    kind: str = Field(max_length=16)
    target_member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    target_account: str | None = Field(default=None, max_length=200)  # platform:ws/@user
    actor: str | None = Field(default=None, max_length=200)
    origin_platform: str = Field(max_length=16)
    reason: str = Field(default="", max_length=500)
    message_id: int | None = Field(default=None, foreign_key="message.id")
    created_at: float = Field(index=True)


class ModerationEffectRow(Table, table=True):
    """What an action did (or could not do) in one linked channel: pending until performed,
    then done, failed (with the platform's error) or skipped (with why)."""

    __tablename__ = "moderation_effect"
    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="moderation_action.id", index=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    channel_id: str | None = Field(default=None, max_length=64)
    status: str = Field(default="pending", max_length=16)
    detail: str = Field(default="", max_length=1000)
    updated_at: float


class MemberTimeoutRow(Table, table=True):
    """A member timed out in a group until ``until``: the relay drops their messages there (on
    Discord, the guilds' own timeouts also apply). One per member and group; lifted, it goes."""

    __tablename__ = "member_timeout"
    __table_args__ = (UniqueConstraint("group_id", "member_id"),)
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="fan_group.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    until: float
    actor: str | None = Field(default=None, max_length=200)  # platform:workspace/@user
    reason: str = Field(default="", max_length=500)
    created_at: float


class GroupInviteRow(Table, table=True):
    """An invite code of a gated group, by its hash: ``uses_left`` admissions until
    ``expires_at``."""

    __tablename__ = "group_invite"
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="fan_group.id", index=True)
    code_hash: str = Field(max_length=64, unique=True)
    uses_left: int
    expires_at: float
    created_by: str | None = Field(default=None, max_length=200)
    created_at: float


class JoinRequestRow(Table, table=True):
    """A fan asking to join an approval group: pending, then approved or denied."""

    __tablename__ = "join_request"
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="fan_group.id", index=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    channel_id: str = Field(max_length=64)
    status: str = Field(default="pending", max_length=16)
    decided_by: str | None = Field(default=None, max_length=200)
    created_at: float
    decided_at: float | None = None


class ReportRow(Table, table=True):
    """A member's report of a message to the group's moderators (its modlog entry is
    ``action_id``): open until a moderator acts on it, then what was done and by whom."""

    __tablename__ = "report"
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="fan_group.id", index=True)
    action_id: int = Field(foreign_key="moderation_action.id")
    message_id: int = Field(foreign_key="message.id")
    reason: str = Field(default="", max_length=500)
    status: str = Field(default="open", max_length=16)  # open|delete|ban|dismiss
    outcome: str = Field(default="", max_length=500)
    resolved_by: str | None = Field(default=None, max_length=200)
    created_at: float
    updated_at: float


class ReportCardRow(Table, table=True):
    """A report's card as posted in one moderator channel, so acting on one platform can
    update the card on the others."""

    __tablename__ = "report_card"
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    channel_id: str = Field(max_length=64)
    card_id: str = Field(max_length=64)


class AnnouncementRow(Table, table=True):
    """An announcement: posted at once or scheduled (``due_at``), to the groups in ``group_ids``.
    ``status`` moves scheduled → sending → sent (or missed, cancelled, failed) by compare-and-set,
    so a scheduled post is sent once even when two bridges share the database."""

    __tablename__ = "announcement"
    id: int | None = Field(default=None, primary_key=True)
    group_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    channel_id: str = Field(max_length=64)
    display_name: str = Field(default="", max_length=200)
    avatar_url: str | None = Field(default=None, max_length=500)
    text: str = Field(sa_column=Column(Text, nullable=False))  # a text.Document as JSON
    link: str = Field(default="", max_length=500)
    image_url: str | None = Field(default=None, max_length=500)
    pin: bool = False
    status: str = Field(default="scheduled", max_length=16, index=True)
    due_at: float | None = Field(default=None, index=True)
    zone: str = Field(default="UTC", max_length=64)
    message_id: int | None = Field(default=None, foreign_key="message.id", index=True)
    claimed_by: str | None = Field(default=None, max_length=64)
    note: str = Field(default="", max_length=500)
    created_at: float
    updated_at: float


class SpotifyAccountRow(Table, table=True):
    """The bot's Spotify account (``fanbridge spotify login``): one row. ``refresh_token`` is a
    secret: never logged."""

    __tablename__ = "spotify_account"
    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(max_length=200)
    display_name: str = Field(default="", max_length=200)
    refresh_token: str = Field(sa_column=Column(Text, nullable=False))
    scopes: str = Field(default="", max_length=500)
    updated_at: float


class SpotifyPlaylistRow(Table, table=True):
    """A group's "Play all on Spotify" playlist and what the bridge last wrote to it."""

    __tablename__ = "spotify_playlist"
    group_id: int = Field(foreign_key="fan_group.id", primary_key=True)
    playlist_id: str = Field(max_length=64)
    url: str = Field(max_length=500)
    snapshot_id: str | None = Field(default=None, max_length=200)
    uris: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    unmatched: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    last_synced_at: float | None = None
    last_error: str | None = Field(default=None, max_length=500)


class SyncStateRow(Table, table=True):
    """What catch-up remembers between runs, by key: a platform workspace's ban list as last
    read (``bans:discord:<guild id>``), so bans and unbans made while the bridge was down are
    found by comparing with the list now."""

    __tablename__ = "sync_state"
    key: str = Field(max_length=200, primary_key=True)
    value: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: float


class LeaseRow(Table, table=True):
    """A named piece of work held by one worker until ``expires_at`` (``worker:<id>``, a
    Discord shard, ...), taken and renewed by compare-and-set (storage/repo_leases.py)."""

    __tablename__ = "lease"
    name: str = Field(max_length=200, primary_key=True)
    holder: str = Field(max_length=200)
    expires_at: float
    info: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class SlackInstallRow(Table, table=True):
    """The Slack app installed in a workspace through "Add to Slack" (OAuth v2): its bot token
    (a secret, never logged) and status ``active``, ``uninstalled`` or ``revoked``; a re-install
    replaces the row's token and makes it active again (storage/repo_slack_installs.py)."""

    __tablename__ = "slack_install"
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=64, unique=True, index=True)  # one install per workspace
    team_name: str = Field(default="", max_length=200)
    enterprise_id: str | None = Field(default=None, max_length=64)
    app_id: str | None = Field(default=None, max_length=64)
    bot_token: str = Field(max_length=500)
    bot_user_id: str | None = Field(default=None, max_length=64)
    bot_id: str | None = Field(default=None, max_length=64)
    scopes: str = Field(default="", max_length=2000)
    installed_by: str | None = Field(default=None, max_length=64)
    installed_at: float
    status: str = Field(default="active", max_length=16)
    status_at: float


class SlackOAuthStateRow(Table, table=True):
    """An OAuth ``state`` handed to a browser by /slack/install: consumed once by
    /slack/oauth_redirect, refused after ``expires_at``."""

    __tablename__ = "slack_oauth_state"
    state: str = Field(max_length=200, primary_key=True)
    expires_at: float = Field(index=True)


class SlackTurnRow(Table, table=True):
    """A Slack message event a worker is handling (several workers on PostgreSQL): the next
    message of the channel, received by another worker, waits until the rows of earlier ones
    are gone (adapters/slack/turns.py)."""

    __tablename__ = "slack_turn"
    channel: str = Field(max_length=64, primary_key=True)
    ts: str = Field(max_length=32, primary_key=True)
    worker: str = Field(max_length=200)
    at: float


class PartyRow(Table, table=True):
    """A listening party (bridge/party/model.py): its host, queue (``[{item_id, length_ms,
    queued_by, by_artist}]``), state and server clock (``idx`` the current track, whose position
    0 was ``track_zero_at``). Every change is a compare-and-set of ``version``, so one worker
    advances it (storage/repo_party.py)."""

    __tablename__ = "party"
    __table_args__ = (Index("ix_party_group_state", "group_id", "state"),)
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="fan_group.id")
    host_platform: str = Field(max_length=16)
    host_workspace: str = Field(max_length=64)
    host_user: str = Field(max_length=64)
    host_name: str = Field(max_length=200)
    state: str = Field(max_length=16, index=True)  # scheduled|playing|paused|ended
    queue: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    idx: int = 0
    track_zero_at: float
    paused_at: float | None = None
    starts_at: float
    origin_platform: str | None = Field(default=None, max_length=16)  # None: started on the web
    origin_workspace: str | None = Field(default=None, max_length=64)
    origin_channel: str | None = Field(default=None, max_length=64)
    title: str = Field(default="", sa_column=Column(Text, nullable=False))
    by_artist: bool = False
    allow_adds: bool = True
    reminded: int = 0
    version: int = 0
    created_at: float
    ended_at: float | None = None


class PartyCardRow(Table, table=True):
    """A party's now-playing card for track ``idx`` as posted in one channel (redrawn there
    when the track moves on)."""

    __tablename__ = "party_card"
    __table_args__ = (
        UniqueConstraint("party_id", "idx", "platform", "workspace_id", "channel_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    party_id: int = Field(foreign_key="party.id")
    idx: int
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    channel_id: str = Field(max_length=64)
    card_id: str = Field(max_length=64)
    drawn: str = Field(default="", max_length=1000)  # what it shows now: the same is not redrawn


class MomentRow(Table, table=True):
    """A timed comment: message ``message_id`` stamped with the song that played
    (``item_id``) and its position; once per message and song, however often it is replayed."""

    __tablename__ = "moment"
    __table_args__ = (
        UniqueConstraint("message_id", "item_id"),
        Index("ix_moment_song", "group_id", "item_id", "position_ms"),
    )
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="fan_group.id")
    item_id: int = Field(foreign_key="music_item.id")
    party_id: int | None = Field(default=None, foreign_key="party.id", index=True)
    position_ms: int
    message_id: int = Field(foreign_key="message.id")
    platform: str = Field(max_length=16)  # discord | slack | web
    at: float


class ArtistEventRow(Table, table=True):
    """An artist event (bridge/artist_events/model.py): what fans see (title, times, place,
    links), who made it, and whether it is cancelled. Every change is a compare-and-set of
    ``version``, so each reminder is sent by one worker (storage/repo_artist_events.py)."""

    __tablename__ = "artist_event"
    __table_args__ = (Index("ix_artist_event_group_start", "group_id", "starts_at"),)
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="fan_group.id")
    author_platform: str = Field(max_length=16)
    author_workspace: str = Field(max_length=64)
    author_user: str = Field(max_length=64)
    author_name: str = Field(max_length=200)
    zone: str = Field(default="UTC", max_length=64)
    title: str = Field(max_length=200)
    starts_at: float
    ends_at: float
    place: str = Field(default="", sa_column=Column(Text, nullable=False))
    tickets: str = Field(default="", sa_column=Column(Text, nullable=False))
    merch: str = Field(default="", sa_column=Column(Text, nullable=False))
    online: str = Field(default="", sa_column=Column(Text, nullable=False))
    state: str = Field(max_length=16, index=True)  # scheduled|cancelled
    reminded: int = 0
    version: int = 0
    created_at: float


class ArtistEventCopyRow(Table, table=True):
    """An event's copy as shown through one channel: a Slack card's ts, or the scheduled event
    in the Discord server of the channel."""

    __tablename__ = "artist_event_copy"
    __table_args__ = (
        UniqueConstraint("event_id", "platform", "workspace_id", "channel_id"),
        Index("ix_artist_event_copy_id", "platform", "workspace_id", "copy_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="artist_event.id")
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    channel_id: str = Field(max_length=64)
    copy_id: str = Field(max_length=64)
    drawn: str = Field(default="", max_length=64)  # the digest of what it shows now


class ArtistEventInterestRow(Table, table=True):
    """An account interested in an event (a Slack click, a Discord server's "Interested"):
    counted once per member its account belongs to at the time of counting, so accounts linked
    later are one person too."""

    __tablename__ = "artist_event_interest"
    __table_args__ = (UniqueConstraint("event_id", "account_id"),)
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="artist_event.id", index=True)
    account_id: int = Field(foreign_key="platform_account.id")


class PollRow(Table, table=True):
    """A poll (bridge/polls/model.py): its question, options (``[{label, item_id,
    answer_id}]``), deadline and state. Closing is a compare-and-set of ``version``, so one
    worker posts the results (storage/repo_polls.py). ``native_*`` name the platform's own poll
    it relays (a Discord message poll)."""

    __tablename__ = "poll"
    __table_args__ = (
        Index("ix_poll_group", "group_id", "id"),
        Index("ix_poll_native", "native_platform", "native_workspace", "native_message"),
    )
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="fan_group.id")
    question: str = Field(sa_column=Column(Text, nullable=False))
    options: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    author_platform: str = Field(max_length=16)
    author_workspace: str = Field(max_length=64)
    author_user: str = Field(max_length=64)
    author_name: str = Field(max_length=200)
    closes_at: float | None = None
    anonymous: bool = False
    blind: bool = False
    origin_platform: str | None = Field(default=None, max_length=16)
    origin_workspace: str | None = Field(default=None, max_length=64)
    origin_channel: str | None = Field(default=None, max_length=64)
    native_platform: str | None = Field(default=None, max_length=16)
    native_workspace: str | None = Field(default=None, max_length=64)
    native_channel: str | None = Field(default=None, max_length=64)
    native_message: str | None = Field(default=None, max_length=64)
    state: str = Field(max_length=16, index=True)  # open|closed
    version: int = 0
    created_at: float
    closed_at: float | None = None


class PollVoteRow(Table, table=True):
    """A person's vote: one per member and poll (linked accounts are one member), changed in
    place; ``voter_name`` is the name where they voted (shown unless the poll is anonymous)."""

    __tablename__ = "poll_vote"
    __table_args__ = (UniqueConstraint("poll_id", "member_id"),)
    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id")
    member_id: int = Field(foreign_key="member.id")
    option: int
    voter_name: str = Field(max_length=200)
    at: float


class PollNativeVoteRow(Table, table=True):
    """A vote of the platform's own poll as the platform reported it (its user, its answer)."""

    __tablename__ = "poll_native_vote"
    __table_args__ = (UniqueConstraint("poll_id", "user_id", "option"),)
    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id", index=True)
    user_id: str = Field(max_length=64)
    option: int


class PollCardRow(Table, table=True):
    """A poll's card (``kind`` card) or results message (``results``) in one channel."""

    __tablename__ = "poll_card"
    __table_args__ = (
        UniqueConstraint("poll_id", "kind", "platform", "workspace_id", "channel_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id", index=True)
    kind: str = Field(max_length=16)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    channel_id: str = Field(max_length=64)
    card_id: str = Field(max_length=64)


class DigestRow(Table, table=True):
    """A group's weekly digest (bridge/digests/model.py): one row per group and week, inserted
    with its outbox items in one transaction (the insert is the claim: one worker makes it), and
    kept with its content (JSON) for the archive; ``state`` sent or skipped (its time was long
    past when a bridge came back)."""

    __tablename__ = "digest"
    __table_args__ = (
        UniqueConstraint("group_id", "week"),
        Index("ix_digest_group_due", "group_id", "due_at"),  # the archive, newest first
    )
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="fan_group.id")
    week: str = Field(max_length=16)  # 2026-W50
    due_at: float
    state: str = Field(max_length=16)
    content: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: float
