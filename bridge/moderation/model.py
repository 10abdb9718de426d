"""What the moderation parts share: the requests they carry out and the sentences they answer
with. A leaf: every module of the package may import it, it imports none of them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bridge.events import CommandInvoked
from bridge.groups.replies import platform_name
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.outcome import Outcome
from bridge.records import Account, FanGroup

Command = Callable[[CommandInvoked], Awaitable[Outcome]]

REFUSED = (
    "Sorry, only the group's owners and moderators, and the platform's moderators "
    "(Discord Manage Messages, Ban Members or Moderate Members; Slack workspace admins), "
    "may {what}."
)
MAX_TIMEOUT = 28 * 86400.0  # Discord's limit


@dataclass(frozen=True, slots=True)
class BanRequest:
    group: FanGroup
    target: Account
    kind: str  # ban | unban
    actor: UserRef | None
    origin: Platform
    reason: str = ""
    covered: tuple[Platform, str] | None = None  # the workspace whose own ban already applies


@dataclass(frozen=True, slots=True)
class TimeoutRequest:
    group: FanGroup
    target: Account
    until: float  # 0: lifted
    actor: UserRef | None
    origin: Platform
    reason: str = ""
    covered: str | None = None  # the Discord guild whose own timeout already applies


def account_in(channel: ChannelRef, accounts: Sequence[Account]) -> tuple[str, str | None]:
    """The member's user id where ``channel`` is (their account on its platform; on Slack, in
    its workspace), or why there is none: ("", why)."""
    for account in accounts:
        if account.user.platform is channel.platform and (
            channel.platform is Platform.DISCORD or account.user.workspace == channel.workspace
        ):
            return account.user.user, None
    return "", f"no linked {platform_name(channel.platform)} account here"
