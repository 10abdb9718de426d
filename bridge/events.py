"""Inbound core events: one frozen dataclass per kind. Adapters build them (pure converters);
the router dispatches them by type."""

from __future__ import annotations

from dataclasses import dataclass, field

from bridge.ids import ChannelRef, Platform, UserRef
from bridge.text import Document, Emoji


@dataclass(frozen=True, slots=True)
class Author:
    user: UserRef
    display_name: str
    avatar_url: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    url: str
    filename: str
    size: int = 0
    content_type: str = ""


@dataclass(frozen=True, slots=True)
class MessagePosted:
    key: str  # dedupe key (Discord message id; Slack channel+ts)
    channel: ChannelRef
    message_id: str
    author: Author
    text: Document
    attachments: tuple[Attachment, ...] = ()
    reply_to: str | None = None  # the platform id of the message this one answers
    thread_root: str | None = None  # the platform id of the thread's root message
    echo_marker: str | None = None  # what our outbox attached (Discord nonce, Slack metadata)
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class MessageEdited:
    key: str
    channel: ChannelRef
    message_id: str
    text: Document
    editor: UserRef | None = None
    attachments: tuple[Attachment, ...] | None = None


@dataclass(frozen=True, slots=True)
class MessageDeleted:
    key: str
    channel: ChannelRef
    message_id: str
    actor: UserRef | None = None


@dataclass(frozen=True, slots=True)
class ReactionChanged:
    key: str
    channel: ChannelRef
    message_id: str
    user: UserRef
    emoji: Emoji
    added: bool


@dataclass(frozen=True, slots=True)
class CommandInvoked:
    """A `/fangroup ...` command from either platform. ``path`` is the subcommand path
    (e.g. ("create",)), ``args`` the options as strings."""

    key: str
    channel: ChannelRef
    user: UserRef
    path: tuple[str, ...]
    args: dict[str, str] = field(default_factory=dict)
    can_manage_channel: bool = False  # the platform says this person may manage the channel
    # the platform says this person may moderate there (Discord Manage Messages, Ban Members or
    # Moderate Members; Slack workspace admins and owners)
    can_moderate: bool = False
    display_name: str = ""
    channel_name: str = ""  # the channel's name as the platform shows it ("general"), if known


@dataclass(frozen=True, slots=True)
class HomeOpened:
    """A person opened the bridge's home (Slack App Home): show them their groups' music tabs."""

    key: str
    user: UserRef


@dataclass(frozen=True, slots=True)
class MemberBanned:
    """A platform ban (a Discord guild ban): ``workspace`` is the guild (or team) it applies to.
    The gateway does not say who banned, so ``actor`` is often None."""

    key: str
    platform: Platform
    workspace: str
    target: UserRef
    actor: UserRef | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class MemberUnbanned:
    key: str
    platform: Platform
    workspace: str
    target: UserRef
    actor: UserRef | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class MessageShortcut:
    """A message shortcut ("delete_everywhere", "ban_from_group") used on one message.
    ``platform_moderator``: the platform says the person may moderate (a Slack admin)."""

    key: str
    channel: ChannelRef
    message_id: str
    actor: UserRef
    action: str
    platform_moderator: bool = False


@dataclass(frozen=True, slots=True)
class ReportFiled:
    """A member reported a message to the group's moderators, with why."""

    key: str
    channel: ChannelRef
    message_id: str
    reporter: UserRef
    reason: str


@dataclass(frozen=True, slots=True)
class ReportActed:
    """A report card's button ("delete", "timeout", "ban", "dismiss") pressed in ``channel``."""

    key: str
    channel: ChannelRef
    report_id: int
    action: str
    actor: UserRef
    actor_name: str = ""
    platform_moderator: bool = False


@dataclass(frozen=True, slots=True)
class MemberTimedOut:
    """A platform timeout set or lifted (a Discord timeout): ``until`` is the expiry (epoch
    seconds), 0 when it was lifted; ``actor`` None when the platform does not say."""

    key: str
    platform: Platform
    workspace: str
    target: UserRef
    until: float
    actor: UserRef | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ModCardClicked:
    """A moderator's "Apply" / "Dismiss" on a moderation suggestion card (policy suggest)."""

    key: str
    channel: ChannelRef
    user: UserRef
    card: int  # the outbox item that posted the card
    choice: str  # apply | dismiss
    platform_moderator: bool = False


@dataclass(frozen=True, slots=True)
class AnnounceInvoked:
    """``/announce`` from either platform: ``action`` is post, edit, delete, list, cancel or zone;
    ``announcement_id`` names the announcement to edit, delete or cancel; ``group`` (a slug)
    limits a post to one group; ``when`` schedules it; ``zone`` is the caller's time zone as the
    platform knows it (Slack profiles have one), used when they have not chosen one."""

    key: str
    channel: ChannelRef
    user: UserRef
    action: str
    text: Document = field(default_factory=lambda: Document(()))
    link: str = ""
    image_url: str = ""
    pin: bool = False
    group: str = ""
    announcement_id: int | None = None
    when: str = ""
    zone: str = ""
    display_name: str = ""
    avatar_url: str | None = None
    options: tuple[tuple[str, str], ...] = ()  # an event's place, tickets, merch, online


@dataclass(frozen=True, slots=True)
class NativePollPosted:
    """A fan posted a platform's own poll (Discord's message poll) in a linked channel: the
    bridge relays it as a poll card and keeps the summed tally."""

    key: str
    channel: ChannelRef
    message_id: str
    user: UserRef
    question: str
    answers: tuple[tuple[int, str], ...]  # (the platform's answer id, its text)
    expires_at: float | None
    multiselect: bool = False
    display_name: str = ""


@dataclass(frozen=True, slots=True)
class NativePollVoted:
    """A vote added to (or removed from) a platform's own poll, as the platform counts it."""

    key: str
    channel: ChannelRef
    message_id: str
    user: UserRef
    answer_id: int
    added: bool


@dataclass(frozen=True, slots=True)
class EventInterestChanged:
    """A fan marked (or withdrew) interest in an artist event: a Slack card's "Interested" button
    (``event_id``; ``interested`` None: a click toggles), or Discord's own "Interested" on the
    scheduled event (``copy_id``: its id in server ``channel.workspace``; a scheduled event
    belongs to a server, not a channel, so ``channel`` names the server)."""

    key: str
    channel: ChannelRef
    user: UserRef
    interested: bool | None
    event_id: int | None = None
    copy_id: str = ""
    display_name: str = ""


CoreEvent = (
    MessagePosted
    | MessageEdited
    | MessageDeleted
    | ReactionChanged
    | CommandInvoked
    | HomeOpened
    | MemberBanned
    | MemberUnbanned
    | MessageShortcut
    | ReportFiled
    | ReportActed
    | MemberTimedOut
    | ModCardClicked
    | AnnounceInvoked
    | NativePollPosted
    | NativePollVoted
    | EventInterestChanged
)
