"""`/fangroup party ...` from either platform (and the cards' buttons, which send the same
commands with the party's id): start, pause, resume, skip, stop, queue, add, adds on|off.
The host and the group's moderators steer; fans add songs when the host allows it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from bridge.announce.when import WhenError, parse_when
from bridge.events import AnnounceInvoked, CommandInvoked
from bridge.groups.artists import artist_accounts
from bridge.groups.replies import NOT_LINKED
from bridge.groups.roles import GroupRoles
from bridge.ids import UserRef
from bridge.outcome import Outcome, Reply
from bridge.party import text
from bridge.party.clock import position_ms
from bridge.party.model import (
    DEFAULT_LENGTH_MS,
    MAX_QUEUE,
    Party,
    PartyDraft,
    PartyState,
    QueuedTrack,
)
from bridge.party.service import PartyService
from bridge.party.sources import SongFinder
from bridge.records import FanGroup, MusicItem

Handler = Callable[[CommandInvoked, FanGroup], Awaitable[Outcome]]
RoomFor = Callable[[str, int], str | None]
CONTROLS = ("pause", "resume", "skip", "stop")


class ZoneOf(Protocol):
    async def member_zone(self, user: UserRef) -> str | None: ...


class PartyCommands:
    def __init__(
        self,
        service: PartyService,
        songs: SongFinder,
        room_for: RoomFor,
        *,
        zones: ZoneOf | None = None,
        default_zone: str = "UTC",
    ) -> None:
        self.service = service
        self.store = service.store
        self.songs = songs
        self.room_for = room_for
        self.zones = zones
        self.default_zone = default_zone
        self.roles = GroupRoles(service.store)
        self._table: dict[str, Handler] = {
            "start": self._start,
            "queue": self._queue,
            "status": self._queue,
            "add": self._add,
            "adds": self._adds,
        }
        self._table |= {name: self._control for name in CONTROLS}

    def commands(self) -> dict[str, Callable[[CommandInvoked], Awaitable[Outcome]]]:
        return {"party": self.party}

    async def party(self, event: CommandInvoked) -> Outcome:
        sub = event.path[1] if len(event.path) > 1 else "status"
        handler = self._table.get(sub)
        if handler is None:
            return Reply(text.USAGE)
        link = await self.store.link_for_channel(event.channel)
        group = await self.store.get_group_by_id(link.group_id) if link else None
        if group is None:
            return Reply(NOT_LINKED)
        return await handler(event, group)

    # -- start -------------------------------------------------------------------------------
    async def _start(self, event: CommandInvoked, group: FanGroup) -> Outcome:
        source = event.args.get("source", "").strip()
        if not source:
            return Reply(text.USAGE)
        live = await self._live(group, event)
        if live is not None:
            return Reply(
                f"Party #{live.id} is already on in this group: stop it first with "
                "`/fangroup party stop`."
            )
        starts_at = await self._when(event)
        if isinstance(starts_at, Reply):
            return starts_at
        found = await self.songs.find(group.id, source)
        if not found.songs:
            return Reply("Nothing to play: " + "; ".join(found.problems) + ".")
        party = await self.service.create(await self.draft(event, group, found.songs, starts_at))
        return Reply(self._started(party, group, found.problems), ephemeral=False)

    async def _when(self, event: CommandInvoked) -> float | Reply:
        now = self.service.clock.now()
        when = event.args.get("when", "").strip()
        if not when:
            return now
        zone = (
            await self.zones.member_zone(event.user) if self.zones else None
        ) or self.default_zone
        try:
            return parse_when(when, now=now, zone=zone).at
        except WhenError as exc:
            return Reply(str(exc))

    async def draft(
        self, event: CommandInvoked, group: FanGroup, songs: list[MusicItem], starts_at: float
    ) -> PartyDraft:
        account = await self.store.upsert_account(
            user=event.user, display_name=event.display_name or event.user.user
        )
        artists = await artist_accounts(self.store, group.id)
        by_artist = account.member_id in artists
        queue = tuple(_queued(s, account.display_name, by_artist) for s in songs[:MAX_QUEUE])
        return PartyDraft(
            group_id=group.id,
            host=event.user,
            host_name=account.display_name,
            queue=queue,
            starts_at=starts_at,
            origin=event.channel,
            by_artist=by_artist,
            title=event.args.get("title", ""),
        )

    @staticmethod
    def as_command(event: AnnounceInvoked) -> CommandInvoked:
        """`/announce party` as the party command it starts (same person, same channel)."""
        return CommandInvoked(
            key=event.key,
            channel=event.channel,
            user=event.user,
            path=("party", "start"),
            args={"source": event.link, "when": event.when},
            display_name=event.display_name,
        )

    def _started(self, party: Party, group: FanGroup, problems: list[str]) -> str:
        room = self.room_for(group.slug, party.id)
        head = (
            text.scheduled(party)
            if party.state is PartyState.SCHEDULED
            else f"🎧 Listening party #{party.id} started: {len(party.queue)} song(s)."
        )
        lines = [head]
        if room:
            lines.append(f"Room: {room}")
        if problems:
            lines.append("Left out: " + "; ".join(problems))
        return "\n".join(lines)

    # -- steering ----------------------------------------------------------------------------
    async def _control(self, event: CommandInvoked, group: FanGroup) -> Outcome:
        party = await self._named(event, group)
        if party is None:
            return Reply(text.NO_PARTY)
        if not (event.can_moderate or await self._steers(party, group, event.user)):
            return Reply(text.NOT_HOST)
        move = {
            "pause": self.service.pause,
            "resume": self.service.resume,
            "skip": self.service.skip,
            "stop": self.service.stop,
        }[event.path[1]]
        moved = await move(party.id)
        state = moved.state.value if moved is not None else "gone"
        return Reply(f"Party #{party.id}: {event.path[1]} → {state}.")

    async def _steers(self, party: Party, group: FanGroup, user: UserRef) -> bool:
        if user == party.host or await self.roles.is_moderator(group, user):
            return True
        mine = await self.store.get_account(user)
        host = await self.store.get_account(party.host)
        return mine is not None and host is not None and mine.member_id == host.member_id

    async def _queue(self, event: CommandInvoked, group: FanGroup) -> Outcome:
        party = await self._named(event, group)
        if party is None:
            return Reply(text.NO_PARTY)
        titles = []
        for track in party.queue:
            item = await self.store.get_item(track.item_id)
            titles.append(_title(item))
        now = self.service.clock.now()
        return Reply(text.status(party, titles, position_ms(party, now)))

    async def _add(self, event: CommandInvoked, group: FanGroup) -> Outcome:
        party = await self._named(event, group)
        if party is None:
            return Reply(text.NO_PARTY)
        if not party.allow_adds and not await self._steers(party, group, event.user):
            return Reply("The host does not take songs for this party.")
        found = await self.songs.from_links(event.args.get("source", ""))
        if not found.songs:
            return Reply("Nothing to add: " + "; ".join(found.problems) + ".")
        account = await self.store.upsert_account(
            user=event.user, display_name=event.display_name or event.user.user
        )
        artists = await artist_accounts(self.store, group.id)
        by_artist = account.member_id in artists
        room = MAX_QUEUE - len(party.queue)
        tracks = [_queued(s, account.display_name, by_artist) for s in found.songs[:room]]
        if not tracks:
            return Reply(f"The queue is full ({MAX_QUEUE} songs).")
        await self.service.add(party.id, tracks)
        return Reply(f"Added {len(tracks)} song(s) to party #{party.id}.", ephemeral=False)

    async def _adds(self, event: CommandInvoked, group: FanGroup) -> Outcome:
        party = await self._named(event, group)
        if party is None:
            return Reply(text.NO_PARTY)
        if not await self._steers(party, group, event.user):
            return Reply(text.NOT_HOST)
        value = event.args.get("value", "").strip().lower()
        if value not in ("on", "off"):
            return Reply("Usage: `/fangroup party adds on|off`")
        await self.service.set_adds(party.id, value == "on")
        return Reply(
            f"Fans {'may' if value == 'on' else 'may not'} add songs to party #{party.id}."
        )

    async def _named(self, event: CommandInvoked, group: FanGroup) -> Party | None:
        number = event.args.get("party", "").strip().lstrip("#")
        if number.isdigit():
            party = await self.store.get_party(int(number))
            return party if party is not None and party.group_id == group.id else None
        return await self._live(group, event)

    async def _live(self, group: FanGroup, event: CommandInvoked) -> Party | None:
        parties = await self.store.group_parties(group.id, limit=5)
        return next((p for p in parties if p.state.live), None)


def _queued(item: MusicItem, by: str, by_artist: bool) -> QueuedTrack:
    return QueuedTrack(
        item_id=item.id,
        length_ms=item.duration_ms or DEFAULT_LENGTH_MS,
        queued_by=by,
        by_artist=by_artist,
    )


def _title(item: MusicItem | None) -> str:
    if item is None:
        return "(a song no longer known)"
    return f"{', '.join(item.artists)} – {item.title}" if item.artists else item.title
