"""Delete everywhere: a message deleted by a moderator (a shortcut, a report, a purge, or its
deletion on a platform) is marked deleted, leaves the music tab, and every copy the bridge can
delete is deleted; what it cannot delete is recorded as skipped, with why."""

from __future__ import annotations

from bridge.actions import DeleteAction
from bridge.ids import Platform, UserRef
from bridge.moderation.context import ModerationContext
from bridge.music.service import MusicService
from bridge.records import OutboxDraft, StoredMessage

CANNOT_DELETE_OTHERS = {
    Platform.SLACK: "Slack bots cannot delete a person's message (a workspace admin can)",
}


class Deletes:
    def __init__(self, context: ModerationContext, music: MusicService | None = None) -> None:
        self.context = context
        self.store = context.store
        self.clock = context.clock
        self.music = music

    async def delete_everywhere(
        self,
        message: StoredMessage,
        *,
        origin: Platform,
        actor: UserRef | None,
        reason: str = "",
    ) -> int:
        """Mark the message deleted, take its shares off the music tab, and delete every copy
        the bridge can; the modlog action's id."""
        await self.store.mark_deleted(message.id, at=self.clock.now())
        if self.music is not None:
            await self.music.removed(message.id)
        action = await self.store.record_action(
            group_id=message.group_id,
            kind="delete",
            target_member_id=await self._member_of(message.author),
            target=str(message.author) if message.author else None,
            actor=str(actor) if actor else None,
            origin=origin,
            reason=reason,
            message_id=message.id,
            at=self.clock.now(),
        )
        drafts = await self._drafts(message, action)
        await self.context.policy.submit(message.group_id, action, origin, drafts)
        return action

    async def _drafts(self, message: StoredMessage, action: int) -> list[OutboxDraft]:
        drafts = []
        copies = await self.store.copies_of(message.id)
        for channel in dict.fromkeys(c.channel for c in copies):
            is_origin = any(c.is_origin for c in copies if c.channel == channel)
            why = CANNOT_DELETE_OTHERS.get(channel.platform) if is_origin else None
            status = "skipped" if why else "pending"
            effect = await self.context.effect(action, channel, status, why)
            if why is None:
                delete = DeleteAction(message_id=message.id, effect_id=effect)
                drafts.append(OutboxDraft(channel, delete))
        return drafts

    async def _member_of(self, user: UserRef | None) -> int | None:
        account = await self.store.get_account(user) if user else None
        return account.member_id if account else None
