"""The relay: posts, edits, deletes and reactions become a canonical message and outbox actions
for every sibling channel of the group."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from bridge.actions import DeleteAction, EditAction, Placement, PostAction, ReactAction
from bridge.errors import CopyExists
from bridge.events import MessageDeleted, MessageEdited, MessagePosted, ReactionChanged
from bridge.gates.check import GateCheck
from bridge.ids import ChannelRef, MessageCopy
from bridge.moderation.service import ModerationService
from bridge.music.service import MusicService
from bridge.outcome import EventHandlers, Handled, Ignored, Outcome
from bridge.pipeline.commit import GroupCommit
from bridge.pipeline.handoff import Handoff
from bridge.ports import (
    Clock,
    MessageStore,
    ModerationStore,
    OutboxStore,
    ReactionStore,
    RosterStore,
    TimeoutStore,
)
from bridge.records import ChannelLink, MessageDraft, OutboxDraft, Recorded, SongMoment
from bridge.text import Emoji

log = logging.getLogger(__name__)
SETTLE_TIMEOUT = 10.0  # seconds a reaction waits for the copy it is on to be recorded


def emoji_key(emoji: Emoji) -> str:
    return (emoji.custom_id and f"custom:{emoji.name}") or emoji.unicode or emoji.name


class Moments(Protocol):
    """Timed comments (bridge.party.moments): the song a message falls in, recorded with it."""

    async def moment_at(self, group_id: int, platform: str, at: float) -> SongMoment | None: ...

    def recorded(self, group_id: int) -> None: ...


class RelayStore(
    RosterStore,
    MessageStore,
    OutboxStore,
    ReactionStore,
    ModerationStore,
    TimeoutStore,
    Protocol,
):
    """What relaying reads and writes, with the moderation service and the join gates it asks
    (bans, timeouts, admissions): everything but identity links, music, events and Spotify."""


class RelayService:
    def __init__(
        self,
        store: RelayStore,
        clock: Clock,
        wake: Callable[[], None],
        music: MusicService | None = None,
        *,
        handoff: Handoff | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.wake = wake
        self.music = music
        self.moderation = ModerationService(store, clock, wake, music)
        self.gates = GateCheck(store)  # join gates: invite / approval groups
        self.handoff = handoff  # the worker of this process, when it takes items in memory
        self.recorder: GroupCommit[MessageDraft, Recorded | None] = GroupCommit(self._record)
        self.moments: Moments | None = None  # timed comments: the party's song and position

    def handlers(self) -> EventHandlers:
        """The events the relay handles (merged into the router's table by the composition
        root)."""
        return {
            MessagePosted: self.posted,
            MessageEdited: self.edited,
            MessageDeleted: self.deleted,
            ReactionChanged: self.reaction,
        }

    async def _targets(self, origin: ChannelRef) -> tuple[ChannelLink | None, list[ChannelLink]]:
        link = await self.store.link_for_channel(origin)
        if link is None:
            return None, []
        links = await self.store.links_for_group(link.group_id)
        return link, [lk for lk in links if lk.channel != origin and lk.direction.receives]

    async def posted(self, event: MessagePosted) -> Outcome:
        link, targets = await self._targets(event.channel)
        if link is None:
            return Ignored("channel is not linked")
        if not link.direction.sends:
            return Ignored("channel only receives")
        account = await self.store.upsert_account(
            user=event.author.user,
            display_name=event.author.display_name,
            avatar_url=event.author.avatar_url,
        )
        if await self.store.is_banned(link.group_id, account.member_id):
            return Ignored("the author is banned from the group")
        if await self.moderation.is_timed_out(link.group_id, account.member_id):
            return Ignored("the author is timed out in the group")
        if not await self.gates.admitted(link.group_id, account.member_id):
            return Ignored("the author is not admitted to the gated group")
        parent_id, style = await self._parent(event)
        placement = Placement(parent_id, style) if parent_id is not None else None
        action = PostAction(attachments=event.attachments, placement=placement)
        drafts = tuple(OutboxDraft(t.channel, action) for t in targets)
        moment = await self._moment(link.group_id, event)
        draft = MessageDraft(
            group_id=link.group_id,
            author=event.author.user,
            origin=event.channel,
            origin_message_id=event.message_id,
            text=event.text.to_json(),
            parent_id=parent_id,
            fanout=drafts,
            thread_id=event.thread_root,
            posted_at=event.at or None,
            moment=moment,
        )
        try:
            recorded = await self.recorder.submit(draft)  # one transaction with its neighbours
        except CopyExists:
            recorded = None
        if recorded is None:
            return Ignored("message already relayed")
        self._deliver(recorded, len(drafts))
        await self._music_shared(event, link.group_id, recorded.message.id)
        if moment is not None and self.moments is not None:
            self.moments.recorded(link.group_id)
        return Handled(f"relayed to {len(drafts)} channel(s)")

    async def _moment(self, group_id: int, event: MessagePosted) -> SongMoment | None:
        if self.moments is None:
            return None
        at = event.at or self.clock.now()
        return await self.moments.moment_at(group_id, event.channel.platform.value, at)

    async def _record(self, drafts: Sequence[MessageDraft]) -> list[Recorded | None]:
        lease = self.handoff.lease() if self.handoff is not None else None
        return await self.store.record_messages(drafts, lease=lease)

    def _deliver(self, recorded: Recorded, items: int) -> None:
        """Items recorded claimed go to the worker in memory; the others wait for its claim."""
        if recorded.claimed and self.handoff is not None:
            self.handoff.deliver_now(recorded.claimed)
        if len(recorded.claimed) < items:
            self.wake()

    async def _music_shared(self, event: MessagePosted, group_id: int, message_id: int) -> None:
        """Record music shares; a failure here never holds up the relay itself."""
        if self.music is None:
            return
        try:
            await self.music.shared(event, group_id=group_id, message_id=message_id)
        except Exception:  # music is best effort next to the message
            log.exception("recording music shares of message %d failed", message_id)

    async def _parent(self, event: MessagePosted) -> tuple[int | None, str]:
        """The canonical thread root this message answers, and how: "thread" or "reply"."""
        parent_pid = event.thread_root or event.reply_to
        if parent_pid is None:
            return None, ""
        copy = await self.store.find_copy(event.channel, parent_pid)
        if copy is None:
            return None, ""
        parent = await self.store.get_message(copy.message_id)
        if parent is None:
            return None, ""
        root = parent.parent_id or parent.id
        return root, "thread" if event.thread_root else "reply"

    async def edited(self, event: MessageEdited) -> Outcome:
        copy = await self.store.find_copy(event.channel, event.message_id)
        if copy is None or not copy.is_origin:
            return Ignored("not a relayed origin message")
        message = await self.store.get_message(copy.message_id)
        if message is None or message.deleted_at is not None:
            return Ignored("message is deleted")
        text = event.text.to_json()
        if text == message.text:
            return Ignored("text unchanged")
        await self.store.mark_edited(message.id, text=text, at=self.clock.now())
        return await self._fan_out(event.channel, EditAction(message_id=message.id))

    async def deleted(self, event: MessageDeleted) -> Outcome:
        copy = await self.store.find_copy(event.channel, event.message_id)
        if copy is None:
            return Ignored("unknown message")
        message = await self.store.get_message(copy.message_id)
        if message is None or message.deleted_at is not None:
            return Ignored("already deleted")
        if not copy.is_origin:  # only a moderator can delete a relayed copy: delete everywhere
            origin = event.channel.platform
            await self.moderation.delete_everywhere(message, origin=origin, actor=event.actor)
            return Handled("a moderator deleted a copy: deleted everywhere")
        await self.store.mark_deleted(message.id, at=self.clock.now())
        if self.music is not None:
            await self.music.removed(message.id)
        return await self._fan_out(event.channel, DeleteAction(message_id=message.id))

    async def _fan_out(self, origin: ChannelRef, action: EditAction | DeleteAction) -> Outcome:
        _, targets = await self._targets(origin)
        drafts = [OutboxDraft(t.channel, action) for t in targets]
        await self.store.enqueue(drafts, at=self.clock.now())
        self.wake()
        return Handled(f"{action.kind} to {len(drafts)} channel(s)")

    async def _copy_reacted_to(self, event: ReactionChanged) -> MessageCopy | None:
        """The copy a reaction is on. A fan may react to a copy the moment it shows, before
        its delivery is recorded: a copy not found yet is looked for again once this process's
        deliveries into that channel are recorded."""
        copy = await self.store.find_copy(event.channel, event.message_id)
        if copy is None and self.handoff is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(SETTLE_TIMEOUT):
                    await self.handoff.settled(event.channel)
            copy = await self.store.find_copy(event.channel, event.message_id)
        return copy

    async def reaction(self, event: ReactionChanged) -> Outcome:
        copy = await self._copy_reacted_to(event)
        if copy is None:
            return Ignored("unknown message")
        key = emoji_key(event.emoji)
        before = await self.store.reaction_channels(copy.message_id, key)
        changed = await self.store.set_reaction(
            message_id=copy.message_id,
            emoji=key,
            emoji_json=_emoji_json(event.emoji),
            user=event.user,
            channel=event.channel,
            add=event.added,
        )
        if not changed:
            return Ignored("reaction unchanged")
        after = await self.store.reaction_channels(copy.message_id, key)
        drafts = await self._reaction_drafts(copy, event.emoji, before, after)
        await self.store.enqueue(drafts, at=self.clock.now())
        self.wake()
        return Handled(f"reaction mirrored to {len(drafts)} channel(s)")

    async def _reaction_drafts(
        self, copy: MessageCopy, emoji: Emoji, before: set[ChannelRef], after: set[ChannelRef]
    ) -> list[OutboxDraft]:
        """The bot shows an emoji in channel C while someone outside C has it."""
        channels = {c.channel for c in await self.store.copies_of(copy.message_id)}
        drafts = []
        for channel in sorted(channels, key=str):
            had = bool(before - {channel})
            has = bool(after - {channel})
            if had != has:
                action = ReactAction(message_id=copy.message_id, emoji=emoji, add=has)
                drafts.append(OutboxDraft(channel, action))
        return drafts


def _emoji_dict(emoji: Emoji) -> dict[str, str]:
    return {"name": emoji.name, "unicode": emoji.unicode, "custom_id": emoji.custom_id}


def _emoji_json(emoji: Emoji) -> str:
    import json

    return json.dumps(_emoji_dict(emoji))
