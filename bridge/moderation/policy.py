"""A group's moderation policy decides what a moderation action's effects do (DESIGN §4):
``mirror`` performs them, ``log`` only records them (each effect skipped: policy log), and
``suggest`` performs them on the platform the action came from and posts a card with "Apply" /
"Dismiss" on every other platform, whose moderators decide. The group's ``discord_ban_scope``
(channel | guild) decides whether a group ban on Discord is a channel overwrite or a guild ban.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from bridge.actions import (
    BanAction,
    EffectAction,
    GuildBanAction,
    GuildUnbanAction,
    MemberSanction,
    ModCardAction,
    SuggestedEffect,
    UnbanAction,
)
from bridge.events import ModCardClicked
from bridge.groups.replies import platform_name, safe_name
from bridge.groups.roles import GroupRoles
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.moderation.model import REFUSED
from bridge.outcome import Handled, Outcome, Reply
from bridge.ports import Clock, ModerationStore, OutboxStore, RosterStore
from bridge.records import FanGroup, OutboxDraft

POLICIES = ("mirror", "suggest", "log")
SUGGESTED = "suggested"
GUILD_WIDE: dict[type[MemberSanction], type[MemberSanction]] = {
    BanAction: GuildBanAction,
    UnbanAction: GuildUnbanAction,
}


def policy_of(group: FanGroup) -> str:
    value = str(group.settings.get("moderation_policy", "mirror"))
    return value if value in POLICIES else "mirror"


class PolicyStore(RosterStore, OutboxStore, ModerationStore, Protocol):
    """What the policy gate reads and writes: the group's links and moderators, the effects it
    queues or settles, the modlog its cards show."""


class PolicyGate:
    def __init__(self, store: PolicyStore, clock: Clock, wake: Callable[[], None]) -> None:
        self.store = store
        self.clock = clock
        self.wake = wake
        self.roles = GroupRoles(store)

    async def submit(
        self, group_id: int, action: int, origin: Platform, drafts: Sequence[OutboxDraft]
    ) -> None:
        """Carry out (or not) the effects ``drafts`` of modlog action ``action``."""
        group = await self.store.get_group_by_id(group_id)
        if group is None or not drafts:
            return
        drafts = _scoped(group, drafts)
        policy = policy_of(group)
        if policy == "log":
            for draft in drafts:
                await self._settle(draft, "skipped", "policy log")
            return
        now = [d for d in drafts if policy == "mirror" or d.target.platform is origin]
        await self._enqueue(now)
        later: dict[Platform, list[OutboxDraft]] = {}
        for draft in drafts:
            if draft not in now:
                later.setdefault(draft.target.platform, []).append(draft)
        for platform, waiting in later.items():
            await self._suggest(group, action, platform, waiting)

    async def _settle(self, draft: OutboxDraft, status: str, detail: str) -> None:
        effect = _effect_of(draft)
        if effect is not None:
            await self.store.set_effect(effect, status=status, detail=detail, at=self.now())

    def now(self) -> float:
        return self.clock.now()

    async def _enqueue(self, drafts: Sequence[OutboxDraft]) -> None:
        if drafts:
            await self.store.enqueue(drafts, at=self.now())
            self.wake()

    async def _suggest(
        self, group: FanGroup, action: int, platform: Platform, drafts: list[OutboxDraft]
    ) -> None:
        where = f"waiting for a {platform_name(platform)} moderator (policy suggest)"
        for draft in drafts:
            await self._settle(draft, SUGGESTED, where)
        text = await self._card_text(group, action, platform)
        effects = tuple(SuggestedEffect(d.target, d.action) for d in drafts)
        card = ModCardAction(text=text, group_id=group.id, effects=effects)
        cards = [OutboxDraft(c, card) for c in await self._card_channels(group, platform)]
        await self._enqueue(cards)

    async def _card_channels(self, group: FanGroup, platform: Platform) -> list[ChannelRef]:
        chosen = (group.settings.get("modchannel") or {}).get(platform.value)
        if isinstance(chosen, dict) and chosen.get("channel"):
            return [ChannelRef(platform, str(chosen.get("workspace", "")), str(chosen["channel"]))]
        links = await self.store.links_for_group(group.id)
        return [lk.channel for lk in links if lk.channel.platform is platform]

    async def _card_text(self, group: FanGroup, action_id: int, platform: Platform) -> str:
        found = [a for a in await self.store.modlog(group.id, limit=20) if a.id == action_id]
        if not found:
            return (
                f"Moderation suggestion for *{group.name}*: apply it on {platform_name(platform)}?"
            )
        action = found[0]
        target = await self.roles_label(action.target)
        reason = f" — “{safe_name(action.reason)}”" if action.reason else ""
        return (
            f"Moderation suggestion for *{group.name}* (modlog #{action.id}): *{action.kind}* "
            f"{target}, from {platform_name(action.origin)}{reason}. "
            f"Apply it on {platform_name(platform)}?"
        )

    async def roles_label(self, ref: str | None) -> str:
        if not ref:
            return "someone"
        platform, _, rest = ref.partition(":")
        workspace, _, user = rest.partition("/@")
        if platform not in set(Platform):
            return safe_name(ref)
        account = await self.store.get_account(UserRef(Platform(platform), workspace, user))
        return safe_name(account.display_name if account else user)

    # -- the card's buttons ----------------------------------------------------------------
    async def click(self, event: ModCardClicked) -> Outcome:
        item = await self.store.get_outbox_item(event.card)
        card = item.action if item is not None else None
        if not isinstance(card, ModCardAction):
            return Reply("This suggestion is no longer known.")
        group = await self.store.get_group_by_id(card.group_id)
        if group is None:
            return Reply("This suggestion's group no longer exists.")
        allowed = event.platform_moderator or await self.roles.is_moderator(group, event.user)
        if not allowed:
            return Reply(REFUSED.format(what="apply or dismiss this"))
        text = card.text
        drafts = [OutboxDraft(e.target, e.action) for e in card.effects]
        if not await self._waiting(drafts):
            return Handled(f"{text}\n(already decided)")
        who = await self.roles_label(str(event.user))
        if event.choice == "apply":
            for draft in drafts:
                await self._settle(draft, "pending", "")
            await self._enqueue(drafts)
            return Handled(f"{text}\n✅ Applied by {who}.")
        for draft in drafts:
            await self._settle(draft, "skipped", f"dismissed by {event.user}")
        return Handled(f"{text}\n✖ Dismissed by {who}.")

    async def _waiting(self, drafts: Sequence[OutboxDraft]) -> bool:
        for draft in drafts:
            effect = await self.store.get_effect(_effect_of(draft) or 0)
            if effect is not None and effect.status == SUGGESTED:
                return True
        return False


def _scoped(group: FanGroup, drafts: Sequence[OutboxDraft]) -> list[OutboxDraft]:
    """With ``discord_ban_scope = "guild"``, a group ban on Discord is a guild ban."""
    if group.settings.get("discord_ban_scope") != "guild":
        return list(drafts)
    out = []
    for draft in drafts:
        action = draft.action
        if draft.target.platform is Platform.DISCORD and isinstance(action, MemberSanction):
            wide = GUILD_WIDE.get(type(action))
            draft = OutboxDraft(draft.target, action.as_kind(wide)) if wide else draft
        out.append(draft)
    return out


def _effect_of(draft: OutboxDraft) -> int | None:
    action = draft.action
    return action.effect_id if isinstance(action, EffectAction) else None
