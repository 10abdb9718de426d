"""`/announce`: a verified artist (or a group moderator) posts one canonical message to every
linked channel of their groups, on both platforms, in the announcement style, at once or at a
scheduled time. The copy in the command's channel is the origin; the others go out through the
outbox. `/announce edit|delete <id>` follow to every copy; `list`, `cancel <id>` and
`zone <Area/City>` manage scheduled ones (``bridge.announce.schedule`` sends them)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

from bridge.actions import (
    AnnouncementStyle,
    DeleteAction,
    EditAction,
    OutgoingMessage,
    PostAction,
    styled,
)
from bridge.announce.model import (
    Announcement,
    AnnouncementDraft,
    AnnouncementStatus,
    AnnouncementStore,
)
from bridge.announce.release import release_in
from bridge.announce.text import describe_list, preview, scheduled_reply
from bridge.announce.when import WhenError, parse_when, zone_named
from bridge.events import AnnounceInvoked
from bridge.groups.artists import BADGE, artist_accounts
from bridge.groups.replies import no_group
from bridge.groups.roles import GroupRoles
from bridge.ids import ChannelRef, Platform, Role
from bridge.outcome import EventHandlers, Outcome, Reply
from bridge.pipeline.scheduler import NoScheduler, Scheduler
from bridge.ports import (
    ChatAdapter,
    Clock,
    DeliveryError,
    MessageStore,
    MusicStore,
    OutboxStore,
    RosterStore,
)
from bridge.records import FanGroup, OutboxDraft, OutboxStatus, StoredMessage
from bridge.text import Document, LineBreak, Link, Text

ANNOUNCERS = (Role.ARTIST, Role.OWNER, Role.MODERATOR)
ORIGIN = "origin:"  # the note of an announcement being sent, once its origin copy is posted
REFUSED = "Sorry, only verified artists and group moderators may announce."
USAGE = (
    "Usage: `/announce <message> [when:<time>]`, `/announce edit <id> <text>`, "
    "`/announce delete <id>`, `/announce list`, `/announce cancel <id>`, `/announce zone <zone>`, "
    "`/announce party <top|recent|links> when:<time> [text]`, "
    "`/announce event <title> when:<time> [place:<venue, city>] [tickets:<url>] [merch:<url>]`"
)

Progress = Callable[[float], Awaitable[str]]


class AnnounceStore(
    RosterStore, MessageStore, OutboxStore, MusicStore, AnnouncementStore, Protocol
):
    """The store the announcement service needs: the groups, the people and their roles, the
    messages and their fan-out, the music an announcement links to, the announcements."""


async def _no_progress(_: float) -> str:
    return ""


@dataclass(frozen=True, slots=True)
class Announced(Reply):
    """The command's reply, and how to wait for the fan-out's progress ("sent 3/3")."""

    announcement_id: int = 0
    progress: Progress = field(default=_no_progress)


@dataclass(frozen=True, slots=True)
class AnnounceSettings:
    default_zone: str = "UTC"  # for `when:18:00` when the caller chose no zone
    grace: float = 600.0  # a post due while the bridge was down still goes out this late
    retry: float = 60.0  # a scheduled post whose origin could not be posted is retried after


@dataclass(frozen=True, slots=True)
class Sent:
    message: StoredMessage
    item_ids: list[int]


class AnnounceService:
    def __init__(
        self,
        store: AnnounceStore,
        clock: Clock,
        wake: Callable[[], None],
        adapters: Mapping[Platform, ChatAdapter],
        *,
        scheduler: Scheduler | None = None,
        settings: AnnounceSettings | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.wake = wake
        self.adapters = adapters
        self.scheduler: Scheduler = scheduler or NoScheduler()
        self.settings = settings or AnnounceSettings()
        self.roles = GroupRoles(store)
        self.settled = asyncio.Event()  # set by the outbox after each delivery
        self._table: dict[str, Callable[[AnnounceInvoked], Awaitable[Outcome]]] = {
            "post": self._post,
            "edit": self._edit,
            "delete": self._delete,
            "list": self._list,
            "cancel": self._cancel,
            "zone": self._zone,
        }

    def delivered(self, *_: object) -> None:
        self.settled.set()

    def add_actions(
        self, actions: Mapping[str, Callable[[AnnounceInvoked], Awaitable[Outcome]]]
    ) -> None:
        """Actions of a service built elsewhere (`/announce party`: bridge.party.announce)."""
        self._table |= actions

    def handlers(self) -> EventHandlers:
        return {AnnounceInvoked: self.handle}

    async def handle(self, event: AnnounceInvoked) -> Outcome:
        handler = self._table.get(event.action)
        if handler is None:
            return Reply(USAGE)
        return await handler(event)

    # -- post ------------------------------------------------------------------------------
    async def groups_for(self, event: AnnounceInvoked) -> list[FanGroup] | Reply:
        """The groups the caller may announce to with this command (or why not)."""
        if event.group:
            group = await self.store.get_group(event.group)
            if group is None:
                return Reply(no_group(event.group))
            allowed = await self.roles.has_role(group, event.user, ANNOUNCERS)
            return [group] if allowed else Reply(REFUSED)
        return await self._default_groups(event)

    async def _default_groups(self, event: AnnounceInvoked) -> list[FanGroup] | Reply:
        """No ``group``: every group where the caller is the artist; else (a moderator) the
        group of the channel the command ran in; else they must name one."""
        mine = await self._my_groups(event)
        artist_of = [g for g in mine if await self.roles.has_role(g, event.user, (Role.ARTIST,))]
        if artist_of:
            return artist_of
        link = await self.store.link_for_channel(event.channel)
        here = [g for g in mine if link is not None and g.id == link.group_id]
        if here:
            return here
        if not mine:
            return Reply(REFUSED)
        slugs = ", ".join(f"`{g.slug}`" for g in mine)
        return Reply(f"Name the group to announce to: `group:<slug>` (yours: {slugs}).")

    async def _my_groups(self, event: AnnounceInvoked) -> list[FanGroup]:
        return [
            g
            for g in await self.store.list_groups()
            if await self.roles.has_role(g, event.user, ANNOUNCERS)
        ]

    async def _post(self, event: AnnounceInvoked) -> Outcome:
        groups = await self.groups_for(event)
        if isinstance(groups, Reply):
            return groups
        if not event.text.plain().strip():
            return Reply("Usage: `/announce <message>` (the announcement's text is required).")
        account = await self.store.upsert_account(
            user=event.user,
            display_name=event.display_name or event.user.user,
            avatar_url=event.avatar_url,
        )
        draft = AnnouncementDraft(
            group_ids=tuple(g.id for g in groups),
            author=event.user,
            channel=event.channel,
            display_name=account.display_name,
            avatar_url=account.avatar_url,
            text=event.text.to_json(),
            link=event.link.strip(),
            image_url=event.image_url.strip() or None,
            pin=event.pin,
        )
        if event.when.strip():
            return await self._schedule(event, draft, groups)
        return await self._post_now(draft, groups)

    async def _post_now(self, draft: AnnouncementDraft, groups: list[FanGroup]) -> Outcome:
        now = self.clock.now()
        announcement = await self.store.create_announcement(
            draft, status=AnnouncementStatus.SENDING, at=now
        )
        try:
            sent = await self.send(announcement, posted=self.origin_recorder(announcement.id))
        except DeliveryError as exc:
            await self._move(announcement, AnnouncementStatus.SENDING, AnnouncementStatus.MISSED)
            return Reply(f"Could not post the announcement here: {exc}")
        await self._move(
            announcement,
            AnnouncementStatus.SENDING,
            AnnouncementStatus.SENT,
            message_id=sent.message.id,
        )
        return self._announced(announcement.id, groups, sent.item_ids)

    async def _schedule(
        self, event: AnnounceInvoked, draft: AnnouncementDraft, groups: list[FanGroup]
    ) -> Outcome:
        zone = await self.zone_of(event)
        try:
            due = parse_when(event.when, now=self.clock.now(), zone=zone)
        except WhenError as exc:
            return Reply(str(exc))
        draft = replace(draft, due_at=due.at, zone=due.zone)
        announcement = await self.store.create_announcement(
            draft, status=AnnouncementStatus.SCHEDULED, at=self.clock.now()
        )
        self.scheduler.schedule(announcement.id, due.at)
        targets = await self._targets(groups, event.channel)
        return Reply(scheduled_reply(announcement.id, due, self.clock.now(), len(targets) + 1))

    def origin_recorder(self, announcement_id: int) -> Callable[[str], Awaitable[None]]:
        """Remember the origin copy's id on the announcement while it is being sent."""

        async def posted(origin_id: str) -> None:
            await self.store.move_announcement(
                announcement_id,
                old=AnnouncementStatus.SENDING,
                new=AnnouncementStatus.SENDING,
                at=self.clock.now(),
                note=ORIGIN + origin_id,
            )

        return posted

    async def zone_of(self, event: AnnounceInvoked) -> str:
        """The caller's zone: the one they chose, else their platform profile's, else the
        bridge's default."""
        for zone in (await self.store.member_zone(event.user), event.zone):
            if zone:
                with contextlib.suppress(WhenError):
                    zone_named(zone)
                    return zone
        return self.settings.default_zone

    async def send(
        self,
        announcement: Announcement,
        *,
        posted: Callable[[str], Awaitable[None]] | None = None,
        origin_id: str | None = None,
    ) -> Sent:
        """Post the origin copy in the command's channel and queue every other linked channel
        of the announcement's groups. ``posted`` hears the origin's platform id as soon as it
        exists (a crash after that resumes with ``origin_id`` instead of posting it again).
        Raises DeliveryError when the origin cannot be posted."""
        draft = announcement.draft
        groups = [g for i in draft.group_ids if (g := await self.store.get_group_by_id(i))]
        if not groups:
            raise DeliveryError("its groups no longer exist")
        text = _with_link(Document.from_json(draft.text), draft.link)
        release = await release_in(self.store, text.plain() + " " + draft.link)
        announce = AnnouncementStyle(image_url=draft.image_url, pin=draft.pin, release=release)
        if origin_id is None:
            origin_id = await self._post_origin(announcement, groups[0], text, announce)
            if posted is not None:
                await posted(origin_id)
        recorded = await self.store.find_copy(draft.channel, origin_id)
        if recorded is not None:  # resumed after the fan-out was queued: nothing more to do
            message = await self.store.get_message(recorded.message_id)
            if message is not None:
                return Sent(message, [])
        targets = await self._targets(groups, draft.channel)
        drafts = [OutboxDraft(t, PostAction(announce=announce)) for t in targets]
        message, ids = await self.store.record_message(
            group_id=groups[0].id,
            author=draft.author,
            origin=draft.channel,
            origin_message_id=origin_id,
            text=text.to_json(),
            fanout=drafts,
        )
        self.wake()
        return Sent(message, ids)

    async def _targets(self, groups: list[FanGroup], origin: ChannelRef) -> list[ChannelRef]:
        channels: dict[ChannelRef, None] = {}
        for group in groups:
            for link in await self.store.links_for_group(group.id):
                if link.direction.receives and link.channel != origin:
                    channels[link.channel] = None
        return list(channels)

    async def _post_origin(
        self,
        announcement: Announcement,
        group: FanGroup,
        text: Document,
        announce: AnnouncementStyle,
    ) -> str:
        draft = announcement.draft
        adapter = self.adapters.get(draft.channel.platform)
        if adapter is None:
            raise DeliveryError(f"{draft.channel.platform.value} is not connected")
        account = await self.store.get_account(draft.author)
        artists = await artist_accounts(self.store, group.id)
        outgoing = OutgoingMessage(
            author_name=draft.display_name,
            author_avatar=draft.avatar_url,
            text=text,
            marker=f"announce-{announcement.id}",
            badge=BADGE if account is not None and account.member_id in artists else None,
        )
        result = await adapter.post(draft.channel, styled(outgoing, PostAction(announce=announce)))
        if not result.ids:
            raise DeliveryError("nothing was posted")
        return result.ids[0]

    def _announced(self, announcement_id: int, groups: list[FanGroup], ids: list[int]) -> Reply:
        names = ", ".join(f"*{g.name}*" for g in groups)
        text = (
            f"📣 Announcement #{announcement_id} posted here and queued for {len(ids)} linked "
            f"channel(s) of {names}. Edit it with `/announce edit {announcement_id} <text>`, "
            f"delete it with `/announce delete {announcement_id}`."
        )

        async def progress(within: float) -> str:
            return await self.progress(ids, within)

        return Announced(text, announcement_id=announcement_id, progress=progress)

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

    # -- edit / delete / cancel --------------------------------------------------------------
    async def _mine(self, event: AnnounceInvoked) -> Announcement | Reply:
        """The announcement the command names, if the caller wrote it or moderates its group."""
        number = event.announcement_id or 0
        announcement = await self.store.get_announcement(number)
        if announcement is None or announcement.status is AnnouncementStatus.DELETED:
            return Reply(f"No announcement #{number}.")
        account = await self.store.get_account(event.user)
        author = await self.store.get_account(announcement.draft.author)
        own = account is not None and author is not None and account.member_id == author.member_id
        if own or event.user == announcement.draft.author:
            return announcement
        for group_id in announcement.draft.group_ids:
            group = await self.store.get_group_by_id(group_id)
            if group is not None and await self.roles.is_moderator(group, event.user):
                return announcement
        return Reply(REFUSED)

    async def _posted(self, event: AnnounceInvoked) -> tuple[Announcement, StoredMessage] | Reply:
        announcement = await self._mine(event)
        if isinstance(announcement, Reply):
            return announcement
        message_id = announcement.message_id
        message = await self.store.get_message(message_id) if message_id else None
        if message is None or message.deleted_at is not None:
            state = announcement.status.value
            return Reply(f"Announcement #{announcement.id} is {state}: it has no posted copies.")
        return announcement, message

    async def _edit(self, event: AnnounceInvoked) -> Outcome:
        found = await self._posted(event)
        if isinstance(found, Reply):
            return found
        announcement, message = found
        if not event.text.plain().strip():
            return Reply("Usage: `/announce edit <id> <text>`")
        text = _with_link(event.text, announcement.draft.link)
        await self.store.mark_edited(message.id, text=text.to_json(), at=self.clock.now())
        release = await release_in(self.store, text.plain())
        announce = AnnouncementStyle(image_url=announcement.draft.image_url, release=release)
        count = await self._every_copy(
            message, EditAction(message_id=message.id, announce=announce)
        )
        return Reply(f"Editing announcement #{announcement.id} in {count} channel(s).")

    async def _delete(self, event: AnnounceInvoked) -> Outcome:
        found = await self._posted(event)
        if isinstance(found, Reply):
            return found
        announcement, message = found
        await self.store.mark_deleted(message.id, at=self.clock.now())
        await self._move(announcement, AnnouncementStatus.SENT, AnnouncementStatus.DELETED)
        count = await self._every_copy(message, DeleteAction(message_id=message.id))
        return Reply(f"Deleting announcement #{announcement.id} in {count} channel(s).")

    async def _every_copy(self, message: StoredMessage, action: EditAction | DeleteAction) -> int:
        channels = {c.channel for c in await self.store.copies_of(message.id)}
        drafts = [OutboxDraft(c, action) for c in sorted(channels, key=str)]
        await self.store.enqueue(drafts, at=self.clock.now())
        self.wake()
        return len(drafts)

    async def _cancel(self, event: AnnounceInvoked) -> Outcome:
        announcement = await self._mine(event)
        if isinstance(announcement, Reply):
            return announcement
        moved = await self._move(
            announcement, AnnouncementStatus.SCHEDULED, AnnouncementStatus.CANCELLED, by=event.user
        )
        if not moved:
            state = (await self.store.get_announcement(announcement.id)) or announcement
            return Reply(f"Announcement #{announcement.id} is {state.status.value}, not scheduled.")
        self.scheduler.unschedule(announcement.id)
        return Reply(f"Cancelled scheduled announcement #{announcement.id}: nothing will be sent.")

    async def _list(self, event: AnnounceInvoked) -> Outcome:
        groups = await self._my_groups(event)
        if not groups:
            return Reply(REFUSED)
        found = await self.store.list_announcements([g.id for g in groups], limit=15)
        names = {g.id: g.name for g in groups}
        return Reply(describe_list(found, names, await self.zone_of(event)))

    async def _zone(self, event: AnnounceInvoked) -> Outcome:
        name = event.text.plain().strip()
        if not name:
            return Reply(f"Your time zone for `when:` is `{await self.zone_of(event)}`.")
        try:
            zone_named(name)
        except WhenError as exc:
            return Reply(str(exc))
        await self.store.upsert_account(
            user=event.user,
            display_name=event.display_name or event.user.user,
            avatar_url=event.avatar_url,
        )
        await self.store.set_member_zone(event.user, name)
        return Reply(f"Your time zone is now `{name}`: `when:18:00` means 18:00 there.")

    async def _move(
        self,
        announcement: Announcement,
        old: AnnouncementStatus,
        new: AnnouncementStatus,
        *,
        by: object = None,
        message_id: int | None = None,
    ) -> bool:
        return await self.store.move_announcement(
            announcement.id,
            old=old,
            new=new,
            at=self.clock.now(),
            by=str(by) if by is not None else None,
            message_id=message_id,
        )


def _with_link(text: Document, link: str) -> Document:
    link = link.strip()
    if not link:
        return text
    return Document((*text.nodes, LineBreak(), Link(link, (Text(link),))))


__all__ = ["AnnounceService", "AnnounceSettings", "Announced", "preview"]
