"""Typed failures the core and the store raise (never a bare Exception)."""

from __future__ import annotations


class BridgeError(Exception):
    """Base class of the project's own errors."""


class GroupExists(BridgeError):
    def __init__(self, slug: str) -> None:
        super().__init__(f"a group with slug {slug!r} already exists")
        self.slug = slug


class GroupNotFound(BridgeError):
    def __init__(self, slug: str) -> None:
        super().__init__(f"no group with slug {slug!r}")
        self.slug = slug


class ChannelAlreadyLinked(BridgeError):
    def __init__(self, channel: object, group_id: int) -> None:
        super().__init__(f"channel {channel} is already linked to group {group_id}")
        self.group_id = group_id


class CopyExists(BridgeError):
    def __init__(self, channel: object, platform_message_id: str, part: int) -> None:
        super().__init__(f"copy {channel}/{platform_message_id}#{part} is already recorded")
