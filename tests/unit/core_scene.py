"""The core wired as the composition root wires it, over bridge.testing's memory store, manual
clock and one recording adapter per platform: what a unit test of a decision needs, with no
emulator, no database and no sleep. ``send`` hands an event to the service that handles it and
delivers everything the outbox then holds; the adapters' ``calls`` are what the platforms were
asked to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count

from bridge.announce.schedule import ScheduledAnnouncements
from bridge.announce.service import AnnounceService
from bridge.events import (
    AnnounceInvoked,
    Author,
    CommandInvoked,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionChanged,
)
from bridge.gates.commands import GateService
from bridge.gates.delivery import gate_handlers
from bridge.groups.commands import GroupCommands
from bridge.ids import ChannelRef, Direction, Platform, Role, UserRef, Visibility
from bridge.moderation.delivery import moderation_handlers
from bridge.outcome import EventHandlers, Outcome, Reply
from bridge.pipeline.compose import Composer, NamePolicy
from bridge.pipeline.echo import EchoGuard
from bridge.pipeline.outbox import OutboxSettings, OutboxWorker
from bridge.pipeline.router import merge_handlers
from bridge.ports import ChatAdapter
from bridge.records import FanGroup
from bridge.relay.service import RelayService
from bridge.testing import Call, ManualClock, MemoryStore, RecordingAdapter
from bridge.text import Emoji, doc

GUILD, TEAM = "900", "T1"
D1 = ChannelRef(Platform.DISCORD, GUILD, "901")
D2 = ChannelRef(Platform.DISCORD, GUILD, "902")
S1 = ChannelRef(Platform.SLACK, TEAM, "C1")
S2 = ChannelRef(Platform.SLACK, TEAM, "C2")
ALICE = UserRef(Platform.DISCORD, GUILD, "11")  # a fan on Discord
ERIN = UserRef(Platform.SLACK, TEAM, "U0ERIN")  # a fan on Slack
MOD = UserRef(Platform.DISCORD, GUILD, "99")  # the group's owner, on Discord
SLACK_MOD = UserRef(Platform.SLACK, TEAM, "U0MOD")
NAMES = {ALICE: "Alice", ERIN: "Erin", MOD: "Mod", SLACK_MOD: "Sam"}
MAX_ROUNDS = 20  # deliveries that enqueue more (a post's edit once its copy exists) settle fast


class Timers:
    """The scheduling port as a dict: announcement id -> when its job should run."""

    def __init__(self) -> None:
        self.due: dict[int, float] = {}

    def schedule(self, announcement_id: int, due_at: float) -> None:
        self.due[announcement_id] = due_at

    def unschedule(self, announcement_id: int) -> None:
        self.due.pop(announcement_id, None)


@dataclass
class Core:
    clock: ManualClock = field(default_factory=ManualClock)
    ids: count[int] = field(default_factory=lambda: count(1000))

    def __post_init__(self) -> None:
        self.store = MemoryStore(self.clock)
        self.discord = RecordingAdapter(Platform.DISCORD)
        self.slack = RecordingAdapter(Platform.SLACK)
        adapters: dict[Platform, ChatAdapter] = {
            Platform.DISCORD: self.discord,
            Platform.SLACK: self.slack,
        }
        self.worker = OutboxWorker(
            store=self.store,
            adapters=adapters,
            composer=Composer(self.store, NamePolicy(), 8 * 1024 * 1024),
            echo=EchoGuard(self.clock),
            clock=self.clock,
            settings=OutboxSettings(base_backoff=1.0, max_backoff=5.0),
        )
        self.relay = RelayService(self.store, self.clock, self.worker.wake)
        self.moderation = self.relay.moderation
        self.commands = GroupCommands(self.store, None, self.moderation)
        self.gates = GateService(self.store, self.clock, wake=self.worker.wake)
        self.gates.ports = {Platform.DISCORD: self.discord, Platform.SLACK: self.slack}
        self.commands.add_subcommands(self.gates.commands())
        self.worker.register(moderation_handlers(self.store))
        self.worker.register(gate_handlers(self.gates))
        self.timers = Timers()
        self.announcements = AnnounceService(
            self.store, self.clock, self.worker.wake, adapters, scheduler=self.timers
        )
        self.scheduled = ScheduledAnnouncements(self.announcements, process="unit")
        self.handlers: EventHandlers = merge_handlers(
            self.relay.handlers(),
            self.moderation.handlers(),
            self.commands.handlers(),
            self.announcements.handlers(),
        )

    # -- the world ---------------------------------------------------------------------------
    async def group(
        self,
        *links: tuple[ChannelRef, Direction],
        visibility: Visibility = Visibility.PUBLIC,
        policy: str = "mirror",
        name: str = "Fans",
    ) -> FanGroup:
        """A group owned by MOD (and SLACK_MOD) with these channels linked (each way given)."""
        slug = name.lower()
        group = await self.store.create_group(slug=slug, name=name, visibility=visibility)
        for channel, direction in links:
            await self.store.link_channel(group_id=group.id, channel=channel, direction=direction)
        if policy != "mirror":
            await self.store.update_settings(group.id, {"moderation_policy": policy})
        for owner in (MOD, SLACK_MOD):
            account = await self.store.upsert_account(user=owner, display_name=NAMES[owner])
            await self.store.grant_role(
                group_id=group.id, member_id=account.member_id, role=Role.OWNER
            )
        found = await self.store.get_group_by_id(group.id)
        assert found is not None
        return found

    async def same_person(self, *users: UserRef) -> None:
        """Link these accounts into one member, as `/fangroup account link` would."""
        accounts = [
            await self.store.upsert_account(user=u, display_name=NAMES.get(u, u.user))
            for u in users
        ]
        for other in accounts[1:]:
            await self.store.merge_members(keep=accounts[0].member_id, absorb=other.member_id)

    # -- what people do ----------------------------------------------------------------------
    def _key(self) -> str:
        return str(next(self.ids))

    async def post(self, channel: ChannelRef, user: UserRef, text: str) -> tuple[str, Outcome]:
        """``user`` posts ``text`` in ``channel``: its platform id and what the core did."""
        message_id = self._key()
        author = Author(user, NAMES.get(user, user.user))
        event = MessagePosted(
            message_id, channel, message_id, author, doc(text), at=self.clock.now()
        )
        return message_id, await self.send(event)

    async def edit(self, channel: ChannelRef, message_id: str, text: str) -> Outcome:
        return await self.send(MessageEdited(self._key(), channel, message_id, doc(text)))

    async def delete(self, channel: ChannelRef, message_id: str) -> Outcome:
        return await self.send(MessageDeleted(self._key(), channel, message_id))

    async def react(
        self, channel: ChannelRef, message_id: str, user: UserRef, emoji: str, added: bool = True
    ) -> Outcome:
        event = ReactionChanged(
            self._key(), channel, message_id, user, Emoji(emoji, unicode=emoji), added
        )
        return await self.send(event)

    async def command(
        self, channel: ChannelRef, by: UserRef, *path: str, moderator: bool = False, **args: str
    ) -> Reply:
        """``by`` runs `/fangroup <path> <args>` in ``channel`` (``moderator``: the platform
        says they may manage the channel); the reply they see."""
        event = CommandInvoked(
            self._key(),
            channel,
            by,
            tuple(path),
            dict(args),
            can_manage_channel=moderator,
            display_name=NAMES.get(by, by.user),
        )
        outcome = await self.send(event)
        assert isinstance(outcome, Reply), outcome
        return outcome

    async def announce(
        self,
        channel: ChannelRef,
        by: UserRef,
        text: str = "",
        *,
        action: str = "post",
        group: str = "",
        when: str = "",
        announcement_id: int | None = None,
    ) -> Reply:
        """``by`` runs `/announce` in ``channel``; the reply they see."""
        event = AnnounceInvoked(
            self._key(),
            channel,
            by,
            action,
            doc(text),
            group=group,
            when=when,
            announcement_id=announcement_id,
            display_name=NAMES.get(by, by.user),
        )
        outcome = await self.send(event)
        assert isinstance(outcome, Reply), outcome
        return outcome

    async def send(self, event: object) -> Outcome:
        outcome = await self.handlers[type(event)](event)
        await self.deliver()
        return outcome

    async def deliver(self) -> None:
        """Deliver what is due until the outbox has nothing more to do now."""
        for _ in range(MAX_ROUNDS):
            if not await self.worker.drain_once():
                return
        raise AssertionError("the outbox never settled")

    # -- what the platforms were asked ----------------------------------------------------------
    def calls(self, kind: str) -> list[Call]:
        return self.discord.of(kind) + self.slack.of(kind)

    def where(self, kind: str) -> set[ChannelRef]:
        """The channels that got a call of ``kind``."""
        return {c.target for c in self.calls(kind)}

    def forget_calls(self) -> None:
        self.discord.calls.clear()
        self.slack.calls.clear()
