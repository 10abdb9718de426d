"""Reactions made or lost while the bridge was not listening, for one copy read back from the
history: first the bot's own mirrors are put right (an emoji someone elsewhere has but the bot
does not show here, e.g. one that waited for a free slot when the bridge stopped; or one it
still shows for nobody), then people's reactions here are compared with those recorded and each
difference goes through the pipeline as the live event it would have been."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from bridge.actions import ReactAction
from bridge.events import ReactionChanged
from bridge.ids import ChannelRef, MessageCopy, UserRef
from bridge.pipeline.catchup.model import (
    CatchUpStore,
    HistoryReader,
    SeenMessage,
    SeenReaction,
    StoredReaction,
)
from bridge.ports import Clock
from bridge.records import OutboxDraft
from bridge.relay.service import emoji_key
from bridge.text import Emoji

Feed = Callable[[ReactionChanged], Awaitable[None]]


class ReactionCheck:
    def __init__(
        self, *, store: CatchUpStore, clock: Clock, wake: Callable[[], None], feed: Feed
    ) -> None:
        self.store = store
        self.clock = clock
        self.wake = wake
        self.feed = feed

    async def copy(
        self, reader: HistoryReader, channel: ChannelRef, seen: SeenMessage, copy: MessageCopy
    ) -> None:
        stored = await self.store.reactions_of(copy.message_id)
        await self._mirrors(channel, seen, copy, stored)
        await self._people(reader, channel, seen, stored)

    async def _mirrors(
        self,
        channel: ChannelRef,
        seen: SeenMessage,
        copy: MessageCopy,
        stored: list[StoredReaction],
    ) -> None:
        """The bot shows an emoji in ``channel`` while someone outside it has the emoji: one
        it does not show (a mirror that waited for a free slot, or whose delivery was lost) is
        added. Mirrors of reactions taken back meanwhile leave through the people's check."""
        wanted = {_plain(r.key): (r.key, r.emoji_json) for r in stored if r.channel != channel}
        shown = {_plain(emoji_key(r.emoji)) for r in seen.reactions if r.mine}
        drafts = [
            _react(channel, copy.message_id, _emoji(raw, key), add=True)
            for plain, (key, raw) in sorted(wanted.items())
            if plain not in shown
        ]
        if drafts:
            await self.store.enqueue(drafts, at=self.clock.now())
            self.wake()

    async def _people(
        self,
        reader: HistoryReader,
        channel: ChannelRef,
        seen: SeenMessage,
        stored: list[StoredReaction],
    ) -> None:
        here: dict[str, set[str]] = {}
        jsons: dict[str, str] = {}
        for r in stored:
            if r.channel == channel:
                here.setdefault(r.key, set()).add(r.user)
                jsons[r.key] = r.emoji_json
        shown = {emoji_key(r.emoji): r for r in seen.reactions if r.count > 0}
        for key in sorted(set(here) | set(shown)):
            had = here.get(key, set())
            reaction = shown.get(key)
            has = await _who(reader, channel, seen, reaction, had)
            emoji = reaction.emoji if reaction else _emoji(jsons.get(key, ""), key)
            changes = [(u, True) for u in sorted(has - had)] + [
                (u, False) for u in sorted(had - has)
            ]
            for user, added in changes:
                person = UserRef(channel.platform, channel.workspace, user)
                await self.feed(ReactionChanged("", channel, seen.message_id, person, emoji, added))


async def _who(
    reader: HistoryReader,
    channel: ChannelRef,
    seen: SeenMessage,
    reaction: SeenReaction | None,
    had: set[str],
) -> set[str]:
    if reaction is None:
        return set()
    if reaction.users is not None:
        return set(reaction.users)
    if reaction.count == len(had):
        return set(had)  # the same number of people: no need to ask who
    return set(await reader.reaction_users(channel, seen, reaction.emoji))


def _plain(key: str) -> str:
    """Emoji keys compared without variation selectors (❤ and ❤️ are one emoji)."""
    return key.replace("\ufe0f", "").replace("\ufe0e", "")


def _emoji(raw: str, key: str) -> Emoji:
    data = json.loads(raw) if raw else {}
    return Emoji(
        name=str(data.get("name") or key),
        unicode=str(data.get("unicode") or ""),
        custom_id=str(data.get("custom_id") or ""),
    )


def _react(channel: ChannelRef, message_id: int, emoji: Emoji, *, add: bool) -> OutboxDraft:
    return OutboxDraft(channel, ReactAction(message_id=message_id, emoji=emoji, add=add))
