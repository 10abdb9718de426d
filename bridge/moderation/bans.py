"""Bans from a group: `/fangroup ban @user [reason] [purge 10m]`, `/fangroup unban @user`, the
"Ban from group" shortcut, and a ban made on a platform itself (a Discord guild ban), which bans
the member from every group with a channel in that guild. A ban stops the relay of the member
and is carried to every linked channel: a Discord channel overwrite (or a guild ban, by the
group's ``discord_ban_scope``), a Slack `conversations.kick`."""

from __future__ import annotations

from collections.abc import Sequence

from bridge.actions import BanAction, MemberSanction, UnbanAction
from bridge.events import CommandInvoked, MemberBanned, MemberUnbanned
from bridge.groups.replies import platform_name, safe_name
from bridge.ids import ChannelRef, Platform
from bridge.moderation.context import ModerationContext
from bridge.moderation.model import BanRequest, Command, account_in
from bridge.moderation.purge import Purge, purge_option, split_purge
from bridge.outcome import Handled, Ignored, Outcome, Reply
from bridge.records import Account, OutboxDraft

NO_UNDO = {Platform.SLACK: "Slack cannot undo a kick; the person can rejoin"}
SANCTIONS: dict[str, type[MemberSanction]] = {"ban": BanAction, "unban": UnbanAction}
USAGE = {"ban": "Usage: `/fangroup ban @user [reason]`", "unban": "Usage: `/fangroup unban @user`"}


class Bans:
    def __init__(self, context: ModerationContext, purge: Purge) -> None:
        self.context = context
        self.store = context.store
        self.purge = purge

    def commands(self) -> dict[str, Command]:
        return {"ban": self.ban_command, "unban": self.unban_command}

    async def ban_command(self, event: CommandInvoked) -> Outcome:
        return await self._command(event, "ban")

    async def unban_command(self, event: CommandInvoked) -> Outcome:
        return await self._command(event, "unban")

    async def _command(self, event: CommandInvoked, kind: str) -> Outcome:
        found = await self.context.moderated(event, f"{kind} people from this group", USAGE[kind])
        if isinstance(found, Reply):
            return found
        group, target = found
        origin = event.user.platform
        reason, purge = split_purge(event.args.get("reason", ""))
        purge = purge or purge_option(event)
        reply = await self.reply(BanRequest(group, target, kind, event.user, origin, reason))
        if kind == "ban" and purge:
            count = await self.purge.purge(group, target, purge, event.user, origin)
            reply = Reply(f"{reply.text} Purged {count} message(s).", reply.ephemeral)
        return reply

    async def platform_ban(self, event: MemberBanned | MemberUnbanned) -> Outcome:
        """A ban on the platform itself (a Discord guild ban): every group with a channel in
        that guild bans the member; the guild's own ban already covers its channels."""
        kind = "ban" if isinstance(event, MemberBanned) else "unban"
        account = await self.store.get_account(event.target)
        if account is None:
            account = await self.store.upsert_account(
                user=event.target, display_name=event.target.user
            )
        done = 0
        for group in await self.context.groups_in(event.platform, event.workspace):
            covered = (event.platform, event.workspace)
            request = BanRequest(
                group, account, kind, event.actor, event.platform, event.reason, covered
            )
            done += 1 if await self.apply(request) else 0
        if not done:
            return Ignored(f"no group to {kind} in, or nothing changed")
        return Handled(f"{kind} in {done} group(s)")

    async def apply(self, request: BanRequest) -> int:
        """Record the ban (or unban) and its effect in every linked channel; 0 when the member
        already is (or is not) banned: the bridge's own effects coming back end here."""
        group, member = request.group, request.target.member_id
        if await self.store.is_banned(group.id, member) == (request.kind == "ban"):
            return 0
        action = await self.context.record(
            group, request.target, request.kind, request.actor, request.origin, request.reason
        )
        accounts = await self.store.accounts_of_member(member)
        drafts = []
        for link in await self.store.links_for_group(group.id):
            user, why = _plan(request, link.channel, accounts)
            status = "skipped" if why else "pending"
            effect = await self.context.effect(action, link.channel, status, why)
            if why is None:
                sanction = SANCTIONS[request.kind](
                    user=user,
                    group_id=group.id,
                    member_id=member,
                    reason=request.reason,
                    effect_id=effect,
                )
                drafts.append(OutboxDraft(link.channel, sanction))
        await self.context.policy.submit(group.id, action, request.origin, drafts)
        return action

    async def reply(self, request: BanRequest) -> Reply:
        """Apply the request and say what it did."""
        name = safe_name(request.target.display_name)
        action = await self.apply(request)
        if not action:
            state = "already banned from" if request.kind == "ban" else "not banned from"
            return Reply(f"{name} is {state} *{request.group.name}*.")
        done = "banned from" if request.kind == "ban" else "unbanned from"
        return Reply(f"{name} is {done} *{request.group.name}* (modlog #{action}).", False)


def _plan(
    request: BanRequest, channel: ChannelRef, accounts: Sequence[Account]
) -> tuple[str, str | None]:
    """The member's account to act on in ``channel``, or why nothing is done there."""
    if request.covered == (channel.platform, channel.workspace):
        if request.kind == "ban":
            return "", f"the {platform_name(channel.platform)} ban already applies here"
        return "", f"{platform_name(channel.platform)} lifted its own ban here"
    if request.kind == "unban" and channel.platform in NO_UNDO:
        return "", NO_UNDO[channel.platform]
    return account_in(channel, accounts)
