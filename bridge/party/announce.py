"""`/announce party <source> when:<time> [text]`: a verified artist (or a moderator) schedules a
listening party in each of their groups. An announcement with the room's link goes to every
linked channel (the announcements' own fan-out); the party reminds 1 hour and 10 minutes before
and starts by itself (bridge/party/timer.py); the artist's songs and comments carry the badge."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from bridge.announce.service import AnnounceService
from bridge.announce.when import Due, WhenError, parse_when
from bridge.events import AnnounceInvoked
from bridge.outcome import Outcome, Reply
from bridge.party.commands import PartyCommands
from bridge.party.model import Party
from bridge.records import FanGroup
from bridge.text import Document, LineBreak, Node, Text

USAGE = "Usage: `/announce party <top|recent|music links> when:<time> [text]`"


class ArtistParties:
    def __init__(self, announce: AnnounceService, commands: PartyCommands) -> None:
        self.announce = announce
        self.commands = commands
        self.service = commands.service

    def actions(self) -> dict[str, Callable[[AnnounceInvoked], Awaitable[Outcome]]]:
        return {"party": self.party}

    async def party(self, event: AnnounceInvoked) -> Outcome:
        source = event.link.strip()
        if not source or not event.when.strip():
            return Reply(USAGE)
        groups = await self.announce.groups_for(event)
        if isinstance(groups, Reply):
            return groups
        zone = await self.announce.zone_of(event)
        try:
            due = parse_when(event.when, now=self.service.clock.now(), zone=zone)
        except WhenError as exc:
            return Reply(str(exc))
        lines = [await self._one(event, group, source, due) for group in groups]
        return Reply("\n".join(lines))

    async def _one(self, event: AnnounceInvoked, group: FanGroup, source: str, due: Due) -> str:
        found = await self.commands.songs.find(group.id, source)
        if not found.songs:
            return f"*{group.name}*: nothing to play ({'; '.join(found.problems)})."
        command = self.commands.as_command(event)
        draft = await self.commands.draft(command, group, found.songs, due.at)
        draft = replace(draft, title=event.text.plain().strip())
        party = await self.service.create(draft, notice=False)
        posted = await self.announce.handle(self._announcement(event, group, party, due))
        said = posted.text if isinstance(posted, Reply) else ""
        room = self.commands.room_for(group.slug, party.id) or "no web room"
        return f"*{group.name}*: party #{party.id}, {due.describe()} ({room}). {said}"

    def _announcement(
        self, event: AnnounceInvoked, group: FanGroup, party: Party, due: Due
    ) -> AnnounceInvoked:
        room = self.commands.room_for(group.slug, party.id)
        head = f"🎧 Listening party with {party.draft.host_name}: {due.describe()}"
        nodes: list[Node] = [Text(head)]
        if event.text.nodes:
            nodes += [LineBreak(), *event.text.nodes]
        return replace(
            event,
            key=f"{event.key}:party:{group.id}",
            action="post",
            text=Document(tuple(nodes)),
            link=room or "",
            when="",
            group=group.slug,
        )
