"""`/announce`: a verified artist (or a group moderator) posts one canonical message to every
linked channel of their groups, on both platforms, in the announcement style. The copy in the
command's channel is posted at once and is the origin; the others go out through the outbox.
`/announce edit <id> <text>` and `/announce delete <id>` follow to every copy."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bridge.actions import OutgoingMessage
from bridge.artists import BADGE, artist_accounts
from bridge.events import AnnounceInvoked
from bridge.identity import RoleService
from bridge.ids import ChannelRef, Platform, Role
from bridge.outcome import Outcome, Reply
from bridge.ports import ChatAdapter, Clock, DeliveryError, Store
from bridge.records import Account, FanGroup, OutboxDraft, OutboxStatus, StoredMessage
from bridge.text import Document, LineBreak, Link, Text

ANNOUNCERS = (Role.ARTIST, Role.OWNER, Role.MODERATOR)
REFUSED = "Sorry, only verified artists and group moderators may announce."
KEPT = 100  # announcements remembered per group (their image and link, for edits)
SETTLED = (OutboxStatus.DONE, OutboxStatus.DEAD)

Progress = Callable[[float], Awaitable[str]]


async def _no_progress(_: float) -> str:
    return ""


@dataclass(frozen=True, slots=True)
class Announced(Reply):
    """The command's reply, and how to wait for the fan-out's progress ("sent 3/3")."""

    message_id: int = 0
    progress: Progress = field(default=_no_progress)


class AnnounceService:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        wake: Callable[[], None],
        adapters: Mapping[Platform, ChatAdapter],
    ) -> None:
        self.store = store
        self.clock = clock
        self.wake = wake
        self.adapters = adapters
        self.roles = RoleService(store)
        self.settled = asyncio.Event()  # set by the outbox after each delivery
        self._table: dict[str, Callable[[AnnounceInvoked], Awaitable[Outcome]]] = {
            "post": self._post,
            "edit": self._edit,
            "delete": self._delete,
        }

    def delivered(self, *_: object) -> None:
        self.settled.set()

    async def handle(self, event: AnnounceInvoked) -> Outcome:
        handler = self._table.get(event.action)
        if handler is None:
            return Reply("Usage: `/announce <message>`, `/announce edit <id> <text>`, ...")
        return await handler(event)

    # -- post ------------------------------------------------------------------------------
    async def _groups(self, event: AnnounceInvoked) -> list[FanGroup] | Reply:
        if event.group:
            group = await self.store.get_group(event.group)
            if group is None:
                return Reply(f"No group `{event.group}`.")
            allowed = await self.roles.has_role(group, event.user, ANNOUNCERS)
            return [group] if allowed else Reply(REFUSED)
        groups = [
            g
            for g in await self.store.list_groups()
            if await self.roles.has_role(g, event.user, ANNOUNCERS)
        ]
        return groups or Reply(REFUSED)

    async def _targets(self, groups: list[FanGroup], origin: ChannelRef) -> list[ChannelRef]:
        channels: dict[ChannelRef, None] = {}
        for group in groups:
            for link in await self.store.links_for_group(group.id):
                if link.direction.receives and link.channel != origin:
                    channels[link.channel] = None
        return list(channels)

    async def _post(self, event: AnnounceInvoked) -> Outcome:
        groups = await self._groups(event)
        if isinstance(groups, Reply):
            return groups
        if not event.text.plain().strip():
            return Reply("Usage: `/announce <message>` (the announcement's text is required).")
        account = await self.store.upsert_account(
            user=event.user,
            display_name=event.display_name or event.user.user,
            avatar_url=event.avatar_url,
        )
        text = _with_link(event.text, event.link)
        try:
            origin_id = await self._post_origin(event, account, groups[0], text)
        except DeliveryError as exc:
            return Reply(f"Could not post the announcement here: {exc}")
        targets = await self._targets(groups, event.channel)
        announce = {"image_url": event.image_url or None, "pin": event.pin}
        drafts = [OutboxDraft(t, {"kind": "post", "announce": announce}) for t in targets]
        message, ids = await self.store.record_message(
            group_id=groups[0].id,
            author=event.user,
            origin=event.channel,
            origin_message_id=origin_id,
            text=text.to_json(),
            fanout=drafts,
        )
        await self._remember(message, event)
        self.wake()
        return self._announced(message, groups, ids)

    async def _post_origin(
        self, event: AnnounceInvoked, account: Account, group: FanGroup, text: Document
    ) -> str:
        adapter = self.adapters.get(event.channel.platform)
        if adapter is None:
            raise DeliveryError(f"{event.channel.platform.value} is not connected")
        artists = await artist_accounts(self.store, group.id)
        outgoing = OutgoingMessage(
            author_name=account.display_name,
            author_avatar=account.avatar_url,
            text=text,
            marker=f"announce-{event.key}"[:25],
            badge=BADGE if account.member_id in artists else None,
            style="announcement",
            image_url=event.image_url or None,
            pin=event.pin,
        )
        result = await adapter.post(event.channel, outgoing)
        if not result.ids:
            raise DeliveryError("nothing was posted")
        return result.ids[0]

    def _announced(self, message: StoredMessage, groups: list[FanGroup], ids: list[int]) -> Reply:
        names = ", ".join(f"*{g.name}*" for g in groups)
        text = (
            f"📣 Announcement #{message.id} posted here and queued for {len(ids)} linked "
            f"channel(s) of {names}. Edit it with `/announce edit {message.id} <text>`, delete "
            f"it with `/announce delete {message.id}`."
        )

        async def progress(within: float) -> str:
            return await self.progress(ids, within)

        return Announced(text, message_id=message.id, progress=progress)

    async def progress(self, item_ids: list[int], within: float) -> str:
        """How far the fan-out got ("sent N/M"), once every copy is delivered or gave up, or
        after ``within`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            items = [await self.store.get_outbox_item(i) for i in item_ids]
            sent = sum(1 for it in items if it is not None and it.status is OutboxStatus.DONE)
            failed = sum(1 for it in items if it is not None and it.status is OutboxStatus.DEAD)
            remaining = deadline - loop.time()
            if sent + failed == len(item_ids) or remaining <= 0:
                break
            self.settled.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.settled.wait(), min(remaining, 0.25))
        left = len(item_ids) - sent - failed
        tail = f", {failed} failed" if failed else ""
        tail += f", {left} still queued" if left else ""
        return f"Announcement: sent {sent}/{len(item_ids)}{tail}."

    # -- edit / delete ---------------------------------------------------------------------
    async def _mine(self, event: AnnounceInvoked) -> StoredMessage | Reply:
        message = await self.store.get_message(event.message_id or 0)
        remembered = await self._remembered(message) if message else None
        if message is None or message.deleted_at is not None or remembered is None:
            return Reply(f"No announcement #{event.message_id}.")
        account = await self.store.get_account(event.user)
        author = await self.store.get_account(message.author) if message.author else None
        own = account is not None and author is not None and account.member_id == author.member_id
        group = await self.store.get_group_by_id(message.group_id)
        moderator = group is not None and await self.roles.is_moderator(group, event.user)
        return message if own or moderator else Reply(REFUSED)

    async def _edit(self, event: AnnounceInvoked) -> Outcome:
        message = await self._mine(event)
        if isinstance(message, Reply):
            return message
        if not event.text.plain().strip():
            return Reply("Usage: `/announce edit <id> <text>`")
        remembered = await self._remembered(message) or {}
        text = _with_link(event.text, str(remembered.get("link") or ""))
        await self.store.mark_edited(message.id, text=text.to_json(), at=self.clock.now())
        announce = {"image_url": remembered.get("image_url")}
        count = await self._every_copy(message, {"kind": "edit", "announce": announce})
        return Reply(f"Editing announcement #{message.id} in {count} channel(s).")

    async def _delete(self, event: AnnounceInvoked) -> Outcome:
        message = await self._mine(event)
        if isinstance(message, Reply):
            return message
        await self.store.mark_deleted(message.id, at=self.clock.now())
        count = await self._every_copy(message, {"kind": "delete"})
        return Reply(f"Deleting announcement #{message.id} in {count} channel(s).")

    async def _every_copy(self, message: StoredMessage, action: dict[str, Any]) -> int:
        channels = {c.channel for c in await self.store.copies_of(message.id)}
        drafts = [
            OutboxDraft(c, {**action, "message_id": message.id}) for c in sorted(channels, key=str)
        ]
        await self.store.enqueue(drafts, at=self.clock.now())
        self.wake()
        return len(drafts)

    # -- what an edit needs later (kept in the group's settings) ----------------------------
    async def _remember(self, message: StoredMessage, event: AnnounceInvoked) -> None:
        group = await self.store.get_group_by_id(message.group_id)
        kept = dict(group.settings.get("announcements", {})) if group else {}
        kept[str(message.id)] = {"image_url": event.image_url or None, "link": event.link}
        newest = sorted(kept, key=int)[-KEPT:]
        await self.store.update_settings(
            message.group_id, {"announcements": {k: kept[k] for k in newest}}
        )

    async def _remembered(self, message: StoredMessage) -> dict[str, Any] | None:
        group = await self.store.get_group_by_id(message.group_id)
        kept = group.settings.get("announcements", {}) if group else {}
        found = kept.get(str(message.id))
        return dict(found) if isinstance(found, dict) else None


def _with_link(text: Document, link: str) -> Document:
    link = link.strip()
    if not link:
        return text
    return Document((*text.nodes, LineBreak(), Link(link, (Text(link),))))
