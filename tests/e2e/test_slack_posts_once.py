"""Slack cards, notices and digests are posted at most once per outbox item: a worker killed
between chat.postMessage and its record leaves the post made but unrecorded, and the item's
next delivery (its claim ran out: a resumed item) finds the post by its marker in the message's
metadata instead of posting a second one. Real slack_sdk against the Slack emulator (the
emulator fixture fails the module on any request the official specs reject)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters.discord.artist_events import DiscordEventCopies
from adapters.discord.party import DiscordPartyCards
from adapters.runtime import Runtime
from adapters.slack.adapter import SlackChatAdapter
from adapters.slack.artist_events import SlackEventCopies
from adapters.slack.digest import SlackDigests
from adapters.slack.party import SlackPartyCards
from adapters.slack.polls import SlackPollCards
from bridge.actions import OutgoingMessage, PartyCardAction
from bridge.artist_events.card import EventCard
from bridge.digests.delivery import DigestPost
from bridge.digests.model import DigestContent
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.music.model import Metadata
from bridge.once import PostOnce
from bridge.party.card import CardState, NowPlayingCard, PartyNotice
from bridge.party.delivery import PartyCardDrawer
from bridge.party.model import PartyCardRef, PartyDraft, QueuedTrack
from bridge.party.service import PartyService
from bridge.pipeline.echo import marker_for
from bridge.polls.card import CardOption, PollCard
from bridge.records import OutboxItem
from bridge.testing import ManualClock, MemoryStore, RecordingAdapter
from bridge.text import doc
from emulators.server import ThreadedEmulator
from tests.e2e.harness import Emu, bridge_config, start_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")
LEASE = 30.0
HOST = UserRef(Platform.DISCORD, "900", "11")
CHANNELS = ("music", "announcements", "general")


class Killed(Exception):
    """The worker died after the platform call, before its record."""


class KilledBeforeRecord(MemoryStore):
    """The memory store of a worker killed the first time it records a posted card."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__(clock)
        self.kill = True

    async def add_party_card(self, ref: PartyCardRef) -> None:
        if self.kill:
            self.kill = False
            raise Killed
        await super().add_party_card(ref)


class World:
    def __init__(self, emu: Emu, world: dict[str, Any], runtime: Runtime) -> None:
        self.emu = emu
        self.runtime = runtime
        team = world["slack"]["workspaces"][0]
        self.team = str(team["id"])
        self.s = {c["name"]: str(c["id"]) for c in team["channels"]}

    def channel(self, name: str = "general") -> ChannelRef:
        return ChannelRef(Platform.SLACK, self.team, self.s[name])

    async def marked(self, marker: str, name: str = "general") -> list[str]:
        """The ts of the messages in the channel marked as ``marker``'s post."""
        rows = await self.emu.slack_messages(self.s[name])
        return [
            str(m["ts"])
            for m in rows
            if ((m.get("metadata") or {}).get("event_payload") or {}).get("marker") == marker
        ]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def w(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        world = await emu.world()
        db = Path(tmp_path_factory.mktemp("posts_once")) / "bridge.db"
        runtime = await start_bridge(bridge_config(world, emulator.url, db))
        try:
            yield World(emu, world, runtime)
        finally:
            await runtime.stop()


async def _party_card_item(
    store: MemoryStore, clock: ManualClock, channel: ChannelRef
) -> OutboxItem:
    """A party started now in a group linked to ``channel``: its first card's outbox item."""
    group = await store.create_group(slug="fans", name="Fans")
    await store.link_channel(group_id=group.id, channel=channel)
    meta = Metadata("spotify", "track", "id0", "https://open.spotify.com/track/id0", "Song 0")
    song = await store.create_item(meta, match_key=None)
    draft = PartyDraft(
        group_id=group.id,
        host=HOST,
        host_name="Ann",
        queue=(QueuedTrack(song, 100_000, "Ann"),),
        starts_at=clock.now(),
    )
    await PartyService(store, clock, lambda: None).create(draft)
    [item] = await store.claim(now=clock.now(), lease=LEASE)
    assert isinstance(item.action, PartyCardAction) and not item.resumed
    return item


async def test_a_party_card_whose_worker_was_killed_before_its_record_is_posted_once(
    w: World,
) -> None:
    assert w.runtime.slack is not None
    clock = ManualClock(time.time())
    store = KilledBeforeRecord(clock)
    item = await _party_card_item(store, clock, w.channel())
    assert isinstance(item.action, PartyCardAction)
    party_id, item_id = item.action.party_id, item.id
    cards = SlackPartyCards(w.runtime.slack.client)
    drawer = PartyCardDrawer(store, clock, {Platform.SLACK: cards}, lambda s, n: None)
    perform = drawer.handlers().find(item.action)
    assert perform is not None
    with pytest.raises(Killed):
        await perform(item, RecordingAdapter(Platform.SLACK))
    [posted] = await w.marked(f"card:{item_id}")  # on Slack, not in the store
    assert await store.party_cards(party_id, 0) == []
    clock.advance(LEASE + 1)  # the dead worker's claim runs out: the item is delivered again
    [again] = await store.claim(now=clock.now(), lease=LEASE)
    assert again.id == item_id and again.resumed
    await perform(again, RecordingAdapter(Platform.SLACK))
    assert await w.marked(f"card:{item_id}") == [posted]  # not posted a second time
    [ref] = await store.party_cards(party_id, 0)
    assert ref.card_id == posted  # the card found is the one kept, and later redrawn


def _once(item_id: int, since: float, *, retry: bool) -> PostOnce:
    """The post of an item queued at ``since``, on a first delivery or a redelivery."""
    return PostOnce(f"test:{item_id}", since, retry)


def _now_playing() -> NowPlayingCard:
    return NowPlayingCard(
        party_id=70,
        index=0,
        queue_length=1,
        state=CardState.PLAYING,
        title="Song",
        artists=("Lumen Twins",),
        artwork_url=None,
        length_ms=201_000,
        position_ms=0,
        zero_at=int(time.time()),
        queued_by="Alice",
        by_artist=False,
        host_name="Bob",
        listen=(),
        room_url=None,
        next_title=None,
    )


def _poll(open_: bool = True) -> PollCard:
    options = tuple(CardOption(i, f"Option {i}", 0, "", "0%") for i in range(2))
    return PollCard(71, "Which one?", options, 0, open_, None, False, False, "Ann", True, False)


def _event() -> EventCard:
    start = time.time() + 86_400
    return EventCard(
        72, "Gig", start, start + 7200, "Club", "", "", "", False, 0, "Ann", "UTC", None
    )


def _digest() -> DigestPost:
    now = time.time()
    return DigestPost(73, DigestContent("Fans", now - 7 * 86_400, now, shares=3), None)


POSTS: dict[str, Callable[[Any, ChannelRef, PostOnce], Awaitable[object]]] = {
    "party card": lambda c, ch, o: c["party"].post_card(ch, _now_playing(), once=o),
    "party notice": lambda c, ch, o: c["party"].post_notice(
        ch, PartyNotice(70, "Soon", None), once=o
    ),
    "poll card": lambda c, ch, o: c["polls"].post_card(ch, _poll(), once=o),
    "poll results": lambda c, ch, o: c["polls"].post_results(ch, _poll(False), once=o),
    "event card": lambda c, ch, o: c["events"].post_event(ch, _event(), once=o),
    "event notice": lambda c, ch, o: c["events"].post_event_notice(ch, "Doors at 8", once=o),
    "digest": lambda c, ch, o: c["digests"].post_digest(ch, _digest(), once=o),
}


@pytest.mark.parametrize("kind", list(POSTS))
async def test_every_slack_post_of_an_item_is_made_once_and_a_retry_with_none_posts(
    w: World, kind: str
) -> None:
    """A redelivery finds the post an earlier delivery made; a redelivery whose earlier
    delivery never reached Slack (it failed before the call) posts it."""
    assert w.runtime.slack is not None
    client = w.runtime.slack.client
    ports = {
        "party": SlackPartyCards(client),
        "polls": SlackPollCards(client),
        "events": SlackEventCopies(client),
        "digests": SlackDigests(client),
    }
    post = POSTS[kind]
    n = list(POSTS).index(kind)
    name = CHANNELS[n % len(CHANNELS)]  # a channel's burst of posts stays under Slack's limit
    channel = w.channel(name)
    queued = time.time()
    first = _once(100 + n, queued, retry=False)
    await post(ports, channel, first)
    [posted] = await w.marked(first.marker, name)
    for _ in range(2):
        again = await post(ports, channel, _once(100 + n, queued, retry=True))
        assert again in (posted, None)  # the notices of events answer nothing
    assert await w.marked(first.marker, name) == [posted]
    never = _once(200 + n, queued, retry=True)  # its first delivery failed before Slack saw it
    await post(ports, channel, never)
    assert len(await w.marked(never.marker, name)) == 1


async def test_an_announcement_copy_posted_unrecorded_is_found_by_its_marker(w: World) -> None:
    """Announcements go through the relay's post (bridge.pipeline.outbox): their copy carries
    the relay's echo marker, so a resumed item finds it (find_sent) and records it instead of
    posting again; nothing more is needed for them."""
    assert w.runtime.slack is not None
    adapter = SlackChatAdapter(w.runtime.slack.client)
    since = time.time()
    marker = marker_for(9_001, 0)
    message = OutgoingMessage("Lumen Twins", None, doc("Tour dates!"), marker, style="announcement")
    posted = await adapter.post(w.channel(), message)
    found = await adapter.find_sent(
        w.channel(), message, since=since, markers=[marker_for(9_001, n) for n in range(2)]
    )
    assert found.ids == posted.ids


async def test_a_discord_notice_delivered_again_is_not_posted_twice(w: World) -> None:
    """Discord notices (a party's, an event's) carry the item's marker as an enforced nonce:
    a redelivery after a crash gets the notice already posted back instead of a second one."""
    assert w.runtime.discord is not None
    client = w.runtime.discord.client
    guild = (await w.emu.world())["discord"]["guilds"][0]
    d_channel = str(guild["channels"][0]["id"])
    channel = ChannelRef(Platform.DISCORD, str(guild["id"]), d_channel)
    notice = PartyNotice(party_id=71, text="The party ends in 5 minutes", room_url=None)
    once = _once(300, time.time(), retry=False)
    first = await DiscordPartyCards(client).post_notice(channel, notice, once=once)
    again = await DiscordPartyCards(client).post_notice(channel, notice, once=once)
    event = _once(301, time.time(), retry=False)  # another item: a marker of its own
    await DiscordEventCopies(client).post_event_notice(channel, "Doors at 8", once=event)
    await DiscordEventCopies(client).post_event_notice(channel, "Doors at 8", once=event)
    assert again == first
    texts = [str(m.get("content") or "") for m in await w.emu.discord_messages(d_channel)]
    assert texts.count("The party ends in 5 minutes") == 1
    assert texts.count("Doors at 8") == 1
