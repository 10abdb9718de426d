"""The group's moderation settings: `/fangroup policy mirror|suggest|log` (how moderation
carries over to the other platform), `banscope channel|guild` and `kickscope channel|guild` (what
a group ban or kick is on Discord). Anyone may read a setting; owners and the platform's channel
managers may change it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bridge.events import CommandInvoked
from bridge.groups.replies import NOT_LINKED, owners_only
from bridge.moderation.context import ModerationContext
from bridge.moderation.model import Command
from bridge.moderation.policy import POLICIES
from bridge.outcome import Outcome, Reply

SCOPES = ("channel", "guild")


@dataclass(frozen=True, slots=True)
class Setting:
    name: str  # the subcommand
    key: str  # the group's settings key
    values: tuple[str, ...]  # the first is the default


SETTINGS = (
    Setting("policy", "moderation_policy", POLICIES),
    Setting("banscope", "discord_ban_scope", SCOPES),
    Setting("kickscope", "discord_kick_scope", SCOPES),
)


class ModerationSettings:
    def __init__(self, context: ModerationContext) -> None:
        self.context = context
        self.store = context.store

    def commands(self) -> dict[str, Command]:
        table = {setting.name: self._command(setting) for setting in SETTINGS}
        table["policy"] = self._policy
        return table

    async def _policy(self, event: CommandInvoked) -> Outcome:
        """`policy <value>`, and on Discord (one command for the three settings, as /fangroup
        has no room for more subcommands) its options ``banscope`` and ``kickscope`` too."""
        given = [
            (setting, value)
            for setting in SETTINGS
            if (value := event.args.get("value" if setting is SETTINGS[0] else setting.name))
        ]
        if not given:
            return await self._change(SETTINGS[0], event)
        replies = [
            await self._change(setting, replace(event, args={"value": value}))
            for setting, value in given
        ]
        texts = [r.text for r in replies if isinstance(r, Reply)]
        ephemeral = any(r.ephemeral for r in replies if isinstance(r, Reply))
        return Reply("\n".join(texts), ephemeral)

    def _command(self, setting: Setting) -> Command:
        async def handler(event: CommandInvoked) -> Outcome:
            return await self._change(setting, event)

        return handler

    async def _change(self, setting: Setting, event: CommandInvoked) -> Outcome:
        group = await self.context.group_of(event.channel)
        if group is None:
            return Reply(NOT_LINKED)
        name, values = setting.name, setting.values
        value = event.args.get("value", "").strip().lower()
        if value not in values:
            current = group.settings.get(setting.key, values[0])
            return Reply(f"{name} is {current}. Use `/fangroup {name} {'|'.join(values)}`.")
        if not await self.context.roles.may_manage(event, group):
            return Reply(owners_only(f"change the {name}"))
        await self.store.update_settings(group.id, {setting.key: value})
        return Reply(f"The {name} of *{group.name}* is now {value}.", False)
