"""``/announce event <title> when:<time> [place:<venue, city>] [tickets:<url>] [merch:<url>]
[online:<url>]``, ``/announce event edit <id> ...`` and ``/announce event cancel <id>``: a
verified artist (or a moderator) tells each of their groups where and when they play. The
groups, the caller's zone and the ``when:`` grammar are the announcements' own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace

from bridge.announce.service import ANNOUNCERS, AnnounceService
from bridge.announce.when import WhenError, parse_when
from bridge.artist_events.card import when_text
from bridge.artist_events.model import DEFAULT_LENGTH, ArtistEvent, EventDetails, EventDraft
from bridge.artist_events.service import ArtistEventService
from bridge.events import AnnounceInvoked
from bridge.outcome import Outcome, Reply

USAGE = (
    "Usage: `/announce event <title> when:<time> [place:<venue, city>] [tickets:<url>] "
    "[merch:<url>] [online:<url>]`, `/announce event edit <id> [title] [when:...] [place:...] "
    "...`, `/announce event cancel <id>`"
)
LINKS = ("tickets", "merch", "online")
CLEAR = ("none", "-")
TITLE_MAX = 100
PageUrl = Callable[[str], str | None]  # group slug -> its events page


class ArtistEventCommands:
    def __init__(
        self, announce: AnnounceService, service: ArtistEventService, page: PageUrl
    ) -> None:
        self.announce = announce
        self.service = service
        self.page = page

    def actions(self) -> dict[str, Callable[[AnnounceInvoked], Awaitable[Outcome]]]:
        return {"event": self.create, "event_edit": self.edit, "event_cancel": self.cancel}

    async def create(self, event: AnnounceInvoked) -> Outcome:
        title = event.text.plain().strip()
        if not title or not event.when.strip():
            return Reply(USAGE)
        groups = await self.announce.groups_for(event)
        if isinstance(groups, Reply):
            return groups
        details = await self._details(event, None)
        if isinstance(details, Reply):
            return details
        zone = await self.announce.zone_of(event)
        name = event.display_name or event.user.user
        lines = []
        for group in groups:
            draft = EventDraft(group.id, event.user, name, details, zone)
            made = await self.service.create(draft)
            page = self.page(group.slug)
            where = f" ({page}/events)" if page else ""
            lines.append(
                f"📅 *{group.name}*: event #{made.id}, {when_text(details.starts_at, zone)}{where}."
            )
        lines.append("Change it: `/announce event edit <id> ...`, `/announce event cancel <id>`.")
        return Reply("\n".join(lines))

    async def edit(self, event: AnnounceInvoked) -> Outcome:
        found = await self._mine(event)
        if isinstance(found, Reply):
            return found
        details = await self._details(event, found)
        if isinstance(details, Reply):
            return details
        moved = await self.service.edit(found.id, details)
        if moved is None or moved.details != details:
            return Reply(f"Event #{found.id} is {found.state.value}: it cannot be edited.")
        when = when_text(details.starts_at, found.draft.zone)
        return Reply(f"Event #{found.id} updated everywhere: {details.title}, {when}.")

    async def cancel(self, event: AnnounceInvoked) -> Outcome:
        found = await self._mine(event)
        if isinstance(found, Reply):
            return found
        moved = await self.service.cancel(found.id)
        if moved is None or moved.version == found.version:
            return Reply(f"Event #{found.id} is already {found.state.value}.")
        return Reply(f"Event #{found.id} ({found.details.title}) is cancelled everywhere.")

    async def _mine(self, event: AnnounceInvoked) -> ArtistEvent | Reply:
        """The event the command names, if the caller made it or may announce in its group."""
        number = event.announcement_id or 0
        found = await self.service.store.get_artist_event(number)
        if found is None:
            return Reply(f"No event #{number}. {USAGE}")
        store = self.service.store
        mine = await store.get_account(event.user)
        author = await store.get_account(found.draft.author)
        if event.user == found.draft.author or (
            mine is not None and author is not None and mine.member_id == author.member_id
        ):
            return found
        group = await store.get_group_by_id(found.group_id)
        if group is not None and await self.announce.roles.has_role(group, event.user, ANNOUNCERS):
            return found
        return Reply("Sorry, only the event's artist and the group's moderators may change it.")

    async def _details(
        self, event: AnnounceInvoked, old: ArtistEvent | None
    ) -> EventDetails | Reply:
        options = dict(event.options)
        bad = [
            n for n in LINKS if options.get(n) and not _clear(options[n]) and not _url(options[n])
        ]
        if bad:
            return Reply(f"`{bad[0]}:` must be a link (https://...).")
        base = old.details if old is not None else EventDetails("", 0.0, 0.0)
        title = event.text.plain().strip() or base.title
        if len(title) > TITLE_MAX:
            return Reply(f"An event's title is at most {TITLE_MAX} characters.")
        when = await self._when(event, base)
        if isinstance(when, Reply):
            return when
        fields = {n: _value(options, n, getattr(base, n)) for n in ("place", *LINKS)}
        return replace(base, title=title, starts_at=when[0], ends_at=when[1], **fields)

    async def _when(
        self, event: AnnounceInvoked, base: EventDetails
    ) -> tuple[float, float] | Reply:
        if not event.when.strip():
            return base.starts_at, base.ends_at
        zone = await self.announce.zone_of(event)
        try:
            due = parse_when(event.when, now=self.service.clock.now(), zone=zone)
        except WhenError as exc:
            return Reply(str(exc))
        return due.at, due.at + DEFAULT_LENGTH


def _value(options: Mapping[str, str], name: str, old: str) -> str:
    value = options.get(name)
    if value is None or not value.strip():
        return old
    return "" if _clear(value) else value.strip()


def _clear(value: str) -> bool:
    return value.strip().lower() in CLEAR


def _url(value: str) -> bool:
    return value.strip().startswith(("https://", "http://"))
