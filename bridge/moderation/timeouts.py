"""Timeouts: `/fangroup timeout @user 10m [reason]`, `/fangroup untimeout @user`, and a Discord
timeout set or lifted in a guild of the group. A timeout stops the relay of the member (every
linked account) until it expires and is applied as a Discord timeout in every other guild of the
group; Slack has no timeouts, so there the bridge only stops relaying. Timeouts are kept in the
store's ``member_timeout`` table, one per member and group."""

from __future__ import annotations

from bridge.actions import TimeoutAction
from bridge.durations import DurationError, parse_duration, split_duration
from bridge.events import CommandInvoked, MemberTimedOut
from bridge.groups.replies import safe_name
from bridge.ids import ChannelRef, Platform
from bridge.moderation.context import ModerationContext
from bridge.moderation.model import MAX_TIMEOUT, Command, TimeoutRequest
from bridge.outcome import Handled, Ignored, Outcome, Reply
from bridge.records import OutboxDraft

NO_TIMEOUTS = "Slack has no timeouts: the bridge does not relay them until it ends"
USAGE = "Usage: `/fangroup timeout @user 10m [reason]` (s, m, h, d or w; at most 28d)"
SAME_EXPIRY = 2.0  # seconds: a timeout coming back from a platform with this expiry is ours


class Timeouts:
    def __init__(self, context: ModerationContext) -> None:
        self.context = context
        self.store = context.store
        self.clock = context.clock

    def commands(self) -> dict[str, Command]:
        return {"timeout": self.timeout_command, "untimeout": self.untimeout_command}

    async def until(self, group_id: int, member_id: int) -> float:
        """When the member's timeout in the group ends (0: they have none)."""
        stored = await self.store.get_timeout(group_id, member_id)
        return stored.until if stored else 0.0

    async def is_timed_out(self, group_id: int, member_id: int) -> bool:
        return await self.until(group_id, member_id) > self.clock.now()

    async def timeout_command(self, event: CommandInvoked) -> Outcome:
        found = await self.context.moderated(event, "time people out", USAGE)
        if isinstance(found, Reply):
            return found
        group, target = found
        typed, reason = _duration_and_reason(event)
        try:
            seconds = parse_duration(typed)
        except DurationError as exc:
            return Reply(f"{USAGE}. {exc}")
        if seconds > MAX_TIMEOUT:
            return Reply(f"{USAGE}. `{safe_name(typed)}` is longer than 28 days.")
        until = self.clock.now() + seconds
        request = TimeoutRequest(group, target, until, event.user, event.user.platform, reason)
        action = await self.apply(request)
        name, shown = safe_name(target.display_name), safe_name(typed)
        text = f"{name} is timed out in *{group.name}* for {shown} (modlog #{action})."
        return Reply(text, False)

    async def untimeout_command(self, event: CommandInvoked) -> Outcome:
        usage = "Usage: `/fangroup untimeout @user`"
        found = await self.context.moderated(event, "lift timeouts", usage)
        if isinstance(found, Reply):
            return found
        group, target = found
        name = safe_name(target.display_name)
        if not await self.is_timed_out(group.id, target.member_id):
            return Reply(f"{name} is not timed out in *{group.name}*.")
        request = TimeoutRequest(group, target, 0.0, event.user, event.user.platform)
        action = await self.apply(request)
        return Reply(f"{name}'s timeout in *{group.name}* is lifted (modlog #{action}).", False)

    async def timed_out(self, event: MemberTimedOut) -> Outcome:
        """A platform timeout (set or lifted in a Discord guild) applies to every group with a
        channel there; the bot's own timeouts coming back change nothing."""
        account = await self.store.get_account(event.target) or await self.store.upsert_account(
            user=event.target, display_name=event.target.user
        )
        now, done = self.clock.now(), 0
        for group in await self.context.groups_in(event.platform, event.workspace):
            current = await self.until(group.id, account.member_id)
            lifted = event.until <= now
            if (lifted and current <= now) or abs(current - event.until) < SAME_EXPIRY:
                continue
            until = 0.0 if lifted else event.until
            request = TimeoutRequest(
                group, account, until, event.actor, event.platform, event.reason, event.workspace
            )
            done += 1 if await self.apply(request) else 0
        return Handled(f"timeout in {done} group(s)") if done else Ignored("nothing changed")

    async def apply(self, request: TimeoutRequest) -> int:
        """Store the timeout (or lift it), record it in the modlog and plan its effect in every
        linked channel (one Discord timeout per guild)."""
        await self._store(request)
        kind = "timeout" if request.until else "untimeout"
        action = await self.context.record(
            request.group, request.target, kind, request.actor, request.origin, request.reason
        )
        drafts = await self._drafts(request, action)
        await self.context.policy.submit(request.group.id, action, request.origin, drafts)
        return action

    async def _store(self, request: TimeoutRequest) -> None:
        group, member = request.group.id, request.target.member_id
        if not request.until:
            await self.store.lift_timeout(group, member)
            return
        actor = str(request.actor) if request.actor else None
        await self.store.set_timeout(
            group_id=group,
            member_id=member,
            until=request.until,
            actor=actor,
            reason=request.reason,
            at=self.clock.now(),
        )

    async def _drafts(self, request: TimeoutRequest, action: int) -> list[OutboxDraft]:
        accounts = await self.store.accounts_of_member(request.target.member_id)
        discord_user = next(
            (a.user.user for a in accounts if a.user.platform is Platform.DISCORD), None
        )
        drafts: list[OutboxDraft] = []
        guilds: set[str] = set()
        for link in await self.store.links_for_group(request.group.id):
            channel = link.channel
            if channel.platform is Platform.DISCORD and channel.workspace in guilds:
                continue
            guilds.add(channel.workspace)
            why = _skip(request, channel, discord_user)
            status = "skipped" if why else "pending"
            effect = await self.context.effect(action, channel, status, why)
            if why is None:
                timeout = TimeoutAction(
                    user=str(discord_user), until=request.until, effect_id=effect
                )
                drafts.append(OutboxDraft(channel, timeout))
        return drafts


def _duration_and_reason(event: CommandInvoked) -> tuple[str, str]:
    """Discord gives the duration its own option; Slack's text is ``10m [reason]``."""
    duration = event.args.get("duration", "").strip()
    if duration:
        return duration, event.args.get("reason", "")
    return split_duration(event.args.get("reason", ""))


def _skip(request: TimeoutRequest, channel: ChannelRef, discord_user: str | None) -> str | None:
    if channel.platform is not Platform.DISCORD:
        return NO_TIMEOUTS if request.until else "Slack had no timeout to lift"
    if request.covered == channel.workspace:
        return "the Discord timeout already applies here"
    if discord_user is None:
        return "no linked Discord account"
    return None
