"""Scoped identifiers. A ref always carries its platform and workspace, so a Discord id can never
be mistaken for a Slack one, and the same channel id in two workspaces never collides."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Platform(StrEnum):
    DISCORD = "discord"
    SLACK = "slack"


class Direction(StrEnum):
    """Which way messages flow for a linked channel (matterbridge's in/out/inout)."""

    IN = "in"  # messages from this channel go to the group, nothing comes back
    OUT = "out"  # the channel only receives
    INOUT = "inout"

    @property
    def sends(self) -> bool:
        return self in (Direction.IN, Direction.INOUT)

    @property
    def receives(self) -> bool:
        return self in (Direction.OUT, Direction.INOUT)


class GroupKind(StrEnum):
    ARTIST = "artist"
    GENRE = "genre"
    TOPIC = "topic"


class Visibility(StrEnum):
    PUBLIC = "public"
    INVITE = "invite"
    APPROVAL = "approval"


class Role(StrEnum):
    OWNER = "owner"
    MODERATOR = "moderator"
    ARTIST = "artist"
    MEMBER = "member"


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """A channel on one platform: Discord guild id + channel id, or Slack team id + channel id."""

    platform: Platform
    workspace: str
    channel: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.workspace}/{self.channel}"

    def to_json(self) -> list[str]:
        """As kept in an outbox action: ``[platform, workspace, channel]``."""
        return [self.platform.value, self.workspace, self.channel]

    @classmethod
    def from_json(cls, raw: Sequence[str]) -> ChannelRef:
        return cls(Platform(raw[0]), str(raw[1]), str(raw[2]))


@dataclass(frozen=True, slots=True)
class UserRef:
    platform: Platform
    workspace: str
    user: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.workspace}/@{self.user}"

    def to_json(self) -> list[str]:
        """As kept in an outbox action: ``[platform, workspace, user]``."""
        return [self.platform.value, self.workspace, self.user]

    @classmethod
    def from_json(cls, raw: Sequence[str]) -> UserRef:
        return cls(Platform(raw[0]), str(raw[1]), str(raw[2]))


@dataclass(frozen=True, slots=True)
class MessageRef:
    """One platform message (one part of a possibly split logical message)."""

    channel: ChannelRef
    message: str
    part: int = 0

    @property
    def platform(self) -> Platform:
        return self.channel.platform


@dataclass(frozen=True, slots=True)
class MessageCopy:
    """One platform message of a canonical message (the origin is a copy too): where a copy
    lives, and which message it copies."""

    message_id: int
    channel: ChannelRef
    platform_message_id: str
    part: int
    is_origin: bool
    thread_id: str | None = None
