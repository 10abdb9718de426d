"""Reports to moderators (issue 6): `/fangroup modchannel`, a member's report of a message
(a card in the group's moderator channel on every platform, the reporter anonymous), and the
card's buttons: delete everywhere, timeout, ban, dismiss. Acting on one card updates them all.
Cards are posted and updated through the outbox (kinds ``report_card`` / ``report_card_update``,
delivered by bridge/reports/delivery.py), so a platform outage delays them but loses
none."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any, Protocol

from bridge.actions import ReportCardAction, ReportCardUpdateAction
from bridge.events import CommandInvoked, ReportActed, ReportFiled
from bridge.groups.replies import NOT_BRIDGED, owners_only, platform_name, safe_name
from bridge.groups.roles import GroupRoles
from bridge.groups.usage import find_group
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.moderation.model import REFUSED, BanRequest, TimeoutRequest
from bridge.moderation.service import ModerationService
from bridge.outcome import EventHandlers, Outcome, Reply
from bridge.ports import Clock, MessageStore, ModerationStore, OutboxStore, RosterStore
from bridge.records import Account, FanGroup, OutboxDraft, StoredMessage
from bridge.reports.model import Report, ReportCard, ReportCards, ReportStore
from bridge.text import Document

log = logging.getLogger(__name__)

SETTING = "modchannel"
THANKS = "Thanks: the moderators were told. They will not see your name on the report."
NO_MODCHANNEL = (
    "Thanks: your report is in the modlog, but this group has no moderator channel yet "
    "(`/fangroup modchannel`)."
)
TIMEOUT_MINUTES = 10


class ReportServiceStore(RosterStore, MessageStore, OutboxStore, ModerationStore, Protocol):
    """What filing and acting on reports reads and writes (the reports themselves are in
    ``ReportStore``)."""


class ReportService:
    def __init__(
        self,
        store: ReportServiceStore,
        reports: ReportStore,
        moderation: ModerationService,
        clock: Clock,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.wake = wake  # the outbox worker's, once cards are queued
        self.reports = reports
        self.moderation = moderation
        self.clock = clock
        self.roles = GroupRoles(store)
        self.cards: dict[Platform, ReportCards] = {}
        self._actions: dict[str, Callable[[Report, ReportActed, FanGroup], Awaitable[str]]] = {
            "delete": self._delete,
            "ban": self._ban,
            "timeout": self._timeout,
            "dismiss": self._dismiss,
        }

    # -- /fangroup modchannel [group|clear] --------------------------------------------------
    async def modchannel_command(self, event: CommandInvoked) -> Outcome:
        value = event.args.get("value", "").strip()
        clear = value.lower() == "clear"
        group = await self._command_group(event, "" if clear else value)
        if group is None:
            return Reply(
                "Usage: `/fangroup modchannel <group>` in the channel moderators read "
                "(`/fangroup modchannel clear` to stop)."
            )
        if not await self.roles.may_manage(event, group):
            return Reply(owners_only("set this group's moderator channel"))
        here = event.channel
        entries = dict(group.settings.get(SETTING) or {})
        if clear:
            entries.pop(here.platform.value, None)
            await self.store.update_settings(group.id, {SETTING: entries})
            return Reply(f"*{group.name}* has no {platform_name(here.platform)} moderator channel.")
        entries[here.platform.value] = {"workspace": here.workspace, "channel": here.channel}
        await self.store.update_settings(group.id, {SETTING: entries})
        return Reply(
            f"This channel is now the {platform_name(here.platform)} moderator channel of "
            f"*{group.name}*: reports of its messages are posted here.",
            ephemeral=False,
        )

    async def _command_group(self, event: CommandInvoked, slug: str) -> FanGroup | None:
        """The group named, else the channel's own group, else the group moderated here."""
        if slug:
            return await find_group(self.store, slug)  # its slug or its name
        link = await self.store.link_for_channel(event.channel)
        if link is not None:
            return await self.store.get_group_by_id(link.group_id)
        for group in await self.store.list_groups():
            if event.channel in modchannels(group):
                return group
        return None

    # -- a member reports a message ------------------------------------------------------------
    def handlers(self) -> EventHandlers:
        """A report filed on a message, and a moderator's answer on its card."""
        return {ReportFiled: self.filed, ReportActed: self.acted}

    async def filed(self, event: ReportFiled) -> Outcome:
        link = await self.store.link_for_channel(event.channel)
        group = await self.store.get_group_by_id(link.group_id) if link else None
        copy = await self.store.find_copy(event.channel, event.message_id)
        message = await self.store.get_message(copy.message_id) if copy else None
        if group is None or message is None:
            return Reply(NOT_BRIDGED)
        action = await self.store.record_action(
            group_id=group.id,
            kind="report",
            target_member_id=await self._member_of(message.author),
            target=str(message.author) if message.author else None,
            actor=str(event.reporter),
            origin=event.channel.platform,
            reason=event.reason.strip() or "(no reason given)",
            message_id=message.id,
            at=self.clock.now(),
        )
        report = await self.reports.create_report(
            group_id=group.id,
            action_id=action,
            message_id=message.id,
            reason=event.reason.strip(),
            at=self.clock.now(),
        )
        posted = await self._post_cards(group, report)
        return Reply(THANKS if posted else NO_MODCHANNEL)

    async def _member_of(self, user: UserRef | None) -> int | None:
        account = await self.store.get_account(user) if user else None
        return account.member_id if account else None

    async def _card(self, report: Report, group: FanGroup, message: StoredMessage) -> ReportCard:
        author = await self.store.get_account(message.author) if message.author else None
        copies = await self.store.copies_of(message.id)
        return ReportCard(
            report_id=report.id,
            group_name=group.name,
            author_name=author.display_name if author else "someone",
            author_platform=message.origin.platform,
            text=_plain(message.text),
            reason=report.reason,
            copies=tuple((c.channel, c.platform_message_id) for c in copies if c.part == 0),
        )

    async def card_for(self, report: Report) -> ReportCard | None:
        """The card as it should look now (closed, without buttons, once a moderator acted)."""
        group = await self.store.get_group_by_id(report.group_id)
        message = await self.store.get_message(report.message_id)
        if group is None or message is None:
            return None
        card = await self._card(report, group, message)
        if report.status != "open":
            card = replace(card, outcome=report.outcome or report.status, actions=())
        return card

    async def _post_cards(self, group: FanGroup, report: Report) -> int:
        """Queue a card for each moderator channel (the outbox posts it, retrying through an
        outage, and records its id for the later update)."""
        action = ReportCardAction(report_id=report.id)
        channels = [c for c in modchannels(group) if c.platform in self.cards]
        await self._enqueue([OutboxDraft(c, action) for c in channels])
        return len(channels)

    async def _enqueue(self, drafts: list[OutboxDraft]) -> None:
        if drafts:
            await self.store.enqueue(drafts, at=self.clock.now())
            self.wake()

    # -- a moderator presses a card's button ---------------------------------------------------
    async def acted(self, event: ReportActed) -> Outcome:
        report = await self.reports.get_report(event.report_id)
        group = await self.store.get_group_by_id(report.group_id) if report else None
        handler = self._actions.get(event.action)
        if report is None or group is None or handler is None:
            return Reply("This report is not known to the bridge.")
        if not await self.moderation.may_moderate(group, event.actor, event.platform_moderator):
            return Reply(REFUSED.format(what="act on reports"))
        if report.status != "open":
            return Reply(f"This report was handled already: {report.outcome}")
        if not await self.reports.claim_report(
            report.id, status=event.action, by=str(event.actor), at=self.clock.now()
        ):
            return Reply("Another moderator handled this report a moment ago.")
        outcome = await handler(report, event, group)
        await self.reports.set_report_outcome(report.id, outcome, at=self.clock.now())
        await self._update_cards(report, group)
        return Reply(outcome)

    async def _moderator_name(self, event: ReportActed) -> str:
        account = await self.store.get_account(event.actor)
        return safe_name(account.display_name if account else event.actor_name or event.actor.user)

    async def _delete(self, report: Report, event: ReportActed, group: FanGroup) -> str:
        name = await self._moderator_name(event)
        message = await self.store.get_message(report.message_id)
        if message is None or message.deleted_at is not None:
            return f"✅ Already deleted everywhere (closed by {name})"
        action = await self.moderation.delete_everywhere(
            message, origin=event.channel.platform, actor=event.actor, reason=_why(report)
        )
        return f"✅ Deleted everywhere by {name} (modlog #{action})"

    async def _ban(self, report: Report, event: ReportActed, group: FanGroup) -> str:
        name = await self._moderator_name(event)
        account = await self._author_account(report)
        if account is None:
            return f"⚠️ The bridge does not know who wrote it (closed by {name})"
        request = BanRequest(
            group, account, "ban", event.actor, event.channel.platform, _why(report)
        )
        action = await self.moderation.apply(request)
        target = safe_name(account.display_name)
        if not action:
            return f"⛔ {target} was already banned (closed by {name})"
        return f"⛔ {target} banned from the group by {name} (modlog #{action})"

    async def _timeout(self, report: Report, event: ReportActed, group: FanGroup) -> str:
        name = await self._moderator_name(event)
        account = await self._author_account(report)
        if account is None:
            return f"⚠️ The bridge does not know who wrote it (closed by {name})"
        until = self.clock.now() + TIMEOUT_MINUTES * 60
        request = TimeoutRequest(
            group, account, until, event.actor, event.channel.platform, _why(report)
        )
        action = await self.moderation.apply_timeout(request)
        target = safe_name(account.display_name)
        return f"⏳ {target} timed out for {TIMEOUT_MINUTES} minutes by {name} (modlog #{action})"

    async def _author_account(self, report: Report) -> Account | None:
        message = await self.store.get_message(report.message_id)
        author = message.author if message else None
        return await self.store.get_account(author) if author else None

    async def _dismiss(self, report: Report, event: ReportActed, group: FanGroup) -> str:
        return f"🗑️ Dismissed by {await self._moderator_name(event)}"

    async def _update_cards(self, report: Report, group: FanGroup) -> None:
        """Queue an update in every channel that has (or is about to have) the card: queued
        behind the card's own post in that channel, it finds the card's id recorded."""
        channels = {ref.channel for ref in await self.reports.report_cards(report.id)}
        channels |= set(modchannels(group))
        action = ReportCardUpdateAction(report_id=report.id)
        ordered = sorted((c for c in channels if c.platform in self.cards), key=str)
        await self._enqueue([OutboxDraft(c, action) for c in ordered])


def _plain(stored: str) -> str:
    """The message as a reader sees it, without formatting (mentions by name)."""
    try:
        return Document.from_json(stored).plain()
    except (ValueError, TypeError, KeyError):
        return stored


def _why(report: Report) -> str:
    return f"report #{report.id}"


def modchannels(group: FanGroup) -> list[ChannelRef]:
    """The group's moderator channels, one per platform."""
    entries: Mapping[str, Any] = group.settings.get(SETTING) or {}
    found = []
    for platform, where in entries.items():
        if platform in set(Platform) and isinstance(where, dict):
            found.append(
                ChannelRef(Platform(platform), str(where["workspace"]), str(where["channel"]))
            )
    return found
