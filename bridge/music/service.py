"""Music in the relay: shares recorded when a message is posted, removed when it is deleted,
and the copies edited to show the item's other links once it is resolved."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Protocol

from bridge.actions import EditAction
from bridge.events import MessagePosted
from bridge.music.resolve import share_drafts_keys
from bridge.ports import Clock, GroupStore, MessageStore, MusicStore, OutboxStore
from bridge.records import MusicItem, OutboxDraft, ShareDraft
from bridge.text import Document, LineBreak, Link, Node, Text, walk

log = logging.getLogger(__name__)

PLATFORM_NAMES = {
    "spotify": "Spotify",
    "apple_music": "Apple Music",
    "youtube": "YouTube",
    "youtube_music": "YouTube Music",
    "deezer": "Deezer",
    "tidal": "Tidal",
    "soundcloud": "SoundCloud",
    "bandcamp": "Bandcamp",
    "amazon_music": "Amazon Music",
}


def searchable_text(doc: Document) -> str:
    """The message's text with every link's URL spelled out (labels hide them)."""
    parts: list[str] = []
    for node in walk(doc.nodes):
        if isinstance(node, Link):
            parts.append(f" {node.url} ")
        elif isinstance(node, Text):
            parts.append(node.text)
        elif isinstance(node, LineBreak):
            parts.append("\n")
    return "".join(parts)


def also_on(items: Iterable[MusicItem], shared_platforms: set[str]) -> list[Node]:
    """A compact "🎧 also on Spotify · Deezer" line for the items, or nothing."""
    nodes: list[Node] = []
    for item in items:
        links = [lk for lk in item.links if lk.platform not in shared_platforms]
        seen: set[str] = set()
        line: list[Node] = []
        for link in links:
            if link.platform in seen:
                continue
            seen.add(link.platform)
            if line:
                line.append(Text(" · "))
            label = PLATFORM_NAMES.get(link.platform, link.platform)
            line.append(Link(link.url, (Text(label),)))
        if line:
            nodes += [LineBreak(), Text(f"🎧 {item.title} — also on "), *line]
    return nodes


class MusicServiceStore(GroupStore, MessageStore, OutboxStore, MusicStore, Protocol):
    """What sharing music in a group writes: its shares, and edits of the relayed copies."""


class MusicService:
    def __init__(
        self, store: MusicServiceStore, clock: Clock, wake_resolver: Callable[[], None]
    ) -> None:
        self.store = store
        self.clock = clock
        self.wake_resolver = wake_resolver
        self.wake_outbox: Callable[[], None] = lambda: None
        # told when a group's shares change (added, removed, resolved): the Spotify playlists
        self.on_shares_changed: Callable[[], None] = lambda: None

    async def shared(self, event: MessagePosted, *, group_id: int, message_id: int) -> int:
        found = share_drafts_keys(searchable_text(event.text))
        if not found:
            return 0
        drafts = [ShareDraft(key, platform, url) for key, platform, url in found]
        pending = await self.store.add_shares(
            group_id=group_id,
            message_id=message_id,
            shared_by=event.author.user,
            shared_by_name=event.author.display_name,
            drafts=drafts,
        )
        if pending:
            self.wake_resolver()
            self.on_shares_changed()
        elif found:
            await self.resolved([message_id])  # every link was known: show its links now
        return len(drafts)

    async def removed(self, message_id: int) -> None:
        if await self.store.remove_shares(message_id, at=self.clock.now()):
            self.on_shares_changed()

    async def resolved(self, message_ids: list[int]) -> None:
        """Edit the relayed copies of these messages so they show the items' other links.
        (An edit queued behind a post still pending in that channel runs after it.)"""
        self.on_shares_changed()
        drafts: list[OutboxDraft] = []
        for message_id in dict.fromkeys(message_ids):
            message = await self.store.get_message(message_id)
            if message is None or message.deleted_at is not None:
                continue
            group = await self.store.get_group_by_id(message.group_id)
            if group is None or not group.settings.get("music_links", True):
                continue
            links = await self.store.links_for_group(message.group_id)
            channels = {lk.channel for lk in links if lk.direction.receives} - {message.origin}
            drafts += [
                OutboxDraft(channel, EditAction(message_id=message_id))
                for channel in sorted(channels, key=str)
            ]
        if drafts:
            await self.store.enqueue(drafts, at=self.clock.now())
            self.wake_outbox()
