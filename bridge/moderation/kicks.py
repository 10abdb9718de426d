"""Kicks: `/fangroup kick @user [reason]` removes the member from the group's channels where the
platform has channel membership (Slack `conversations.kick`). Discord channels have none: there
a kick is a guild kick when the group's ``discord_kick_scope`` is ``guild``, else skipped."""

from __future__ import annotations

from bridge.actions import KickAction
from bridge.events import CommandInvoked
from bridge.groups.replies import safe_name
from bridge.ids import ChannelRef, Platform
from bridge.moderation.context import ModerationContext
from bridge.moderation.model import Command, account_in
from bridge.outcome import Outcome, Reply
from bridge.records import Account, FanGroup, OutboxDraft

NO_MEMBERSHIP = "Discord channels have no membership; use ban"
USAGE = "Usage: `/fangroup kick @user [reason]`"


class Kicks:
    def __init__(self, context: ModerationContext) -> None:
        self.context = context
        self.store = context.store

    def commands(self) -> dict[str, Command]:
        return {"kick": self.kick_command}

    async def kick_command(self, event: CommandInvoked) -> Outcome:
        found = await self.context.moderated(event, "kick people from this group", USAGE)
        if isinstance(found, Reply):
            return found
        group, target = found
        reason = event.args.get("reason", "")
        origin = event.user.platform
        action = await self.context.record(group, target, "kick", event.user, origin, reason)
        drafts = await self._drafts(group, target, action, reason)
        await self.context.policy.submit(group.id, action, origin, drafts)
        name = safe_name(target.display_name)
        return Reply(f"{name} is kicked from *{group.name}*'s channels (modlog #{action}).", False)

    async def _drafts(
        self, group: FanGroup, target: Account, action: int, reason: str
    ) -> list[OutboxDraft]:
        accounts = await self.store.accounts_of_member(target.member_id)
        scope = str(group.settings.get("discord_kick_scope", "channel"))
        drafts: list[OutboxDraft] = []
        guilds: set[str] = set()
        for link in await self.store.links_for_group(group.id):
            user, why = _plan(link.channel, accounts, scope, guilds)
            status = "skipped" if why else "pending"
            effect = await self.context.effect(action, link.channel, status, why)
            if why is None:
                kick = KickAction(user=user, scope=scope, reason=reason, effect_id=effect)
                drafts.append(OutboxDraft(link.channel, kick))
        return drafts


def _plan(
    channel: ChannelRef, accounts: list[Account], scope: str, guilds: set[str]
) -> tuple[str, str | None]:
    """The member's account to kick in ``channel``, or why nothing is done there."""
    if channel.platform is Platform.DISCORD:
        if scope != "guild":
            return "", NO_MEMBERSHIP
        if channel.workspace in guilds:
            return "", "kicked from this guild already"
        guilds.add(channel.workspace)
    return account_in(channel, accounts)
