"""The outbox's party cards and notices. Each names the party and the track, and the card is
drawn when it is sent, from the party as it is then (so a card queued before a pause shows the
pause). Cards go through the platform's PartyCards port; the card's platform id is kept, and
every later redraw edits it in place. A card already posted for a track in a channel is not
posted again (a retry after a restart), nor is a card or notice posted by a delivery killed
before its record: each post names its item (bridge.once), and the platform looks first."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from bridge.actions import PartyCardAction, PartyCardUpdateAction, PartyNoticeAction
from bridge.ids import Platform
from bridge.once import PostOnce
from bridge.party.card import NowPlayingCard, PartyCards, PartyNotice, now_playing
from bridge.party.model import PartyCardRef, PartyStore
from bridge.pipeline.delivery import DeliveryHandlers, Skipped
from bridge.ports import ChatAdapter, Clock, GroupStore, MusicStore, PermanentError
from bridge.records import OutboxItem

RoomUrl = Callable[[str, int], str | None]  # (group slug, party id) -> the room's address


class CardStore(PartyStore, GroupStore, MusicStore, Protocol):
    """The party, its group (for the room's address) and the songs."""


class PartyCardDrawer:
    def __init__(
        self,
        store: CardStore,
        clock: Clock,
        cards: Mapping[Platform, PartyCards],
        room_url: RoomUrl,
    ) -> None:
        self.store = store
        self.clock = clock
        self.cards = cards
        self.room_url = room_url

    def on(self, platform: Platform) -> PartyCards:
        found = self.cards.get(platform)
        if found is None:
            raise PermanentError(f"no party cards on {platform.value}")
        return found

    async def card(self, party_id: int, index: int) -> NowPlayingCard:
        party = await self.store.get_party(party_id)
        if party is None or not 0 <= index < len(party.queue):
            raise Skipped("the party or its track is gone")
        item = await self.store.get_item(party.queue[index].item_id)
        following = party.queue[index + 1] if index + 1 < len(party.queue) else None
        next_item = await self.store.get_item(following.item_id) if following else None
        return now_playing(
            party,
            index,
            item,
            now=self.clock.now(),
            room_url=await self.room(party.group_id, party.id),
            next_item=next_item,
        )

    async def room(self, group_id: int, party_id: int) -> str | None:
        group = await self.store.get_group_by_id(group_id)
        return self.room_url(group.slug, party_id) if group is not None else None

    def handlers(self) -> DeliveryHandlers:
        return (
            DeliveryHandlers()
            .add(PartyCardAction, self._post)
            .add(PartyCardUpdateAction, self._update)
            .add(PartyNoticeAction, self._notice)
        )

    async def _post(self, action: PartyCardAction, item: OutboxItem, _: ChatAdapter) -> None:
        posted = await self.store.party_cards(action.party_id, action.index)
        if any(ref.channel == item.target for ref in posted):
            return
        card = await self.card(action.party_id, action.index)
        once = PostOnce.of(item, "card")
        card_id = await self.on(item.target.platform).post_card(item.target, card, once=once)
        ref = PartyCardRef(action.party_id, action.index, item.target, card_id, card.fingerprint)
        await self.store.add_party_card(ref)

    async def _update(
        self, action: PartyCardUpdateAction, item: OutboxItem, _: ChatAdapter
    ) -> None:
        """Edit the card in place, unless it already shows this (a later move's redraw was
        drawn by an earlier item: moves faster than a platform's limit cost one edit)."""
        card = await self.card(action.party_id, action.index)
        for ref in await self.store.party_cards(action.party_id, action.index):
            if ref.channel != item.target or ref.drawn == card.fingerprint:
                continue
            await self.on(item.target.platform).update_card(item.target, ref.card_id, card)
            await self.store.card_drawn(ref, card.fingerprint)

    async def _notice(self, action: PartyNoticeAction, item: OutboxItem, _: ChatAdapter) -> None:
        party = await self.store.get_party(action.party_id)
        if party is None:
            raise Skipped("the party is gone")
        room = await self.room(party.group_id, party.id)
        notice = PartyNotice(party_id=party.id, text=action.text, room_url=room)
        once = PostOnce.of(item, "notice")
        await self.on(item.target.platform).post_notice(item.target, notice, once=once)
