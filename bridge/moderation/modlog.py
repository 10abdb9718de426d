"""`/fangroup modlog [@user]`: the group's last moderation actions, newest first, each with what
it did in every linked channel (done, failed with the platform's error, skipped with why)."""

from __future__ import annotations

import re

from bridge.events import CommandInvoked
from bridge.groups.replies import platform_name, safe_name
from bridge.ids import Platform, UserRef
from bridge.moderation.context import ModerationContext
from bridge.moderation.model import Command
from bridge.outcome import Outcome, Reply
from bridge.ports import ModAction

MODLOG_SIZE = 10
ACCOUNT_REF = re.compile(r"(\w+):([^/]*)/@(.+)")  # how the modlog names an account


class Modlog:
    def __init__(self, context: ModerationContext) -> None:
        self.context = context
        self.store = context.store

    def commands(self) -> dict[str, Command]:
        return {"modlog": self.modlog_command}

    async def modlog_command(self, event: CommandInvoked) -> Outcome:
        group = await self.context.moderating(event, "read the modlog")
        if isinstance(group, Reply):
            return group
        member = None
        if event.args.get("user"):
            target = await self.context.target(event)
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
        found = ACCOUNT_REF.fullmatch(ref)
        if found is None or found.group(1) not in set(Platform):
            return safe_name(ref)
        user = UserRef(Platform(found.group(1)), found.group(2), found.group(3))
        account = await self.store.get_account(user)
        name = account.display_name if account else user.user
        return f"{safe_name(name)} ({platform_name(user.platform)})"
