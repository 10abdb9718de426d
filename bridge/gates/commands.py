"""`/fangroup visibility|invite|join` and the Approve / Deny buttons of a join request.

Join request cards and the platform side of an admission (the grant) go through the outbox
(kinds ``join_card`` / ``grant``, delivered by bridge/gates/delivery.py): a platform outage
delays them but loses none; the modlog's admit effects say when each channel was opened."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bridge.actions import GrantAction, JoinCardAction
from bridge.durations import describe_duration, read_duration
from bridge.events import CommandInvoked
from bridge.gates.check import (
    DEFAULT_TTL,
    DEFAULT_USES,
    MAX_USES,
    GateCheck,
    GatedStore,
    GatePort,
    JoinRequest,
)
from bridge.groups.commands import row_id
from bridge.groups.identity import hash_code, new_code, normalise_code
from bridge.groups.replies import NOT_LINKED, owners_only, platform_name, safe_name
from bridge.groups.roles import GroupRoles
from bridge.groups.usage import find_group
from bridge.ids import ChannelRef, Platform, Role, UserRef, Visibility
from bridge.outcome import Outcome, Reply
from bridge.ports import Clock
from bridge.records import FanGroup, OutboxDraft

log = logging.getLogger(__name__)
Handler = Callable[[CommandInvoked], Awaitable[Outcome]]
VISIBILITY_USAGE = "Usage: `/fangroup visibility public|invite|approval`"
INVITE_USAGE = "Usage: `/fangroup invite [uses] [expiry]` (e.g. `/fangroup invite 5 2d`)"
CODE_WORDS = {
    "unknown": "No such invite code. Ask a moderator of the group for one.",
    "expired": "This invite code has expired. Ask a moderator of the group for a new one.",
    "used": "This invite code has been used up. Ask a moderator of the group for a new one.",
}
DECISIONS = {"approve": "approved", "deny": "denied"}


class GateService:
    def __init__(
        self, store: GatedStore, clock: Clock, wake: Callable[[], None] = lambda: None
    ) -> None:
        self.store = store
        self.clock = clock
        self.wake = wake  # the outbox worker's, once cards and grants are queued
        self.roles = GroupRoles(store)
        self.check = GateCheck(store)
        self.ports: dict[Platform, GatePort] = {}  # filled once the platforms are connected

    def commands(self) -> dict[str, Handler]:
        return {"visibility": self.visibility, "invite": self.invite, "join": self.join}

    async def _group_here(self, channel: ChannelRef) -> FanGroup | None:
        link = await self.store.link_for_channel(channel)
        return await self.store.get_group_by_id(link.group_id) if link else None

    async def _member(self, user: UserRef, name: str = "") -> int:
        account = await self.store.get_account(user)
        if account is None:
            account = await self.store.upsert_account(user=user, display_name=name or user.user)
        return account.member_id

    # -- visibility --------------------------------------------------------------------------
    async def visibility(self, event: CommandInvoked) -> Outcome:
        group = await self._group_here(event.channel)
        if group is None:
            return Reply(NOT_LINKED)
        value = event.args.get("value", "").strip().lower()
        if value not in set(Visibility):
            return Reply(f"*{group.name}* is {group.visibility.value}. {VISIBILITY_USAGE}")
        if not await self.roles.may_manage(event, group):
            return Reply(owners_only("change who may join this group"))
        await self.store.set_visibility(group.id, Visibility(value))
        return Reply(f"*{group.name}* is now {value}. {_EXPLAIN[Visibility(value)]}", False)

    # -- invite codes ------------------------------------------------------------------------
    async def invite(self, event: CommandInvoked) -> Outcome:
        group = await self._group_here(event.channel)
        if group is None:
            return Reply(NOT_LINKED)
        if not (event.can_manage_channel or await self.roles.is_moderator(group, event.user)):
            return Reply("Sorry, only the group's owners and moderators may make invite codes.")
        uses_text, ttl_text = event.args.get("uses", ""), event.args.get("expiry", "")
        uses = int(uses_text) if uses_text.isdigit() else DEFAULT_USES if not uses_text else 0
        ttl = read_duration(ttl_text, bare="d") if ttl_text else DEFAULT_TTL
        if not 1 <= uses <= MAX_USES or ttl is None:
            return Reply(INVITE_USAGE)
        code, now = new_code(), self.clock.now()
        await self.store.add_invite(
            group_id=group.id,
            code_hash=hash_code(code),
            uses=uses,
            expires_at=now + ttl,
            created_by=str(event.user),
            at=now,
        )
        times = "once" if uses == 1 else f"{uses} times"
        note = "" if group.visibility is not Visibility.PUBLIC else " (the group is public now)"
        return Reply(
            f"Invite code for *{group.name}*: `{code}` — valid {times}, for "
            f"{describe_duration(ttl)}{note}. A fan joins with `/fangroup join {code}`."
        )

    # -- joining -----------------------------------------------------------------------------
    async def join(self, event: CommandInvoked) -> Outcome:
        decision = event.path[1] if len(event.path) > 1 else ""
        if decision in DECISIONS:
            return await self.decide(event, decision)
        await self._member(event.user, event.display_name)
        word = event.args.get("code", "").strip()
        named = await find_group(self.store, word)
        if word and named is None:
            return await self._join_with_code(event, normalise_code(word))
        group = named or await self._group_here(event.channel)
        if group is None:
            return Reply("Usage: `/fangroup join <code>`, or `/fangroup join` in a group's channel")
        refusal = await self._refusal(group, event.user)
        if refusal is not None:
            return refusal
        if group.visibility is Visibility.INVITE:
            return Reply(f"*{group.name}* is invite-only: ask a moderator for an invite code.")
        return await self._ask(group, event)

    async def _refusal(self, group: FanGroup, user: UserRef) -> Reply | None:
        member = await self._member(user)
        if group.visibility is Visibility.PUBLIC:
            return Reply(f"*{group.name}* is public: everyone in its channels takes part.")
        if await self.store.is_banned(group.id, member):
            return Reply(f"Sorry, you are banned from *{group.name}*.")
        if await self.check.admitted(group.id, member):
            return Reply(f"You are already a member of *{group.name}*.")
        return None

    async def _join_with_code(self, event: CommandInvoked, code: str) -> Outcome:
        known = await self.store.invite_group(hash_code(code))
        before = await self.store.get_group_by_id(known) if known else None
        refusal = await self._refusal(before, event.user) if before else None
        if refusal is not None:  # a member (or a banned fan) does not use up the code
            return refusal
        used = await self.store.use_invite(hash_code(code), at=self.clock.now())
        group = await self.store.get_group_by_id(used.group_id) if used.group_id else None
        if used.status != "ok" or group is None:
            return Reply(CODE_WORDS.get(used.status, CODE_WORDS["unknown"]))
        await self.admit(group, event.user, by=str(event.user), origin=event.user.platform)
        return Reply(f"Welcome to *{group.name}*!")

    async def _ask(self, group: FanGroup, event: CommandInvoked) -> Outcome:
        if await self.store.pending_join_request(group.id, event.user) is not None:
            return Reply(f"You already asked to join *{group.name}*; a moderator will decide.")
        request = await self.store.add_join_request(
            group_id=group.id, user=event.user, channel=event.channel, at=self.clock.now()
        )
        name = safe_name(event.display_name or event.user.user)
        text = f"{name} ({platform_name(event.user.platform)}) asks to join *{group.name}*."
        posted = await self._post_card(group, request, text)
        if not posted:
            return Reply("Your request is recorded, but no moderator channel could be reached.")
        return Reply(f"You asked to join *{group.name}*. A moderator will approve or deny it.")

    async def _post_card(self, group: FanGroup, request: JoinRequest, text: str) -> int:
        """Queue the request's card in each moderator channel; how many were queued."""
        action = JoinCardAction(request_id=request.id, text=text)
        channels = await self._card_channels(group, request.user)
        drafts = [OutboxDraft(c, action) for c in channels if c.platform in self.ports]
        await self._enqueue(drafts)
        return len(drafts)

    async def _enqueue(self, drafts: list[OutboxDraft]) -> None:
        if drafts:
            await self.store.enqueue(drafts, at=self.clock.now())
            self.wake()

    async def _card_channels(self, group: FanGroup, user: UserRef) -> list[ChannelRef]:
        """The group's moderator channels, or else its linked channels where the fan asked."""
        chosen = group.settings.get("modchannel") or {}
        found = [
            ChannelRef(Platform(p), str(spec["workspace"]), str(spec["channel"]))
            for p, spec in chosen.items()
            if p in set(Platform) and isinstance(spec, dict) and spec.get("channel")
        ]
        return found or await self._channels_of(group, user)

    async def _channels_of(self, group: FanGroup, user: UserRef) -> list[ChannelRef]:
        links = await self.store.links_for_group(group.id)
        return [
            lk.channel
            for lk in links
            if lk.channel.platform is user.platform and lk.channel.workspace == user.workspace
        ]

    # -- admission ---------------------------------------------------------------------------
    async def admit(self, group: FanGroup, user: UserRef, *, by: str, origin: Platform) -> None:
        """The fan becomes a member now; their platform lets them into the group's channels
        there through the outbox (one ``grant`` for all of them, in the first channel's queue,
        each channel a pending modlog effect until it is done)."""
        member = await self._member(user)
        await self.store.grant_role(
            group_id=group.id, member_id=member, role=Role.MEMBER, granted_by=by
        )
        action = await self._log(group, "admit", user, member, by, origin)
        channels = await self._channels_of(group, user)
        if not channels or user.platform not in self.ports:
            return
        now = self.clock.now()
        effects = [
            await self.store.add_effect(action, c, status="pending", at=now) for c in channels
        ]
        grant = GrantAction(
            group_id=group.id,
            member_id=member,
            user=user,
            channels=tuple(channels),
            effect_ids=tuple(effects),
        )
        await self._enqueue([OutboxDraft(channels[0], grant)])

    async def _log(
        self, group: FanGroup, kind: str, user: UserRef, member: int, by: str, origin: Platform
    ) -> int:
        now = self.clock.now()
        return await self.store.record_action(
            group_id=group.id,
            kind=kind,
            target_member_id=member,
            target=str(user),
            actor=by,
            origin=origin,
            at=now,
        )

    async def decide(self, event: CommandInvoked, decision: str) -> Outcome:
        """A moderator pressed Approve or Deny on a request card: the answer replaces the card
        (not ephemeral); a refusal is shown to the presser only."""
        request = await self._request(event.args.get("request", ""))
        group = await self.store.get_group_by_id(request.group_id) if request else None
        if request is None or group is None:
            return Reply("This join request no longer exists.")
        if not await self.roles.is_moderator(group, event.user):
            return Reply("Sorry, only the group's owners and moderators may decide this.")
        status, now = DECISIONS[decision], self.clock.now()
        if not await self.store.decide_join_request(
            request.id, status=status, decided_by=str(event.user), at=now
        ):
            return Reply("Another moderator has decided this request already.")
        return await self._settle(request, group, status, event)

    async def _request(self, raw: str) -> JoinRequest | None:
        """The join request a card names (None for an id no request can have)."""
        found = row_id(raw)
        return await self.store.get_join_request(found) if found is not None else None

    async def _settle(
        self, request: JoinRequest, group: FanGroup, status: str, event: CommandInvoked
    ) -> Reply:
        account = await self.store.get_account(request.user)
        fan = safe_name(account.display_name if account else request.user.user)
        moderator = safe_name(event.display_name or event.user.user)
        by, origin = str(event.user), event.user.platform
        if status == "denied":
            member = await self._member(request.user)
            await self._log(group, "deny", request.user, member, by, origin)
            text = f"❌ {fan}'s request to join *{group.name}* was denied by {moderator}."
            return Reply(text, False)
        await self.admit(group, request.user, by=by, origin=origin)
        return Reply(f"✅ {fan} was admitted to *{group.name}* by {moderator}.", False)


_EXPLAIN = {
    Visibility.PUBLIC: "Everyone in its channels takes part.",
    Visibility.INVITE: "Fans join with an invite code from `/fangroup invite`.",
    Visibility.APPROVAL: "Fans ask with `/fangroup join`; a moderator approves or denies.",
}
