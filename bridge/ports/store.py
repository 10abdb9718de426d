"""The store as the core sees it: one narrow slice per concern, composed into ``Store``.
The storage floor implements it (SQLite, PostgreSQL); ``bridge.testing`` keeps it in memory."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bridge.ids import (
    ChannelRef,
    Direction,
    GroupKind,
    MessageCopy,
    Platform,
    Role,
    UserRef,
    Visibility,
)
from bridge.music.model import Metadata
from bridge.music.playlist import PlaylistState, SpotifyAccount
from bridge.music.tab_query import GroupShare, TabItem, TabItemDetail, TabPage, TabQuery
from bridge.records import (
    Account,
    ChannelLink,
    Delivered,
    FanGroup,
    GroupRole,
    ItemLink,
    MessageDraft,
    MusicItem,
    OutboxDraft,
    OutboxItem,
    Recorded,
    ShareDraft,
    SongMoment,
    StoredMessage,
    TabEntry,
)


class GroupStore(Protocol):
    async def create_group(
        self,
        *,
        slug: str,
        name: str,
        kind: GroupKind = GroupKind.TOPIC,
        visibility: Visibility = Visibility.PUBLIC,
        created_by: str | None = None,
    ) -> FanGroup: ...

    async def get_group(self, slug: str) -> FanGroup | None: ...

    async def get_group_by_id(self, group_id: int) -> FanGroup | None: ...

    async def list_groups(self) -> list[FanGroup]: ...

    async def groups_in_workspace(self, platform: Platform, workspace: str) -> list[FanGroup]:
        """The groups with a channel in this workspace (a Discord guild, a Slack team)."""
        ...

    async def groups_with_setting(self, key: str) -> list[FanGroup]:
        """The groups whose settings hold ``key`` (a feature few groups turn on, looked for
        without reading all 10,000 groups)."""
        ...

    async def link_channel(
        self,
        *,
        group_id: int,
        channel: ChannelRef,
        direction: Direction = Direction.INOUT,
        linked_by: str | None = None,
        webhook_ref: str | None = None,
        channel_name: str | None = None,
    ) -> ChannelLink: ...

    async def unlink_channel(self, channel: ChannelRef) -> bool: ...

    async def link_for_channel(self, channel: ChannelRef) -> ChannelLink | None: ...

    async def links_for_group(self, group_id: int) -> list[ChannelLink]: ...

    async def set_webhook_ref(self, channel: ChannelRef, webhook_ref: str | None) -> None: ...

    async def set_channel_name(self, channel: ChannelRef, name: str | None) -> bool:
        """Keep a linked channel's name (``general``, no ``#``) as its platform shows it now.
        True when it changed; an unlinked channel is left alone (False)."""
        ...

    async def update_settings(self, group_id: int, changes: dict[str, Any]) -> None: ...


class MemberStore(Protocol):
    async def upsert_account(
        self, *, user: UserRef, display_name: str, avatar_url: str | None = None
    ) -> Account: ...

    async def get_account(self, user: UserRef) -> Account | None: ...

    async def accounts_of_member(self, member_id: int) -> list[Account]: ...

    async def merge_members(self, *, keep: int, absorb: int) -> None:
        """Make two members one: accounts, roles and timeouts of ``absorb`` move to ``keep``
        (in a group where both are timed out, the later timeout stays)."""
        ...

    async def grant_role(
        self, *, group_id: int, member_id: int, role: Role, granted_by: str | None = None
    ) -> GroupRole: ...

    async def revoke_role(self, *, group_id: int, member_id: int, role: Role) -> bool: ...

    async def roles_in_group(self, group_id: int) -> list[GroupRole]: ...


@dataclass(frozen=True, slots=True)
class LinkCode:
    """A one-time code from `/fangroup account link`, by the hash it is stored under."""

    user: UserRef  # the account that asked for it
    created_at: float
    expires_at: float
    used_at: float | None


LINK_CODE_KEPT = 24 * 3600.0  # an expired code is still recognised (and said expired) a day


class IdentityStore(Protocol):
    async def add_link_code(
        self, *, code_hash: str, user: UserRef, at: float, expires_at: float
    ) -> bool:
        """Keep a new code for ``user`` (their earlier unused codes, and codes expired a day
        ago, go). False when another live code has the same hash: pick another code."""
        ...

    async def get_link_code(self, code_hash: str) -> LinkCode | None: ...

    async def use_link_code(self, code_hash: str, *, at: float) -> bool:
        """Mark the code used; False when it was used already (single use, even in a race)."""
        ...

    async def split_account(self, user: UserRef) -> Account:
        """Give this account a member of its own; the member's roles stay with its other
        accounts. An account that is its member's only one is returned unchanged.
        Raises LookupError for an unknown account."""
        ...


class MessageStore(Protocol):
    async def record_message(
        self,
        *,
        group_id: int,
        author: UserRef | None,
        origin: ChannelRef,
        origin_message_id: str,
        text: str,
        parent_id: int | None = None,
        fanout: Sequence[OutboxDraft] = (),
        thread_id: str | None = None,
        posted_at: float | None = None,
        moment: SongMoment | None = None,
    ) -> tuple[StoredMessage, list[int]]:
        """Store the canonical message, its origin copy, its timed comment (``moment``) and its
        outbox rows in one transaction."""
        ...

    async def record_messages(
        self, drafts: Sequence[MessageDraft], *, lease: float | None = None
    ) -> list[Recorded | None]:
        """Record several messages, each as ``record_message`` would, in ONE transaction and in
        order (a group commit); None for a draft whose origin copy is already recorded. Any
        other failure fails the whole batch: nothing of it is kept.

        With a ``lease`` (seconds), an outbox item whose target channel has no other unfinished
        item may be recorded already claimed for the caller (as ``claim`` would hand it out) and
        returned in ``Recorded.claimed``: the caller delivers it at once, and if it dies, the
        lease runs out and another claim resumes it. A store may claim none."""
        ...

    async def get_message(self, message_id: int) -> StoredMessage | None: ...

    async def add_copy(
        self,
        *,
        message_id: int,
        channel: ChannelRef,
        platform_message_id: str,
        part: int = 0,
        is_origin: bool = False,
        thread_id: str | None = None,
    ) -> MessageCopy: ...

    async def find_copy(
        self, channel: ChannelRef, platform_message_id: str
    ) -> MessageCopy | None: ...

    async def copies_of(self, message_id: int) -> list[MessageCopy]: ...

    async def mark_edited(self, message_id: int, *, text: str, at: float) -> None: ...

    async def mark_deleted(self, message_id: int, *, at: float) -> None: ...


class EventStore(Protocol):
    async def remember_event(self, *, platform: str, key: str, at: float) -> bool:
        """True if this event is new; False if it was seen before (a duplicate)."""
        ...

    async def forget_events(self, *, before: float) -> int: ...

    async def forget_event(self, *, platform: str, key: str) -> None: ...


class OutboxStore(Protocol):
    async def enqueue(self, drafts: Sequence[OutboxDraft], *, at: float) -> list[int]: ...

    async def claim(
        self, *, now: float, limit: int = 50, lease: float = 60.0, busy: Collection[int] = ()
    ) -> list[OutboxItem]:
        """Due items, at most one per target channel, never ahead of an older unfinished item
        for the same channel (per-channel order), and never before the item they depend on."""
        ...

    async def extend_claims(self, item_ids: Collection[int], *, until: float) -> int:
        """Keep these in-flight items claimed until ``until`` (their worker is alive and still
        delivering them); returns how many were. A worker that dies stops extending: its items
        are claimable again once ``until`` passes."""
        ...

    async def complete(self, item_id: int, *, result: dict[str, Any] | None = None) -> None: ...

    async def complete_deliveries(self, done: Sequence[Delivered]) -> list[None]:
        """Mark these items done and record the copies their deliveries made, all in ONE
        transaction (a group commit); a copy already recorded fails the whole batch."""
        ...

    async def retry(self, item_id: int, *, error: str, at: float, tried: bool = True) -> None:
        """Try the item again at ``at``; ``tried=False``: it is held (its workspace paused the
        bridge), which is not a try: its attempts stay as they are."""
        ...

    async def bury(self, item_id: int, *, error: str) -> None:
        """Give up on an item: it becomes a dead letter, kept for inspection."""
        ...

    async def outbox_depth(self) -> int: ...

    async def get_outbox_item(self, item_id: int) -> OutboxItem | None: ...


class ReactionStore(Protocol):
    async def set_reaction(
        self,
        *,
        message_id: int,
        emoji: str,
        emoji_json: str,
        user: UserRef,
        channel: ChannelRef,
        add: bool,
    ) -> bool: ...

    async def reaction_channels(self, message_id: int, emoji: str) -> set[ChannelRef]: ...


class MusicStore(Protocol):
    async def add_shares(
        self,
        *,
        group_id: int,
        message_id: int,
        shared_by: UserRef,
        shared_by_name: str,
        drafts: Sequence[ShareDraft],
    ) -> list[str]: ...

    async def due_links(self, *, now: float, limit: int = 20) -> list[tuple[str, str, int]]: ...

    async def next_link_due(self) -> float | None: ...

    async def mark_link(
        self,
        link_key: str,
        *,
        status: str,
        item_id: int | None = None,
        error: str | None = None,
        retry_at: float | None = None,
    ) -> list[int]: ...

    async def item_for_link(self, platform: str, kind: str, platform_id: str) -> int | None: ...

    async def find_item(
        self,
        *,
        kind: str,
        isrc: str | None,
        upc: str | None,
        match_key: str | None,
        duration_ms: int | None,
    ) -> int | None: ...

    async def create_item(self, meta: Metadata, *, match_key: str | None) -> int: ...

    async def enrich_item(self, item_id: int, meta: Metadata) -> None: ...

    async def add_item_link(self, item_id: int, link: ItemLink) -> None: ...

    async def get_item(self, item_id: int) -> MusicItem | None: ...

    async def items_of_message(self, message_id: int) -> list[MusicItem]: ...

    async def remove_shares(self, message_id: int, *, at: float) -> int: ...

    async def music_tab(
        self,
        group_id: int,
        *,
        sort: str = "recent",
        limit: int = 10,
        offset: int = 0,
        platform: str | None = None,
        sharer: str | None = None,
    ) -> tuple[list[TabEntry], int]: ...

    async def tab_items(self, group_id: int, query: TabQuery) -> TabPage[TabItem]:
        """One page of the group's web tab (removed shares never count)."""
        ...

    async def tab_item(self, group_id: int, ref: str) -> TabItemDetail | None:
        """One tab entry (``TabItem.ref``) with its shares and their messages."""
        ...

    async def recent_shares(self, group_id: int, *, limit: int = 50) -> list[GroupShare]:
        """The group's newest shares (removed ones never), newest first, each with its item;
        one message sharing a song twice (two platforms' links) is one share."""
        ...


@dataclass(frozen=True, slots=True)
class ModEffect:
    """What a moderation action did in one linked channel (or platform)."""

    id: int
    channel: ChannelRef
    status: str  # pending | done | failed | skipped
    detail: str


@dataclass(frozen=True, slots=True)
class ModAction:
    """One entry of a group's modlog."""

    id: int
    group_id: int
    kind: str  # delete | ban | unban
    target_member_id: int | None
    target: str | None  # the account as it was named (platform:workspace/@user)
    actor: str | None
    origin: Platform
    reason: str
    message_id: int | None
    created_at: float
    effects: tuple[ModEffect, ...] = ()


class ModerationStore(Protocol):
    async def record_action(
        self,
        *,
        group_id: int,
        kind: str,
        target_member_id: int | None,
        target: str | None,
        actor: str | None,
        origin: Platform,
        reason: str = "",
        message_id: int | None = None,
        at: float,
    ) -> int: ...

    async def add_effect(
        self, action_id: int, channel: ChannelRef, *, status: str, detail: str = "", at: float
    ) -> int: ...

    async def set_effect(self, effect_id: int, *, status: str, detail: str, at: float) -> None: ...

    async def modlog(
        self, group_id: int, *, member_id: int | None = None, limit: int = 10
    ) -> list[ModAction]:
        """The newest actions first, each with its effects."""
        ...

    async def is_banned(self, group_id: int, member_id: int) -> bool:
        """The member's latest ban or unban in the group is a ban."""
        ...

    async def get_effect(self, effect_id: int) -> ModEffect | None: ...

    async def recent_messages_by(
        self, group_id: int, users: Sequence[UserRef], *, since: float
    ) -> list[StoredMessage]:
        """The group's undeleted messages written by any of ``users`` at or after ``since``
        (a purge), oldest first."""
        ...


@dataclass(frozen=True, slots=True)
class MemberTimeout:
    """A member stopped in a group until ``until`` (the relay drops their messages there)."""

    group_id: int
    member_id: int
    until: float
    actor: str | None  # who set it (platform:workspace/@user); None: a platform moderator
    reason: str
    created_at: float


class TimeoutStore(Protocol):
    """A group's timeouts, one per member. Every change goes through ``set_timeout`` or
    ``lift_timeout``; an expired timeout may stay stored (it stops nothing)."""

    async def set_timeout(
        self,
        *,
        group_id: int,
        member_id: int,
        until: float,
        actor: str | None,
        reason: str = "",
        at: float,
    ) -> None:
        """Time the member out until ``until`` (replacing a timeout they had)."""
        ...

    async def lift_timeout(self, group_id: int, member_id: int) -> bool:
        """Forget the member's timeout; False when they had none."""
        ...

    async def get_timeout(self, group_id: int, member_id: int) -> MemberTimeout | None:
        """The member's stored timeout in the group, expired or not."""
        ...

    async def timeouts_in_group(self, group_id: int) -> list[MemberTimeout]:
        """Every stored timeout of the group, by member id."""
        ...


class SpotifyStore(Protocol):
    """The bot's Spotify account and the groups' "Play all on Spotify" playlists."""

    async def save_spotify_account(self, account: SpotifyAccount) -> None: ...

    async def get_spotify_account(self) -> SpotifyAccount | None: ...

    async def get_spotify_playlist(self, group_id: int) -> PlaylistState | None: ...

    async def save_spotify_playlist(self, state: PlaylistState) -> None: ...

    async def spotify_playlists(self) -> list[PlaylistState]: ...


@dataclass(frozen=True, slots=True)
class Lease:
    """A named piece of work held by one worker until ``expires_at`` (``worker:<id>``,
    ``shard:3``, ...); ``info`` says what the holder wants others to see (host, pid, ...)."""

    name: str
    holder: str
    expires_at: float
    info: Mapping[str, Any]


class LeaseStore(Protocol):
    """Leases shared by the workers of one database, taken by compare-and-set: a lease is
    taken when free or expired, and renewed only by its holder. Times are the store clock's."""

    async def claim_lease(
        self, name: str, *, holder: str, seconds: float, info: Mapping[str, Any] | None = None
    ) -> Lease | None:
        """Take or renew ``name`` for ``seconds`` from now; None when another holder has it."""
        ...

    async def release_lease(self, name: str, *, holder: str) -> bool:
        """Give ``name`` up; False when ``holder`` did not hold it (any more)."""
        ...

    async def live_leases(self, prefix: str = "") -> list[Lease]:
        """The unexpired leases whose name starts with ``prefix``, by name."""
        ...


class RosterStore(GroupStore, MemberStore, Protocol):
    """A group's channels and its people (accounts, roles): what most commands read."""


class Store(
    GroupStore,
    MemberStore,
    IdentityStore,
    MessageStore,
    EventStore,
    OutboxStore,
    ReactionStore,
    MusicStore,
    ModerationStore,
    TimeoutStore,
    LeaseStore,
    Protocol,
):
    """Everything the core persists. storage.repos.SqlStore implements it."""

    async def close(self) -> None: ...
