"""Timeouts, kicks, purges and the group's moderation settings (`/fangroup timeout|untimeout|
kick|policy|banscope|kickscope`). A timeout stops the relay of the member (every linked
account) until it expires and is applied as a Discord timeout in every other guild of the
group; Slack has no timeouts, so there the bridge only stops relaying."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from bridge.actions import KickAction, TimeoutAction
from bridge.events import CommandInvoked, MemberTimedOut
from bridge.groups.identity import platform_name, safe_name
from bridge.ids import ChannelRef, Platform, Role, UserRef
from bridge.moderation.policy import POLICIES
from bridge.outcome import Handled, Ignored, Outcome, Reply
from bridge.records import Account, FanGroup, OutboxDraft, StoredMessage

if TYPE_CHECKING:  # avoids an import cycle
    from bridge.moderation.service import ModerationService

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DURATION = re.compile(r"(\d{1,6})([smhd])")
PURGE = re.compile(r"\bpurge[:\s]+(\d{1,6}[smhd])\b", re.IGNORECASE)
MAX_TIMEOUT = 28 * 86400  # Discord's limit
NO_TIMEOUTS = "Slack has no timeouts: the bridge does not relay them until it ends"
NO_MEMBERSHIP = "skipped: Discord channels have no membership; use ban"
SCOPES = ("channel", "guild")


class PurgeStore(Protocol):
    async def recent_messages_by(
        self, group_id: int, users: list[UserRef], *, since: float
    ) -> list[StoredMessage]: ...


def parse_duration(text: str) -> float | None:
    found = DURATION.fullmatch(text.strip().lower())
    return float(int(found.group(1)) * UNITS[found.group(2)]) if found else None


def split_purge(reason: str) -> tuple[str, float | None]:
    """``"spam purge 10m"`` → ("spam", 600.0)."""
    found = PURGE.search(reason)
    if found is None:
        return reason, None
    rest = (reason[: found.start()] + reason[found.end() :]).strip()
    return re.sub(r"\s{2,}", " ", rest), parse_duration(found.group(1))


@dataclass(frozen=True, slots=True)
class TimeoutRequest:
    group: FanGroup
    target: Account
    until: float  # 0: lifted
    actor: UserRef | None
    origin: Platform
    reason: str = ""
    covered: str | None = None  # the Discord guild whose own timeout already applies


class MoreModeration:
    def __init__(self, base: ModerationService) -> None:
        self.base = base
        self.store = base.store
        self.clock = base.clock

    def commands(self) -> dict[str, Callable[[CommandInvoked], Awaitable[Outcome]]]:
        return {
            "timeout": self.timeout_command,
            "untimeout": self.untimeout_command,
            "kick": self.kick_command,
            "policy": self._setting("moderation_policy", POLICIES, "policy"),
            "banscope": self._setting("discord_ban_scope", SCOPES, "banscope"),
            "kickscope": self._setting("discord_kick_scope", SCOPES, "kickscope"),
        }

    # -- shared checks -------------------------------------------------------------------
    async def _moderated(
        self, event: CommandInvoked, what: str
    ) -> tuple[FanGroup | None, Account | None, Reply | None]:
        from bridge.moderation.service import REFUSED

        group = await self.base._group_of(event.channel)
        if group is None:
            return None, None, Reply("This channel is not linked to a group.")
        if not await self.base.may_moderate(
            group, event.user, event.can_manage_channel or event.can_moderate
        ):
            return group, None, Reply(REFUSED.format(what=what))
        target = await self.base.existing_target(event)
        if target is None:
            return group, None, Reply(f"Usage: `/fangroup {event.path[0]} @user ...`")
        if isinstance(target, Reply):
            return group, None, target
        return group, target, None

    # -- timeouts ------------------------------------------------------------------------
    def timeouts(self, group: FanGroup) -> dict[str, float]:
        return {str(k): float(v) for k, v in (group.settings.get("timeouts") or {}).items()}

    async def is_timed_out(self, group_id: int, member_id: int) -> bool:
        group = await self.store.get_group_by_id(group_id)
        until = self.timeouts(group).get(str(member_id), 0.0) if group else 0.0
        return until > self.clock.now()

    async def timeout_command(self, event: CommandInvoked) -> Outcome:
        group, target, refused = await self._moderated(event, "time people out")
        if refused or group is None or target is None:
            return refused or Reply("?")
        words = (event.args.get("duration") or event.args.get("reason", "")).split(maxsplit=1)
        seconds = parse_duration(words[0]) if words else None
        if seconds is None or not 0 < seconds <= MAX_TIMEOUT:
            return Reply("Usage: `/fangroup timeout @user 10m` (s, m, h or d; at most 28d)")
        reason = event.args.get("reason", "") if event.args.get("duration") else " ".join(words[1:])
        until = self.clock.now() + seconds
        request = TimeoutRequest(group, target, until, event.user, event.user.platform, reason)
        action = await self.apply_timeout(request)
        name = safe_name(target.display_name)
        return Reply(
            f"{name} is timed out in *{group.name}* for {words[0]} (modlog #{action}).", False
        )

    async def untimeout_command(self, event: CommandInvoked) -> Outcome:
        group, target, refused = await self._moderated(event, "lift timeouts")
        if refused or group is None or target is None:
            return refused or Reply("?")
        name = safe_name(target.display_name)
        if not await self.is_timed_out(group.id, target.member_id):
            return Reply(f"{name} is not timed out in *{group.name}*.")
        request = TimeoutRequest(group, target, 0.0, event.user, event.user.platform)
        action = await self.apply_timeout(request)
        return Reply(f"{name}'s timeout in *{group.name}* is lifted (modlog #{action}).", False)

    async def timed_out(self, event: MemberTimedOut) -> Outcome:
        """A platform timeout (set or lifted in a Discord guild) applies to every group with a
        channel there; the bot's own timeouts coming back change nothing."""
        account = await self.store.get_account(event.target) or await self.store.upsert_account(
            user=event.target, display_name=event.target.user
        )
        done = 0
        for group in await self.base._groups_in(event.platform, event.workspace):
            current = self.timeouts(group).get(str(account.member_id), 0.0)
            lifted = event.until <= self.clock.now()
            if (lifted and current <= self.clock.now()) or abs(current - event.until) < 2:
                continue
            until = 0.0 if lifted else event.until
            request = TimeoutRequest(
                group, account, until, event.actor, event.platform, event.reason, event.workspace
            )
            done += 1 if await self.apply_timeout(request) else 0
        return Handled(f"timeout in {done} group(s)") if done else Ignored("nothing changed")

    async def apply_timeout(self, request: TimeoutRequest) -> int:
        group, member = request.group, request.target.member_id
        stored = self.timeouts(group)
        if request.until:
            stored[str(member)] = request.until
        else:
            stored.pop(str(member), None)
        await self.store.update_settings(group.id, {"timeouts": stored})
        kind = "timeout" if request.until else "untimeout"
        action = await self._record(
            group, request.target, kind, request.actor, request.origin, request.reason
        )
        accounts = await self.store.accounts_of_member(member)
        discord_user = next(
            (a.user.user for a in accounts if a.user.platform is Platform.DISCORD), None
        )
        drafts: list[OutboxDraft] = []
        guilds: set[str] = set()
        for link in await self.store.links_for_group(group.id):
            channel = link.channel
            if channel.platform is Platform.DISCORD and channel.workspace in guilds:
                continue
            guilds.add(channel.workspace)
            why = _timeout_skip(request, channel, discord_user)
            effect = await self.base._effect(action, channel, "skipped" if why else "pending", why)
            if why is None:
                timeout = TimeoutAction(
                    user=str(discord_user), until=request.until, effect_id=effect
                )
                drafts.append(OutboxDraft(channel, timeout))
        await self.base.policy.submit(group.id, action, request.origin, drafts)
        return action

    async def _record(
        self,
        group: FanGroup,
        target: Account,
        kind: str,
        actor: UserRef | None,
        origin: Platform,
        reason: str,
    ) -> int:
        return await self.store.record_action(
            group_id=group.id,
            kind=kind,
            target_member_id=target.member_id,
            target=str(target.user),
            actor=str(actor) if actor else None,
            origin=origin,
            reason=reason,
            at=self.clock.now(),
        )

    # -- kick ----------------------------------------------------------------------------
    async def kick_command(self, event: CommandInvoked) -> Outcome:
        group, target, refused = await self._moderated(event, "kick people from this group")
        if refused or group is None or target is None:
            return refused or Reply("?")
        reason = event.args.get("reason", "")
        action = await self._record(group, target, "kick", event.user, event.user.platform, reason)
        accounts = await self.store.accounts_of_member(target.member_id)
        scope = group.settings.get("discord_kick_scope", "channel")
        drafts: list[OutboxDraft] = []
        guilds: set[str] = set()
        for link in await self.store.links_for_group(group.id):
            user, why = _kick_plan(link.channel, accounts, scope, guilds)
            effect = await self.base._effect(
                action, link.channel, "skipped" if why else "pending", why
            )
            if why is None:
                kick = KickAction(user=user, scope=scope, reason=reason, effect_id=effect)
                drafts.append(OutboxDraft(link.channel, kick))
        await self.base.policy.submit(group.id, action, event.user.platform, drafts)
        name = safe_name(target.display_name)
        return Reply(f"{name} is kicked from *{group.name}*'s channels (modlog #{action}).", False)

    # -- purge ---------------------------------------------------------------------------
    async def purge(
        self, group: FanGroup, target: Account, seconds: float, actor: UserRef, origin: Platform
    ) -> int:
        """Delete everywhere the member's messages of the last ``seconds`` in the group."""
        users = [a.user for a in await self.store.accounts_of_member(target.member_id)]
        store = cast(PurgeStore, self.store)
        since = self.clock.now() - seconds
        messages = await store.recent_messages_by(group.id, users, since=since)
        for message in messages:
            await self.base.delete_everywhere(message, origin=origin, actor=actor, reason="purge")
        return len(messages)

    # -- settings ------------------------------------------------------------------------
    def _setting(
        self, key: str, values: tuple[str, ...], name: str
    ) -> Callable[[CommandInvoked], Awaitable[Outcome]]:
        async def handler(event: CommandInvoked) -> Outcome:
            group = await self.base._group_of(event.channel)
            if group is None:
                return Reply("This channel is not linked to a group.")
            value = event.args.get("value", "").strip().lower()
            if value not in values:
                current = group.settings.get(key, values[0])
                return Reply(f"{name} is {current}. Use `/fangroup {name} {'|'.join(values)}`.")
            if not (event.can_manage_channel or await self._is_owner(group, event.user)):
                return Reply(f"Sorry, only owners and channel managers may change the {name}.")
            await self.store.update_settings(group.id, {key: value})
            return Reply(f"The {name} of *{group.name}* is now {value}.", False)

        return handler

    async def _is_owner(self, group: FanGroup, user: UserRef) -> bool:
        account = await self.store.get_account(user)
        roles = await self.store.roles_in_group(group.id)
        return account is not None and any(
            r.member_id == account.member_id and r.role is Role.OWNER for r in roles
        )


def _timeout_skip(
    request: TimeoutRequest, channel: ChannelRef, discord_user: str | None
) -> str | None:
    if channel.platform is not Platform.DISCORD:
        return NO_TIMEOUTS if request.until else "Slack had no timeout to lift"
    if request.covered == channel.workspace:
        return "the Discord timeout already applies here"
    if discord_user is None:
        return "no linked Discord account"
    return None


def _kick_plan(
    channel: ChannelRef, accounts: list[Account], scope: Any, guilds: set[str]
) -> tuple[str, str | None]:
    if channel.platform is Platform.DISCORD:
        if scope != "guild":
            return "", NO_MEMBERSHIP.removeprefix("skipped: ")
        if channel.workspace in guilds:
            return "", "kicked from this guild already"
        guilds.add(channel.workspace)
    for account in accounts:
        if account.user.platform is channel.platform and (
            channel.platform is Platform.DISCORD or account.user.workspace == channel.workspace
        ):
            return account.user.user, None
    return "", f"no linked {platform_name(channel.platform)} account here"
