"""What the core asks for. Outbox actions (one frozen class per kind, stored as versioned JSON
through ``ACTIONS``) say what to do in a channel; the outbox worker turns them into calls on the
chat adapter, building the OutgoingMessage from stored state at send time, so a retried action
always sends the latest text."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Self, TypeVar

from bridge.announce.release_card import Release
from bridge.events import Attachment
from bridge.ids import ChannelRef, MessageCopy, UserRef
from bridge.text import Document, Emoji

JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ReplyContext:
    """The message a reply answers, for platforms that show replies as a quote header."""

    author_name: str
    snippet: str
    platform_message_id: str | None = None  # the parent's copy in the target channel


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    author_name: str
    author_avatar: str | None
    text: Document
    marker: str  # echo guard: the adapter attaches it (Discord nonce, Slack metadata)
    attachments: tuple[Attachment, ...] = ()
    thread_root: MessageCopy | None = None  # thread under this copy (same target channel)
    thread_name: str | None = None  # the thread root's plain text: what a new thread is called
    reply: ReplyContext | None = None
    # source-platform user id -> target-platform user id, for mentions that may be real pings
    mention_map: Mapping[str, str] = field(default_factory=dict)
    badge: str | None = None  # e.g. "artist": a visible badge next to the name
    max_attachment_bytes: int = 8 * 1024 * 1024
    first_part: int = 0  # parts before this one were delivered by an earlier attempt
    style: str | None = None  # "announcement": an embed (Discord) or blocks (Slack)
    image_url: str | None = None  # the announcement's image
    pin: bool = False  # pin the copy once it is posted
    release: Release | None = None  # a linked track/album: artwork and links per platform


@dataclass(frozen=True, slots=True)
class SendResult:
    """The platform ids of the parts the adapter created, in order, and the thread they are in."""

    ids: tuple[str, ...]
    thread_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReactionChange:
    emoji: Emoji
    add: bool


# -- outbox actions ------------------------------------------------------------------------------
# One frozen class per kind of outbox row. A row's action is stored as ``{"kind", "v", <fields>}``
# (``write_action``) and read back by the registry (``read_action``), which also reads the rows
# written before actions carried a version (no ``v``: version 0, the same fields).


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxAction(ABC):
    """What one outbox row asks for in its target channel."""

    kind: ClassVar[str]  # its name in the stored JSON, unique in ACTIONS
    version: ClassVar[int] = 1  # raise it when the stored fields change; ``from_json`` reads all

    @abstractmethod
    def to_json(self) -> JSON:
        """The action's fields as stored (``kind`` and ``v`` are added by ``stored``)."""

    @classmethod
    @abstractmethod
    def from_json(cls, raw: Mapping[str, Any], version: int) -> Self:
        """Read the fields stored by ``to_json`` at ``version`` (0: before versions)."""

    def stored(self) -> JSON:
        return {"kind": self.kind, "v": self.version, **self.to_json()}

    def of_message(self, message_id: int) -> Self:
        """This action once the store recorded the message it follows as ``message_id`` (an
        action that waits for no such id is itself)."""
        return self


def _opt_int(raw: Mapping[str, Any], key: str) -> int | None:
    value = raw.get(key)
    return None if value is None else int(value)


@dataclass(frozen=True, slots=True)
class AnnouncementStyle:
    """How an announcement's copies look: an embed (Discord) or blocks (Slack) with its image and
    release card; pinned once posted when asked."""

    image_url: str | None = None
    pin: bool = False
    release: Release | None = None

    def to_json(self) -> JSON:
        release = self.release.to_json() if self.release else None
        return {"image_url": self.image_url, "pin": self.pin, "release": release}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> AnnouncementStyle:
        release = raw.get("release")
        return cls(
            image_url=str(raw["image_url"]) if raw.get("image_url") else None,
            pin=bool(raw.get("pin")),
            release=Release.from_json(release) if isinstance(release, Mapping) else None,
        )


def _announcement(raw: Mapping[str, Any]) -> AnnouncementStyle | None:
    found = raw.get("announce")
    return AnnouncementStyle.from_json(found) if isinstance(found, Mapping) else None


def _announcement_json(announce: AnnouncementStyle | None) -> JSON:
    return {"announce": announce.to_json()} if announce else {}


@dataclass(frozen=True, slots=True)
class Placement:
    """A relayed message that answers canonical message ``parent_id``: in its thread
    (``thread``) or as a reply quoting it (``reply``)."""

    parent_id: int
    style: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PostAction(OutboxAction):
    """Post a copy of message ``message_id`` (0 until the store records the message)."""

    kind: ClassVar[str] = "post"
    message_id: int = 0
    attachments: tuple[Attachment, ...] = ()
    placement: Placement | None = None
    announce: AnnouncementStyle | None = None

    def to_json(self) -> JSON:
        attachments = [
            {"url": a.url, "filename": a.filename, "size": a.size, "content_type": a.content_type}
            for a in self.attachments
        ]
        out: JSON = {"message_id": self.message_id, "attachments": attachments}
        if self.placement is not None:
            out |= {"parent_id": self.placement.parent_id, "style": self.placement.style}
        return out | _announcement_json(self.announce)

    def of_message(self, message_id: int) -> Self:
        return replace(self, message_id=message_id)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], version: int) -> Self:
        parent = _opt_int(raw, "parent_id")
        return cls(
            message_id=int(raw.get("message_id") or 0),
            attachments=tuple(Attachment(**a) for a in raw.get("attachments") or ()),
            placement=Placement(parent, str(raw.get("style") or "")) if parent else None,
            announce=_announcement(raw),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class EditAction(OutboxAction):
    """Edit the copies of message ``message_id`` in the channel to its current text."""

    kind: ClassVar[str] = "edit"
    message_id: int
    announce: AnnouncementStyle | None = None

    def to_json(self) -> JSON:
        return {"message_id": self.message_id} | _announcement_json(self.announce)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], version: int) -> Self:
        return cls(message_id=int(raw["message_id"]), announce=_announcement(raw))


@dataclass(frozen=True, slots=True, kw_only=True)
class EffectAction(OutboxAction, ABC):
    """An action that performs a modlog effect: the outbox settles ``effect_id`` done, failed
    or skipped with it."""

    effect_id: int | None = None

    def _effect_json(self) -> JSON:
        return {} if self.effect_id is None else {"effect_id": self.effect_id}


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteAction(EffectAction):
    """Delete the copies of message ``message_id`` in the channel."""

    kind: ClassVar[str] = "delete"
    message_id: int

    def to_json(self) -> JSON:
        return {"message_id": self.message_id} | self._effect_json()

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], version: int) -> Self:
        return cls(message_id=int(raw["message_id"]), effect_id=_opt_int(raw, "effect_id"))


@dataclass(frozen=True, slots=True, kw_only=True)
class ReactAction(OutboxAction):
    """Show (``add``) or withdraw the bot's ``emoji`` on the copy of message ``message_id``."""

    kind: ClassVar[str] = "react"
    message_id: int
    emoji: Emoji
    add: bool

    def to_json(self) -> JSON:
        emoji = {"name": self.emoji.name, "unicode": self.emoji.unicode}
        emoji["custom_id"] = self.emoji.custom_id
        return {"message_id": self.message_id, "add": self.add, "emoji": emoji}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], version: int) -> Self:
        emoji = raw["emoji"]
        return cls(
            message_id=int(raw["message_id"]),
            emoji=Emoji(str(emoji["name"]), str(emoji["unicode"]), str(emoji["custom_id"])),
            add=bool(raw["add"]),
        )


_Sanction = TypeVar("_Sanction", bound="MemberSanction")


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberSanction(EffectAction, ABC):
    """A group ban or unban of member ``member_id`` as platform user ``user`` in the channel;
    skipped if the group's ban state changed again before it took effect."""

    user: str
    group_id: int
    member_id: int
    reason: str = ""

    def to_json(self) -> JSON:
        out = {"user": self.user, "group_id": self.group_id, "member_id": self.member_id}
        return out | {"reason": self.reason} | self._effect_json()

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], version: int) -> Self:
        return cls(
            user=str(raw["user"]),
            group_id=int(raw["group_id"]),
            member_id=int(raw["member_id"]),
            reason=str(raw.get("reason") or ""),
            effect_id=_opt_int(raw, "effect_id"),
        )

    def as_kind(self, kind: type[_Sanction]) -> _Sanction:
        """The same sanction done another way (a group ban on Discord as a guild ban)."""
        return kind(
            user=self.user,
            group_id=self.group_id,
            member_id=self.member_id,
            reason=self.reason,
            effect_id=self.effect_id,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class BanAction(MemberSanction):
    """Keep the user out of the channel (Discord: an overwrite; Slack: a kick)."""

    kind: ClassVar[str] = "ban"


@dataclass(frozen=True, slots=True, kw_only=True)
class UnbanAction(MemberSanction):
    kind: ClassVar[str] = "unban"


@dataclass(frozen=True, slots=True, kw_only=True)
class GuildBanAction(MemberSanction):
    """A group ban as a ban from the whole Discord server (``discord_ban_scope = "guild"``)."""

    kind: ClassVar[str] = "guild_ban"


@dataclass(frozen=True, slots=True, kw_only=True)
class GuildUnbanAction(MemberSanction):
    kind: ClassVar[str] = "guild_unban"


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeoutAction(EffectAction):
    """Time platform user ``user`` out until ``until`` (None: lift the timeout)."""

    kind: ClassVar[str] = "timeout"
    user: str
    until: float | None = None

    def to_json(self) -> JSON:
        return {"user": self.user, "until": self.until} | self._effect_json()

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], version: int) -> Self:
        until = float(raw.get("until") or 0) or None
        return cls(user=str(raw["user"]), until=until, effect_id=_opt_int(raw, "effect_id"))


@dataclass(frozen=True, slots=True, kw_only=True)
class KickAction(EffectAction):
    """Remove platform user ``user`` from the channel (``scope`` "guild": the Discord server)."""

    kind: ClassVar[str] = "kick"
    user: str
    scope: str = "channel"
    reason: str = ""

    def to_json(self) -> JSON:
        out = {"user": self.user, "scope": self.scope, "reason": self.reason}
        return out | self._effect_json()

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], version: int) -> Self:
        return cls(
            user=str(raw["user"]),
            scope=str(raw.get("scope") or "channel"),
            reason=str(raw.get("reason") or ""),
            effect_id=_opt_int(raw, "effect_id"),
        )


@dataclass(frozen=True, slots=True)
class SuggestedEffect:
    """An effect a moderation suggestion card holds back until a moderator applies it."""

    target: ChannelRef
    action: OutboxAction


@dataclass(frozen=True, slots=True, kw_only=True)
class ModCardAction(OutboxAction):
    """Post a moderation suggestion card ("Apply" / "Dismiss") for ``effects``."""

    kind: ClassVar[str] = "mod_card"
    text: str
    group_id: int
    effects: tuple[SuggestedEffect, ...] = ()

    def to_json(self) -> JSON:
        drafts = [{"target": e.target.to_json(), "action": e.action.stored()} for e in self.effects]
        return {"text": self.text, "group_id": self.group_id, "drafts": drafts}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], version: int) -> Self:
        effects = tuple(
            SuggestedEffect(ChannelRef.from_json(d["target"]), read_action(d["action"]))
            for d in raw.get("drafts") or ()
        )
        return cls(text=str(raw.get("text", "")), group_id=int(raw["group_id"]), effects=effects)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportCardAction(OutboxAction):
    """Post report ``report_id``'s card in a moderator channel."""

    kind: ClassVar[str] = "report_card"
    report_id: int

    def to_json(self) -> JSON:
        return {"report_id": self.report_id}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], version: int) -> Self:
        return cls(report_id=int(raw["report_id"]))


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportCardUpdateAction(ReportCardAction):
    """Update report ``report_id``'s cards in the channel once a moderator acted."""

    kind: ClassVar[str] = "report_card_update"


@dataclass(frozen=True, slots=True, kw_only=True)
class JoinCardAction(OutboxAction):
    """Post join request ``request_id``'s card (approve / deny) in a moderator channel."""

    kind: ClassVar[str] = "join_card"
    request_id: int
    text: str

    def to_json(self) -> JSON:
        return {"request_id": self.request_id, "text": self.text}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], version: int) -> Self:
        return cls(request_id=int(raw["request_id"]), text=str(raw.get("text", "")))


@dataclass(frozen=True, slots=True, kw_only=True)
class GrantAction(OutboxAction):
    """Let an admitted fan into the group's ``channels`` on their platform, each channel a
    modlog effect (``effect_ids``, in the same order)."""

    kind: ClassVar[str] = "grant"
    group_id: int
    member_id: int
    user: UserRef
    channels: tuple[ChannelRef, ...]
    effect_ids: tuple[int, ...] = ()

    def to_json(self) -> JSON:
        return {
            "group_id": self.group_id,
            "member_id": self.member_id,
            "user": self.user.to_json(),
            "channels": [c.to_json() for c in self.channels],
            "effect_ids": list(self.effect_ids),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], version: int) -> Self:
        return cls(
            group_id=int(raw["group_id"]),
            member_id=int(raw["member_id"]),
            user=UserRef.from_json(raw["user"]),
            channels=tuple(ChannelRef.from_json(c) for c in raw["channels"]),
            effect_ids=tuple(int(e) for e in raw.get("effect_ids") or ()),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PartyCardAction(OutboxAction):
    """Post party ``party_id``'s now-playing card of track ``index`` (drawn at send time)."""

    kind: ClassVar[str] = "party_card"
    party_id: int
    index: int

    def to_json(self) -> JSON:
        return {"party_id": self.party_id, "index": self.index}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], version: int) -> Self:
        return cls(party_id=int(raw["party_id"]), index=int(raw["index"]))


@dataclass(frozen=True, slots=True, kw_only=True)
class PartyCardUpdateAction(PartyCardAction):
    """Draw track ``index``'s card again, in place (paused, resumed, played)."""

    kind: ClassVar[str] = "party_card_update"


@dataclass(frozen=True, slots=True, kw_only=True)
class PartyNoticeAction(OutboxAction):
    """A party's line in a channel: a reminder, its start, its closing summary."""

    kind: ClassVar[str] = "party_notice"
    party_id: int
    text: str

    def to_json(self) -> JSON:
        return {"party_id": self.party_id, "text": self.text}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], version: int) -> Self:
        return cls(party_id=int(raw["party_id"]), text=str(raw.get("text", "")))


@dataclass(frozen=True, slots=True, kw_only=True)
class PollCardAction(OutboxAction):
    """Post poll ``poll_id``'s card (question, options, tally; drawn at send time)."""

    kind: ClassVar[str] = "poll_card"
    poll_id: int

    def to_json(self) -> JSON:
        return {"poll_id": self.poll_id}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], version: int) -> Self:
        return cls(poll_id=int(raw["poll_id"]))


@dataclass(frozen=True, slots=True, kw_only=True)
class PollCardUpdateAction(PollCardAction):
    """Draw the poll's card again, in place (the tally moved, the poll closed)."""

    kind: ClassVar[str] = "poll_card_update"


@dataclass(frozen=True, slots=True, kw_only=True)
class PollResultsAction(PollCardAction):
    """The closed poll's results as a message of their own."""

    kind: ClassVar[str] = "poll_results"


@dataclass(frozen=True, slots=True, kw_only=True)
class DigestAction(OutboxAction):
    """Post group ``group_id``'s digest of ``week`` (its content as stored when it was made)."""

    kind: ClassVar[str] = "digest"
    group_id: int
    week: str

    def to_json(self) -> JSON:
        return {"group_id": self.group_id, "week": self.week}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], version: int) -> Self:
        return cls(group_id=int(raw["group_id"]), week=str(raw["week"]))


@dataclass(frozen=True, slots=True, kw_only=True)
class ArtistEventSyncAction(OutboxAction):
    """Create or redraw artist event ``event_id``'s copy through a channel (a Slack card, the
    Discord server's scheduled event), drawn at send time."""

    kind: ClassVar[str] = "artist_event_sync"
    event_id: int

    def to_json(self) -> JSON:
        return {"event_id": self.event_id}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], version: int) -> Self:
        return cls(event_id=int(raw["event_id"]))


@dataclass(frozen=True, slots=True, kw_only=True)
class ArtistEventNoticeAction(OutboxAction):
    """An artist event's line in a channel: a reminder, its cancellation."""

    kind: ClassVar[str] = "artist_event_notice"
    event_id: int
    text: str

    def to_json(self) -> JSON:
        return {"event_id": self.event_id, "text": self.text}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], version: int) -> Self:
        return cls(event_id=int(raw["event_id"]), text=str(raw.get("text", "")))


@dataclass(frozen=True, slots=True, kw_only=True)
class UnreadableAction(OutboxAction):
    """A stored action this code cannot read (an unknown kind, a newer version, broken fields):
    no handler performs it, so the outbox buries its row with ``why``; stored as it was."""

    kind: ClassVar[str] = "unreadable"
    raw: JSON
    why: str

    def to_json(self) -> JSON:
        return dict(self.raw)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], version: int) -> Self:
        return cls(raw=dict(raw), why="unreadable")

    def stored(self) -> JSON:
        return dict(self.raw)


class ActionRegistry:
    """The action kinds by their stored name: writes an action as versioned JSON and reads
    any stored action back as its class."""

    def __init__(self, *kinds: type[OutboxAction]) -> None:
        self._kinds: dict[str, type[OutboxAction]] = {}
        for kind in kinds:
            self.add(kind)

    def add(self, kind: type[OutboxAction]) -> None:
        if kind.kind in self._kinds:
            raise ValueError(f"two outbox action kinds named {kind.kind!r}")
        self._kinds[kind.kind] = kind

    def kinds(self) -> tuple[type[OutboxAction], ...]:
        return tuple(self._kinds.values())

    def read(self, raw: Mapping[str, Any]) -> OutboxAction:
        name = raw.get("kind")
        kind = self._kinds.get(name) if isinstance(name, str) else None
        version = raw.get("v", 0)
        if kind is None:
            return UnreadableAction(raw=dict(raw), why=f"unknown action {name!r}")
        if not isinstance(version, int) or not 0 <= version <= kind.version:
            return UnreadableAction(raw=dict(raw), why=f"{name} version {version!r} unknown")
        try:
            return kind.from_json(raw, version)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            return UnreadableAction(raw=dict(raw), why=f"{name} unreadable: {exc!r}")

    @staticmethod
    def write(action: OutboxAction) -> JSON:
        return action.stored()


ACTIONS = ActionRegistry(
    PostAction,
    EditAction,
    DeleteAction,
    ReactAction,
    BanAction,
    UnbanAction,
    GuildBanAction,
    GuildUnbanAction,
    TimeoutAction,
    KickAction,
    ModCardAction,
    ReportCardAction,
    ReportCardUpdateAction,
    JoinCardAction,
    GrantAction,
    PartyCardAction,
    PartyCardUpdateAction,
    PartyNoticeAction,
    PollCardAction,
    PollCardUpdateAction,
    PollResultsAction,
    DigestAction,
    ArtistEventSyncAction,
    ArtistEventNoticeAction,
)


def read_action(raw: Mapping[str, Any]) -> OutboxAction:
    return ACTIONS.read(raw)


def write_action(action: OutboxAction) -> JSON:
    return ACTIONS.write(action)


def styled(message: OutgoingMessage, action: PostAction | EditAction) -> OutgoingMessage:
    """``message`` with the presentation an outbox action asks for (an announcement's)."""
    announce = action.announce
    if announce is None:
        return message
    return replace(
        message,
        style="announcement",
        image_url=announce.image_url,
        pin=announce.pin and isinstance(action, PostAction),
        release=announce.release,
    )
