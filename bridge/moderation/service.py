"""Moderation that propagates (DESIGN §4, policy "mirror"): delete everywhere, ban and unban
from a group, and the shared modlog. Every action is a `moderation_action`; what it does in each
linked channel is a `moderation_effect`, recorded as pending before the outbox performs it and
settled done, failed (the platform's error) or skipped (why) afterwards."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from bridge.actions import BanAction, DeleteAction, MemberSanction, UnbanAction
from bridge.events import (
    CommandInvoked,
    MemberBanned,
    MemberTimedOut,
    MemberUnbanned,
    MessageShortcut,
    ModCardClicked,
)
from bridge.groups.identity import RoleService, platform_name, safe_name
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.moderation.policy import PolicyGate
from bridge.moderation.sanctions import MoreModeration, split_purge
from bridge.music.service import MusicService
from bridge.outcome import EventHandlers, Handled, Ignored, Outcome, Reply
from bridge.ports import Clock, ModAction, Store, UserDirectory
from bridge.records import Account, FanGroup, OutboxDraft, StoredMessage

MODLOG_SIZE = 10
CANNOT_DELETE_OTHERS = {
    Platform.SLACK: "Slack bots cannot delete a person's message (a workspace admin can)",
}
NO_UNDO = {Platform.SLACK: "Slack cannot undo a kick; the person can rejoin"}
SANCTIONS: dict[str, type[MemberSanction]] = {"ban": BanAction, "unban": UnbanAction}
REFUSED = (
    "Sorry, only the group's owners and moderators, and the platform's moderators "
    "(Discord Manage Messages, Ban Members or Moderate Members; Slack workspace admins), "
    "may {what}."
)
MENTION = re.compile(r"<@!?([A-Z0-9]+)(?:\|[^>]*)?>")


def target_id(raw: str) -> str:
    """The user id a command names: ``<@123>``, ``<@U123|name>`` or the bare id."""
    mention = MENTION.fullmatch(raw.strip())
    return mention.group(1) if mention else raw.strip()


@dataclass(frozen=True, slots=True)
class BanRequest:
    group: FanGroup
    target: Account
    kind: str  # ban | unban
    actor: UserRef | None
    origin: Platform
    reason: str = ""
    covered: tuple[Platform, str] | None = None  # the workspace whose own ban already applies


class ModerationService:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        wake: Callable[[], None],
        music: MusicService | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.wake = wake
        self.music = music
        self.roles = RoleService(store)
        self.policy = PolicyGate(store, clock, wake)
        self.more = MoreModeration(self)
        # the connected platforms' adapters (the composition root's): asked whether a person a
        # command names exists before anything is recorded about them
        self.directory: Mapping[Platform, object] = {}
        self._shortcuts: dict[str, Callable[[MessageShortcut, StoredMessage], Awaitable[Reply]]] = {
            "delete_everywhere": self._delete_shortcut,
            "ban_from_group": self._ban_shortcut,
        }

    # -- delete everywhere -------------------------------------------------------------------
    async def delete_everywhere(
        self,
        message: StoredMessage,
        *,
        origin: Platform,
        actor: UserRef | None,
        reason: str = "",
    ) -> int:
        """Mark the message deleted, take its shares off the music tab, and delete every copy
        the bridge can; what it cannot delete is recorded as skipped, with why."""
        await self.store.mark_deleted(message.id, at=self.clock.now())
        if self.music is not None:
            await self.music.removed(message.id)
        member = await self._member_of(message.author)
        action = await self.store.record_action(
            group_id=message.group_id,
            kind="delete",
            target_member_id=member,
            target=str(message.author) if message.author else None,
            actor=str(actor) if actor else None,
            origin=origin,
            reason=reason,
            message_id=message.id,
            at=self.clock.now(),
        )
        drafts = []
        copies = await self.store.copies_of(message.id)
        for channel in dict.fromkeys(c.channel for c in copies):
            is_origin = any(c.is_origin for c in copies if c.channel == channel)
            why = CANNOT_DELETE_OTHERS.get(channel.platform) if is_origin else None
            effect = await self._effect(action, channel, "skipped" if why else "pending", why)
            if why is None:
                delete = DeleteAction(message_id=message.id, effect_id=effect)
                drafts.append(OutboxDraft(channel, delete))
        await self.policy.submit(message.group_id, action, origin, drafts)
        return action

    async def _member_of(self, user: UserRef | None) -> int | None:
        account = await self.store.get_account(user) if user else None
        return account.member_id if account else None

    async def _effect(
        self, action: int, channel: ChannelRef, status: str, detail: str | None
    ) -> int:
        return await self.store.add_effect(
            action, channel, status=status, detail=detail or "", at=self.clock.now()
        )

    async def _enqueue(self, drafts: Sequence[OutboxDraft]) -> None:
        if drafts:
            await self.store.enqueue(drafts, at=self.clock.now())
            self.wake()

    # -- who may moderate ----------------------------------------------------------------------
    def handlers(self) -> EventHandlers:
        """The platform moderation events, message shortcuts and suggestion-card clicks."""
        return {
            MemberBanned: self.platform_ban,
            MemberUnbanned: self.platform_ban,
            MessageShortcut: self.shortcut,
            MemberTimedOut: self.more.timed_out,
            ModCardClicked: self.policy.click,
        }

    async def may_moderate(self, group: FanGroup, user: UserRef, platform_says: bool) -> bool:
        return platform_says or await self.roles.is_moderator(group, user)

    async def _group_of(self, channel: ChannelRef) -> FanGroup | None:
        link = await self.store.link_for_channel(channel)
        return await self.store.get_group_by_id(link.group_id) if link else None

    # -- shortcuts -----------------------------------------------------------------------------
    async def shortcut(self, event: MessageShortcut) -> Outcome:
        handler = self._shortcuts.get(event.action)
        if handler is None:
            return Ignored(f"unknown shortcut {event.action}")
        group = await self._group_of(event.channel)
        copy = await self.store.find_copy(event.channel, event.message_id)
        message = await self.store.get_message(copy.message_id) if copy else None
        if group is None or message is None:
            return Reply("This message is not bridged by a Fan Group.")
        if not await self.may_moderate(group, event.actor, event.platform_moderator):
            return Reply(REFUSED.format(what="use this shortcut"))
        return await handler(event, message)

    async def _delete_shortcut(self, event: MessageShortcut, message: StoredMessage) -> Reply:
        if message.deleted_at is not None:
            return Reply("This message was already deleted everywhere.")
        action = await self.delete_everywhere(
            message, origin=event.channel.platform, actor=event.actor
        )
        return Reply(f"Deleting this message everywhere (modlog #{action}).")

    async def _ban_shortcut(self, event: MessageShortcut, message: StoredMessage) -> Reply:
        account = await self.store.get_account(message.author) if message.author else None
        group = await self.store.get_group_by_id(message.group_id)
        if account is None or group is None:
            return Reply("The bridge does not know who wrote this message.")
        request = BanRequest(group, account, "ban", event.actor, event.channel.platform)
        return await self._ban_reply(request)

    # -- bans ----------------------------------------------------------------------------------
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
        for group in await self._groups_in(event.platform, event.workspace):
            covered = (event.platform, event.workspace)
            request = BanRequest(
                group, account, kind, event.actor, event.platform, event.reason, covered
            )
            done += 1 if await self.apply(request) else 0
        if not done:
            return Ignored(f"no group to {kind} in, or nothing changed")
        return Handled(f"{kind} in {done} group(s)")

    async def _groups_in(self, platform: Platform, workspace: str) -> list[FanGroup]:
        found = []
        for group in await self.store.list_groups():
            links = await self.store.links_for_group(group.id)
            here = (lk.channel for lk in links)
            if any(c.platform is platform and c.workspace == workspace for c in here):
                found.append(group)
        return found

    async def apply(self, request: BanRequest) -> int:
        """Record the ban (or unban) and its effect in every linked channel; 0 when the member
        already is (or is not) banned: the bridge's own effects coming back end here."""
        group, member = request.group, request.target.member_id
        if await self.store.is_banned(group.id, member) == (request.kind == "ban"):
            return 0
        action = await self.store.record_action(
            group_id=group.id,
            kind=request.kind,
            target_member_id=member,
            target=str(request.target.user),
            actor=str(request.actor) if request.actor else None,
            origin=request.origin,
            reason=request.reason,
            at=self.clock.now(),
        )
        accounts = await self.store.accounts_of_member(member)
        drafts = []
        for link in await self.store.links_for_group(group.id):
            user, why = _plan(request, link.channel, accounts)
            effect = await self._effect(action, link.channel, "skipped" if why else "pending", why)
            if why is None:
                sanction = SANCTIONS[request.kind](
                    user=user,
                    group_id=group.id,
                    member_id=member,
                    reason=request.reason,
                    effect_id=effect,
                )
                drafts.append(OutboxDraft(link.channel, sanction))
        await self.policy.submit(group.id, action, request.origin, drafts)
        return action

    async def _ban_reply(self, request: BanRequest) -> Reply:
        name = safe_name(request.target.display_name)
        action = await self.apply(request)
        if not action:
            state = "already banned from" if request.kind == "ban" else "not banned from"
            return Reply(f"{name} is {state} *{request.group.name}*.")
        done = "banned from" if request.kind == "ban" else "unbanned from"
        return Reply(f"{name} is {done} *{request.group.name}* (modlog #{action}).", False)

    # -- commands ------------------------------------------------------------------------------
    async def ban_command(self, event: CommandInvoked) -> Outcome:
        return await self._ban_command(event, "ban")

    async def unban_command(self, event: CommandInvoked) -> Outcome:
        return await self._ban_command(event, "unban")

    async def _ban_command(self, event: CommandInvoked, kind: str) -> Outcome:
        group = await self._group_of(event.channel)
        if group is None:
            return Reply("This channel is not linked to a group. See `/fangroup help`.")
        if not await self.may_moderate(
            group, event.user, event.can_manage_channel or event.can_moderate
        ):
            return Reply(REFUSED.format(what=f"{kind} people from this group"))
        target = await self.existing_target(event)
        if target is None:
            return Reply(
                f"Usage: `/fangroup {kind} @user" + (" [reason]`" if kind == "ban" else "`")
            )
        if isinstance(target, Reply):
            return target
        reason = event.args.get("reason", "")
        origin = event.user.platform
        reason, purge = split_purge(reason)
        purge = purge or self.more_purge(event)
        reply = await self._ban_reply(BanRequest(group, target, kind, event.user, origin, reason))
        if kind == "ban" and purge:
            count = await self.more.purge(group, target, purge, event.user, origin)
            reply = Reply(f"{reply.text} Purged {count} message(s).", reply.ephemeral)
        return reply

    @staticmethod
    def more_purge(event: CommandInvoked) -> float | None:
        from bridge.moderation.sanctions import parse_duration

        return parse_duration(event.args.get("purge", "")) if event.args.get("purge") else None

    async def existing_target(self, event: CommandInvoked) -> Account | Reply | None:
        """The person the command names, or a refusal when their platform says there is no
        such user (nothing is recorded then); None when the command names no one."""
        user_id = target_id(event.args.get("user", ""))
        if not user_id:
            return None
        user = UserRef(event.user.platform, event.user.workspace, user_id)
        if await self._unknown_user(user):
            where = platform_name(user.platform)
            return Reply(f"There is no {where} user `{safe_name(user_id)}`. Nothing was done.")
        return await self._target(event)

    async def _unknown_user(self, user: UserRef) -> bool:
        """The user's platform says no one has this id (a platform that cannot tell now, or
        cannot be asked, does not stop the command)."""
        adapter = self.directory.get(user.platform)
        return isinstance(adapter, UserDirectory) and await adapter.user_exists(user) is False

    async def _target(self, event: CommandInvoked) -> Account | None:
        user_id = target_id(event.args.get("user", ""))
        if not user_id:
            return None
        user = UserRef(event.user.platform, event.user.workspace, user_id)
        account = await self.store.get_account(user)
        if account is not None:
            return account
        name = event.args.get("user_name") or user_id
        return await self.store.upsert_account(user=user, display_name=name)

    async def modlog_command(self, event: CommandInvoked) -> Outcome:
        group = await self._group_of(event.channel)
        if group is None:
            return Reply("This channel is not linked to a group. See `/fangroup help`.")
        if not await self.may_moderate(
            group, event.user, event.can_manage_channel or event.can_moderate
        ):
            return Reply(REFUSED.format(what="read the modlog"))
        member = None
        if event.args.get("user"):
            target = await self._target(event)
            member = target.member_id if target else None
        actions = await self.store.modlog(group.id, member_id=member, limit=MODLOG_SIZE)
        if not actions:
            return Reply(f"The modlog of *{group.name}* is empty.")
        lines = [f"Modlog of *{group.name}* (newest first):"]
        for action in actions:
            lines.extend(await self._describe(action))
        return Reply("\n".join(lines))

    async def _describe(self, action: ModAction) -> list[str]:
        target = await self._label(action.target)
        actor = await self._label(action.actor) if action.actor else "a platform moderator"
        reason = f" — “{safe_name(action.reason)}”" if action.reason else ""
        head = f"#{action.id} *{action.kind}* {target} by {actor}"
        lines = [f"{head} (from {platform_name(action.origin)}){reason}"]
        for effect in action.effects:
            where = f"{platform_name(effect.channel.platform)} {effect.channel.channel}"
            detail = f": {effect.detail}" if effect.detail else ""
            lines.append(f"    • {where} — {effect.status}{detail}")
        return lines

    async def _label(self, ref: str | None) -> str:
        """``discord:G/@123`` as the person's name and platform."""
        if not ref:
            return "someone"
        found = re.fullmatch(r"(\w+):([^/]*)/@(.+)", ref)
        if found is None or found.group(1) not in set(Platform):
            return safe_name(ref)
        user = UserRef(Platform(found.group(1)), found.group(2), found.group(3))
        account = await self.store.get_account(user)
        name = account.display_name if account else user.user
        return f"{safe_name(name)} ({platform_name(user.platform)})"


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
    for account in accounts:
        if account.user.platform is channel.platform and (
            channel.platform is Platform.DISCORD or account.user.workspace == channel.workspace
        ):
            return account.user.user, None
    return "", f"no linked {platform_name(channel.platform)} account here"
