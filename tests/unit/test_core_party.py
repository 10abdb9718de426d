"""The party core over the memory store: moves queue exactly the cards and notices that follow
from them, two workers' timers move a party once, comments are stamped with the song that
played at their time, and the commands refuse what they should."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bridge.actions import PartyCardAction, PartyNoticeAction
from bridge.events import Author, CommandInvoked, MessagePosted
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.music.model import Metadata
from bridge.once import PostOnce
from bridge.outcome import Reply
from bridge.party.card import CardState, NowPlayingCard, PartyNotice
from bridge.party.commands import PartyCommands
from bridge.party.delivery import PartyCardDrawer
from bridge.party.model import PartyDraft, PartyState, QueuedTrack
from bridge.party.moments import MomentStamper
from bridge.party.service import PartyService
from bridge.party.sources import Found, SongFinder
from bridge.party.timer import PartyTimer
from bridge.records import MusicItem, OutboxItem, OutboxStatus
from bridge.relay.service import RelayService
from bridge.testing import ManualClock, MemoryStore, RecordingAdapter
from bridge.text import doc

D1 = ChannelRef(Platform.DISCORD, "900", "901")
S1 = ChannelRef(Platform.SLACK, "T1", "C1")
HOST = UserRef(Platform.DISCORD, "900", "11")
FAN = UserRef(Platform.SLACK, "T1", "U2")


@dataclass
class Scene:
    clock: ManualClock
    store: MemoryStore
    service: PartyService
    group_id: int
    songs: list[MusicItem]

    async def pending(self) -> list[OutboxItem]:
        items = [await self.store.get_outbox_item(i) for i in range(1, 500)]
        return [i for i in items if i is not None and i.status is OutboxStatus.PENDING]

    async def queued(self) -> list[tuple[str, int, ChannelRef]]:
        """(action kind, track index, channel) of every pending party item, in order."""
        found = []
        for item in await self.pending():
            action = item.action
            if isinstance(action, PartyCardAction | PartyNoticeAction):
                index = action.index if isinstance(action, PartyCardAction) else -1
                found.append((action.kind, index, item.target))
        return found

    async def settle(self) -> None:
        """As if the outbox delivered everything queued so far."""
        for item in await self.pending():
            await self.store.complete(item.id)

    def draft(self, *lengths: int, starts_at: float | None = None) -> PartyDraft:
        queue = tuple(
            QueuedTrack(song.id, seconds * 1000, "Ann")
            for song, seconds in zip(self.songs, lengths, strict=False)
        )
        return PartyDraft(
            group_id=self.group_id,
            host=HOST,
            host_name="Ann",
            queue=queue,
            starts_at=self.clock.now() if starts_at is None else starts_at,
        )


@pytest.fixture
async def scene() -> Scene:
    clock = ManualClock()
    store = MemoryStore(clock)
    group = await store.create_group(slug="fans", name="Fans")
    for channel in (D1, S1):
        await store.link_channel(group_id=group.id, channel=channel)
    songs = []
    for n in range(3):
        meta = Metadata(
            "spotify", "track", f"id{n}", f"https://open.spotify.com/track/id{n}", f"Song {n}"
        )
        item = await store.get_item(await store.create_item(meta, match_key=None))
        assert item is not None
        songs.append(item)
    service = PartyService(store, clock, lambda: None)
    return Scene(clock, store, service, group.id, songs)


async def test_a_party_started_now_queues_its_first_card_in_every_channel(scene: Scene) -> None:
    party = await scene.service.create(scene.draft(100, 50))
    assert party.state is PartyState.PLAYING
    assert await scene.queued() == [("party_card", 0, D1), ("party_card", 0, S1)]


async def test_two_workers_timers_move_a_party_once(scene: Scene) -> None:
    party = await scene.service.create(scene.draft(100, 50))
    await scene.settle()
    other = PartyService(scene.store, scene.clock, lambda: None)  # a second worker
    scene.clock.advance(101)
    ticks = [await PartyTimer(s).fire_due() for s in (scene.service, other)]
    assert ticks[0] is not None  # the next song's end
    cards = [(k, i) for k, i, _ in await scene.queued()]
    assert sorted(cards) == sorted([("party_card_update", 0)] * 2 + [("party_card", 1)] * 2)
    moved = await scene.store.get_party(party.id)
    assert (
        moved is not None and moved.index == 1 and moved.track_zero_at == party.track_zero_at + 100
    )


async def test_a_pause_redraws_the_card_and_stop_closes_with_a_summary(scene: Scene) -> None:
    party = await scene.service.create(scene.draft(100, 50))
    await scene.settle()
    scene.clock.advance(10)
    await scene.service.pause(party.id)
    await scene.service.pause(party.id)  # already paused: nothing more to do
    assert [k for k, _, _ in await scene.queued()] == ["party_card_update"] * 2
    await scene.settle()
    await scene.service.stop(party.id)
    kinds = [k for k, _, _ in await scene.queued()]
    assert kinds.count("party_card_update") == 2 and kinds.count("party_notice") == 2


async def test_a_scheduled_party_reminds_then_starts(scene: Scene) -> None:
    party = await scene.service.create(scene.draft(100, starts_at=scene.clock.now() + 7200))
    assert [k for k, _, _ in await scene.queued()] == ["party_notice"] * 2  # "starts at ..."
    await scene.settle()
    timer = PartyTimer(scene.service)
    scene.clock.advance(3601)
    await timer.fire_due()
    scene.clock.advance(3000)
    await timer.fire_due()
    scene.clock.advance(600)
    await timer.fire_due()
    started = await scene.store.get_party(party.id)
    assert started is not None and started.state is PartyState.PLAYING and started.reminded == 2
    kinds = [k for k, _, _ in await scene.queued()]
    assert kinds == ["party_notice"] * 6 + ["party_card"] * 2  # 2 reminders, "starting", card


async def test_comments_are_stamped_with_the_song_playing_at_their_time(scene: Scene) -> None:
    stamper = MomentStamper(scene.store, scene.clock)
    party = await scene.service.create(scene.draft(100, 50))
    relay = RelayService(scene.store, scene.clock, lambda: None)
    relay.moments = stamper  # as the runtime wires it: stamped in the message's transaction
    start = party.track_zero_at

    async def post(ts: str, text: str, at: float) -> None:
        author = Author(FAN, "Fan", None)
        event = MessagePosted(
            key=ts, channel=S1, message_id=ts, author=author, text=doc(text), at=at
        )
        await relay.posted(event)

    await post("1.1", "hi", start + 42)
    await post("1.2", "yes", start + 120)  # the timer is behind: the second song (20 s in)
    first = await scene.store.item_moments(scene.group_id, scene.songs[0].id)
    second = await scene.store.item_moments(scene.group_id, scene.songs[1].id)
    assert [(m.position_ms, m.text, m.platform) for m in first] == [(42_000, "hi", "slack")]
    assert [m.position_ms for m in second] == [20_000]
    assert stamper.stamped == 2
    await scene.service.stop(party.id)
    await post("1.3", "after", start + 130)
    assert stamper.stamped == 2  # no party on: not stamped


class FixedSongs(SongFinder):
    def __init__(self, songs: list[MusicItem]) -> None:
        self.songs = songs

    async def find(self, group_id: int, source: str) -> Found:
        return Found(self.songs, [])

    async def from_links(self, text: str) -> Found:
        return Found(self.songs[:1], [])


def command(user: UserRef, sub: str, channel: ChannelRef = D1, **args: str) -> CommandInvoked:
    return CommandInvoked(key="k", channel=channel, user=user, path=("party", sub), args=args)


async def test_the_commands_refuse_what_they_should(scene: Scene) -> None:
    commands = PartyCommands(scene.service, FixedSongs(scene.songs), lambda slug, n: None)
    bad = await commands.party(command(HOST, "start", source="top", when="someday"))
    assert isinstance(bad, Reply) and "Cannot read the time `someday`" in bad.text
    started = await commands.party(command(HOST, "start", source="top"))
    assert isinstance(started, Reply) and "started: 3 song(s)" in started.text
    again = await commands.party(command(HOST, "start", source="top"))
    assert isinstance(again, Reply) and "already on" in again.text
    steered = await commands.party(command(FAN, "pause", S1))
    assert isinstance(steered, Reply) and "Only the party's host" in steered.text
    await commands.party(command(HOST, "adds", value="off"))
    refused = await commands.party(command(FAN, "add", S1, source="https://x"))
    assert isinstance(refused, Reply) and "does not take songs" in refused.text
    added = await commands.party(command(HOST, "add", source="https://x"))
    assert isinstance(added, Reply) and "Added 1 song(s)" in added.text


class RecordingCards:
    """A platform's party cards that records what it was asked to post and edit."""

    def __init__(self) -> None:
        self.posted: list[NowPlayingCard] = []
        self.edited: list[NowPlayingCard] = []

    async def post_card(self, channel: ChannelRef, card: NowPlayingCard, *, once: PostOnce) -> str:
        self.posted.append(card)
        return f"card-{len(self.posted)}"

    async def update_card(self, channel: ChannelRef, card_id: str, card: NowPlayingCard) -> None:
        self.edited.append(card)

    async def post_notice(self, channel: ChannelRef, notice: PartyNotice, *, once: PostOnce) -> str:
        return "notice"


async def test_moves_faster_than_the_cards_go_out_cost_one_edit(scene: Scene) -> None:
    """Pause and resume queued before the first redraw went out: the first redraw draws the
    party as it is then (playing again, its clock shifted), the second finds nothing new."""
    cards = RecordingCards()
    drawer = PartyCardDrawer(scene.store, scene.clock, {Platform.SLACK: cards}, lambda s, n: None)
    handlers = drawer.handlers()
    party = await scene.service.create(scene.draft(100, 50))

    async def deliver() -> None:
        for item in await scene.pending():
            if item.target == S1 and isinstance(item.action, PartyCardAction):
                perform = handlers.find(item.action)
                assert perform is not None
                await perform(item, RecordingAdapter(Platform.SLACK))
            await scene.store.complete(item.id)

    await deliver()
    scene.clock.advance(10)
    await scene.service.pause(party.id)
    scene.clock.advance(5)
    await scene.service.resume(party.id)
    await deliver()
    assert len(cards.posted) == 1 and len(cards.edited) == 1
    assert cards.edited[0].state is CardState.PLAYING
    assert cards.edited[0].zero_at == round(party.track_zero_at + 5)  # the pause shifted it
    await scene.service.skip(party.id)
    await deliver()
    assert [c.state for c in cards.edited] == [CardState.PLAYING, CardState.PLAYED]
    assert [c.index for c in cards.posted] == [0, 1]
