"""What every moderation part works with: the store, the clock, the policy gate, the platforms'
directories of users, and the steps each moderation command starts with (the channel's group,
may the caller moderate it, who does the command name) and ends with (a modlog action and its
effect in each channel)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from bridge.events import CommandInvoked
from bridge.groups.mentions import target_id
from bridge.groups.replies import NOT_LINKED, platform_name, safe_name
from bridge.groups.roles import GroupRoles
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.moderation.model import REFUSED
from bridge.moderation.policy import PolicyGate
from bridge.outcome import Reply
from bridge.ports import (
    Clock,
    MessageStore,
    ModerationStore,
    OutboxStore,
    RosterStore,
    TimeoutStore,
    UserDirectory,
)
from bridge.records import Account, FanGroup


class ModeratorStore(
    RosterStore, MessageStore, OutboxStore, ModerationStore, TimeoutStore, Protocol
):
    """What moderating reads and writes: the group and its people, the messages deleted
    everywhere, the effects queued, the modlog, the timeouts."""


class ModerationContext:
    def __init__(self, store: ModeratorStore, clock: Clock, policy: PolicyGate) -> None:
        self.store = store
        self.clock = clock
        self.policy = policy
        self.roles = GroupRoles(store)
        # the connected platforms' adapters (the composition root's): asked whether a person a
        # command names exists before anything is recorded about them
        self.directory: Mapping[Platform, object] = {}

    # -- where and who -------------------------------------------------------------------------
    async def group_of(self, channel: ChannelRef) -> FanGroup | None:
        link = await self.store.link_for_channel(channel)
        return await self.store.get_group_by_id(link.group_id) if link else None

    async def groups_in(self, platform: Platform, workspace: str) -> list[FanGroup]:
        """Every group with a channel in this workspace (a Discord guild, a Slack team)."""
        return await self.store.groups_in_workspace(platform, workspace)

    async def may_moderate(self, group: FanGroup, user: UserRef, platform_says: bool) -> bool:
        return platform_says or await self.roles.is_moderator(group, user)

    async def moderating(self, event: CommandInvoked, what: str) -> FanGroup | Reply:
        """The channel's group when the caller may moderate it (the group's owners and
        moderators, the platform's moderators), else the reply that says why not."""
        group = await self.group_of(event.channel)
        if group is None:
            return Reply(NOT_LINKED)
        platform_says = event.can_manage_channel or event.can_moderate
        if not await self.may_moderate(group, event.user, platform_says):
            return Reply(REFUSED.format(what=what))
        return group

    async def moderated(
        self, event: CommandInvoked, what: str, usage: str
    ) -> tuple[FanGroup, Account] | Reply:
        """The channel's group and the person the command names, or the reply that stops it:
        no group here, a caller who may not ``what``, no one named (``usage``), no such user."""
        group = await self.moderating(event, what)
        if isinstance(group, Reply):
            return group
        target = await self.existing_target(event)
        if target is None:
            return Reply(usage)
        if isinstance(target, Reply):
            return target
        return group, target

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
        return await self.target(event)

    async def _unknown_user(self, user: UserRef) -> bool:
        """The user's platform says no one has this id (a platform that cannot tell now, or
        cannot be asked, does not stop the command)."""
        adapter = self.directory.get(user.platform)
        return isinstance(adapter, UserDirectory) and await adapter.user_exists(user) is False

    async def target(self, event: CommandInvoked) -> Account | None:
        """The account the command names (known to the bridge from now on); None for no one."""
        user_id = target_id(event.args.get("user", ""))
        if not user_id:
            return None
        user = UserRef(event.user.platform, event.user.workspace, user_id)
        account = await self.store.get_account(user)
        if account is not None:
            return account
        name = event.args.get("user_name") or user_id
        return await self.store.upsert_account(user=user, display_name=name)

    # -- the modlog ----------------------------------------------------------------------------
    async def record(
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

    async def effect(
        self, action: int, channel: ChannelRef, status: str, detail: str | None
    ) -> int:
        return await self.store.add_effect(
            action, channel, status=status, detail=detail or "", at=self.clock.now()
        )
