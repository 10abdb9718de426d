"""The outbox's event copies and notices. A sync draws the event as it is when it is sent: the
first one in a channel creates the copy (a Discord server's scheduled event, a Slack card), every
later one edits it in place (a new time, the interest count, the cancellation), unless the copy
shows that already (a digest of what it shows is kept with it: of ten clicks queued together,
the first redraw shows the tenth and the other nine make no call). Copies go
through the platform's EventCopies port; their platform ids are kept per channel."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from bridge.actions import ArtistEventNoticeAction, ArtistEventSyncAction
from bridge.artist_events.card import EventCard, EventCopies, digest, event_card
from bridge.artist_events.model import ArtistEventStore, EventCopyRef, EventState
from bridge.ids import Platform
from bridge.once import PostOnce
from bridge.pipeline.delivery import DeliveryHandlers, Skipped
from bridge.ports import ChatAdapter, GroupStore, PermanentError
from bridge.records import OutboxItem

PageUrl = Callable[[str], str | None]  # group slug -> the group's web page


class DrawerStore(ArtistEventStore, GroupStore, Protocol):
    """The events and their groups (for the events page's address)."""


class ArtistEventDrawer:
    def __init__(
        self, store: DrawerStore, copies: Mapping[Platform, EventCopies], page: PageUrl
    ) -> None:
        self.store = store
        self.copies = copies
        self.page = page

    def on(self, platform: Platform) -> EventCopies:
        found = self.copies.get(platform)
        if found is None:
            raise PermanentError(f"no event copies on {platform.value}")
        return found

    async def card(self, event_id: int) -> EventCard:
        event = await self.store.get_artist_event(event_id)
        if event is None:
            raise Skipped("the event is gone")
        group = await self.store.get_group_by_id(event.group_id)
        base = self.page(group.slug) if group is not None else None
        count = await self.store.event_interest(event.id)
        return event_card(event, interested=count, page_url=f"{base}/events" if base else None)

    def handlers(self) -> DeliveryHandlers:
        return (
            DeliveryHandlers()
            .add(ArtistEventSyncAction, self._sync)
            .add(ArtistEventNoticeAction, self._notice)
        )

    async def _sync(self, action: ArtistEventSyncAction, item: OutboxItem, _: ChatAdapter) -> None:
        card = await self.card(action.event_id)
        copies = await self.store.event_copies(action.event_id)
        mine = next((c for c in copies if c.channel == item.target), None)
        port = self.on(item.target.platform)
        drawn = digest(card)
        if mine is not None:
            if mine.drawn == drawn:  # redraws queued one after another: the first drew it all
                return
            await port.update_event(item.target, mine.copy_id, card)
            await self.store.set_event_copy_drawn(action.event_id, item.target, drawn)
            return
        if card.cancelled:
            raise Skipped("a cancelled event is not posted")
        copy_id = await port.post_event(item.target, card, once=PostOnce.of(item, "event"))
        await self.store.add_event_copy(EventCopyRef(action.event_id, item.target, copy_id, drawn))

    async def _notice(
        self, action: ArtistEventNoticeAction, item: OutboxItem, _: ChatAdapter
    ) -> None:
        event = await self.store.get_artist_event(action.event_id)
        if event is None:
            raise Skipped("the event is gone")
        if event.state is EventState.CANCELLED and not action.text.startswith("❌"):
            raise Skipped("the event was cancelled")
        once = PostOnce.of(item, "notice")
        await self.on(item.target.platform).post_event_notice(item.target, action.text, once=once)
