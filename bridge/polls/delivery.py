"""The outbox's poll cards and results. Each names the poll; the card is drawn when it is sent,
from the poll and its tally as they are then (so a card queued before ten votes shows the ten).
Cards go through the platform's PollCards port; the card's platform id is kept, and every later
redraw edits it in place. A card already posted in a channel is not posted again (a retry after
a restart), nor is a card or results message posted by a delivery killed before its record: each
post names its item (bridge.once), and the platform looks first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from bridge.actions import PollCardAction, PollCardUpdateAction, PollResultsAction
from bridge.ids import ChannelRef, Platform
from bridge.once import PostOnce
from bridge.pipeline.delivery import DeliveryHandlers, Skipped
from bridge.polls.card import PollCard, PollCards, draw
from bridge.polls.model import CardKind, Poll, PollCardRef, PollStore
from bridge.polls.tally import tally
from bridge.ports import ChatAdapter, MusicStore, PermanentError
from bridge.records import MusicItem, OutboxItem


class CardStore(PollStore, MusicStore, Protocol):
    """The poll, its votes and its songs."""


class PollCardDrawer:
    def __init__(self, store: CardStore, cards: Mapping[Platform, PollCards]) -> None:
        self.store = store
        self.cards = cards

    def on(self, platform: Platform) -> PollCards:
        found = self.cards.get(platform)
        if found is None:
            raise PermanentError(f"no poll cards on {platform.value}")
        return found

    async def card(self, poll_id: int, channel: ChannelRef) -> PollCard:
        poll = await self.store.get_poll(poll_id)
        if poll is None:
            raise Skipped("the poll is gone")
        counts = tally(poll, await self.store.poll_counts(poll_id))
        return draw(poll, counts, await self._items(poll), buttons=not _native_home(poll, channel))

    async def _items(self, poll: Poll) -> dict[int, MusicItem]:
        items: dict[int, MusicItem] = {}
        for option in poll.options:
            if option.item_id is not None:
                item = await self.store.get_item(option.item_id)
                if item is not None:
                    items[item.id] = item
        return items

    def handlers(self) -> DeliveryHandlers:
        return (
            DeliveryHandlers()
            .add(PollCardAction, self._post)
            .add(PollCardUpdateAction, self._update)
            .add(PollResultsAction, self._results)
        )

    async def _posted(self, poll_id: int, channel: ChannelRef, kind: CardKind) -> list[str]:
        refs = await self.store.poll_cards(poll_id)
        return [r.card_id for r in refs if r.channel == channel and r.kind is kind]

    async def _post(self, action: PollCardAction, item: OutboxItem, _: ChatAdapter) -> None:
        if await self._posted(action.poll_id, item.target, CardKind.CARD):
            return
        card = await self.card(action.poll_id, item.target)
        once = PostOnce.of(item, "card")
        card_id = await self.on(item.target.platform).post_card(item.target, card, once=once)
        await self.store.add_poll_card(PollCardRef(action.poll_id, item.target, card_id))

    async def _update(self, action: PollCardAction, item: OutboxItem, _: ChatAdapter) -> None:
        card = await self.card(action.poll_id, item.target)
        for card_id in await self._posted(action.poll_id, item.target, CardKind.CARD):
            await self.on(item.target.platform).update_card(item.target, card_id, card)

    async def _results(self, action: PollCardAction, item: OutboxItem, _: ChatAdapter) -> None:
        if await self._posted(action.poll_id, item.target, CardKind.RESULTS):
            return
        card = await self.card(action.poll_id, item.target)
        if card.open:
            raise Skipped("the poll is open")
        once = PostOnce.of(item, "results")
        card_id = await self.on(item.target.platform).post_results(item.target, card, once=once)
        ref = PollCardRef(action.poll_id, item.target, card_id, CardKind.RESULTS)
        await self.store.add_poll_card(ref)


def _native_home(poll: Poll, channel: ChannelRef) -> bool:
    """The channel of the platform's own poll: its people vote there, not on buttons."""
    native = poll.draft.native
    return native is not None and native.channel == channel
