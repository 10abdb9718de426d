"""`/fangroup digest weekly <day> <HH:MM>`, `/fangroup digest off` and `/fangroup digest` (the
setting) from either platform. The time is in the caller's zone: the one they chose with
`/announce zone`, else their platform profile's (Slack's, passed as the ``zone`` option), else the
bridge's default. Anyone may read the setting; the group's owners and the platform's channel
managers change it."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

from bridge.announce.when import Due, WhenError, zone_named
from bridge.digests.schedule import KEY, ScheduleError, next_due, parse_setting, setting_of
from bridge.digests.service import DigestService
from bridge.events import CommandInvoked
from bridge.groups.replies import NOT_LINKED, owners_only
from bridge.groups.roles import GroupRoles
from bridge.ids import UserRef
from bridge.outcome import Outcome, Reply
from bridge.party.commands import ZoneOf
from bridge.records import FanGroup

USAGE = (
    "Usage: `/fangroup digest weekly <day> <HH:MM>` (in your time zone), `/fangroup digest off`, "
    "or `/fangroup digest` to see the setting."
)
Page = Callable[[str], str | None]  # group slug -> its public page (None without one)


class DigestCommands:
    def __init__(
        self, service: DigestService, *, zones: ZoneOf, default_zone: str = "UTC", page: Page
    ) -> None:
        self.service = service
        self.store = service.store
        self.zones = zones
        self.default_zone = default_zone
        self.page = page
        self.roles = GroupRoles(service.store)

    def commands(self) -> dict[str, Callable[[CommandInvoked], Awaitable[Outcome]]]:
        return {"digest": self.digest}

    async def digest(self, event: CommandInvoked) -> Outcome:
        sub = event.path[1] if len(event.path) > 1 else "show"
        link = await self.store.link_for_channel(event.channel)
        group = await self.store.get_group_by_id(link.group_id) if link else None
        if group is None:
            return Reply(NOT_LINKED)
        if sub == "show":
            return Reply(self._shown(group))
        if sub not in ("weekly", "off"):
            return Reply(USAGE)
        if not await self.roles.may_manage(event, group):
            return Reply(owners_only("change the digest"))
        return await (self._weekly(event, group) if sub == "weekly" else self._off(group))

    def _shown(self, group: FanGroup) -> str:
        setting = setting_of(group.settings)
        archive = self.page(group.slug)
        where = f" Past digests: {archive}/digests" if archive else ""
        if setting is None:
            return f"*{group.name}* has no weekly digest. {USAGE}{where}"
        return f"*{group.name}*'s digest is posted {setting.describe()}.{where}"

    async def _weekly(self, event: CommandInvoked, group: FanGroup) -> Outcome:
        day, clock = event.args.get("day", ""), event.args.get("time", "")
        if not day or not clock:
            return Reply(USAGE)
        zone = await self._zone(event.user, event.args.get("zone", ""))
        now = self.service.clock.now()
        try:
            setting = parse_setting(day, clock, zone=zone, now=now)
        except ScheduleError as exc:
            return Reply(str(exc))
        await self.store.update_settings(group.id, {KEY: setting.to_json()})
        self.service.changed()
        first = Due(next_due(setting, now), zone).describe()
        return Reply(
            f"The weekly digest of *{group.name}* is posted {setting.describe()} in every "
            f"linked channel; the next one on {first}.",
            ephemeral=False,
        )

    async def _off(self, group: FanGroup) -> Outcome:
        await self.store.update_settings(group.id, {KEY: None})
        self.service.changed()
        return Reply(f"No more weekly digests in *{group.name}*.", ephemeral=False)

    async def _zone(self, user: UserRef, profile: str) -> str:
        for zone in (await self.zones.member_zone(user), profile):
            if zone:
                with contextlib.suppress(WhenError):
                    zone_named(zone)
                    return zone
        return self.default_zone
