"""A week of a group's music activity for the digest tests (store contract, core, web): songs
shared from Discord and Slack by three people (two of Alice's accounts are linked: one person),
reactions on some of them, a removed share and a deleted message that must not count."""

from __future__ import annotations

from dataclasses import dataclass

from bridge.ids import ChannelRef, Platform, UserRef
from bridge.music.model import Metadata
from bridge.ports import Store
from bridge.records import FanGroup, ShareDraft
from bridge.testing import ManualClock

D_GENERAL = ChannelRef(Platform.DISCORD, "G1", "c1")
S_GENERAL = ChannelRef(Platform.SLACK, "T1", "C1")
ALICE_D = UserRef(Platform.DISCORD, "G1", "u-alice")
ALICE_S = UserRef(Platform.SLACK, "T1", "U-ALICE")
BOB = UserRef(Platform.SLACK, "T1", "U-BOB")
CARA = UserRef(Platform.DISCORD, "G1", "u-cara")
SONGS = (
    ("Opening Night", ("Lumen Twins",)),
    ("Second Wind", ("Lumen Twins", "Nova")),
    ("Last Call", ("Harbor Lights",)),
)


@dataclass
class Seeded:
    group: FanGroup
    items: list[int]
    since: float  # the week's start (the first share comes an hour later)
    until: float


class Seeder:
    def __init__(self, store: Store, clock: ManualClock) -> None:
        self.store, self.clock = store, clock
        self.n = 0

    async def songs(self) -> list[int]:
        items = []
        for n, (title, artists) in enumerate(SONGS):
            url = f"https://www.deezer.com/track/{n + 1}"
            meta = Metadata("deezer", "track", str(n + 1), url, title, artists)
            items.append(await self.store.create_item(meta, match_key=None))
        return items

    async def post(
        self, group: FanGroup, who: UserRef, name: str, channel: ChannelRef, item: int | None
    ) -> int:
        """A message by ``who`` sharing song ``item`` (None: just words); its id."""
        self.n += 1
        await self.store.upsert_account(user=who, display_name=name)
        url = f"https://www.deezer.com/track/{item}" if item else ""
        message, _ = await self.store.record_message(
            group_id=group.id,
            author=who,
            origin=channel,
            origin_message_id=f"m{self.n}",
            text=url or "hello",
        )
        if item:
            key = f"deezer:track:{item}"
            await self.store.add_shares(
                group_id=group.id,
                message_id=message.id,
                shared_by=who,
                shared_by_name=name,
                drafts=[ShareDraft(key, "deezer", url)],
            )
            await self.store.mark_link(key, status="ok", item_id=item)
        self.clock.advance(60)
        return message.id

    async def react(self, message_id: int, who: UserRef, emoji: str = "🔥") -> None:
        channel = D_GENERAL if who.platform is Platform.DISCORD else S_GENERAL
        await self.store.set_reaction(
            message_id=message_id,
            emoji=emoji,
            emoji_json=emoji,
            user=who,
            channel=channel,
            add=True,
        )

    async def week(self, slug: str = "fans") -> Seeded:
        """Before the week: Cara posts (she is no new member). In it: Alice shares song 0 three
        times (twice from Discord, once from her linked Slack account) and song 1 once; Bob
        shares song 1 and song 2; Cara shares song 2; song 2's shares draw three reactions,
        song 0's one; a share of song 1 by Bob is deleted with its message."""
        store = self.store
        group = await store.create_group(slug=slug, name="Lumen Fans")
        items = await self.songs()
        await self.post(group, CARA, "Cara", D_GENERAL, None)
        self.clock.advance(3600)
        since = self.clock.now()
        self.clock.advance(3600)
        a = await store.upsert_account(user=ALICE_D, display_name="Alice")
        b = await store.upsert_account(user=ALICE_S, display_name="alice.s")
        await store.merge_members(keep=a.member_id, absorb=b.member_id)
        first = await self.post(group, ALICE_D, "Alice", D_GENERAL, items[0])
        await self.post(group, ALICE_D, "Alice", D_GENERAL, items[0])
        await self.post(group, ALICE_S, "alice.s", S_GENERAL, items[0])
        await self.post(group, ALICE_D, "Alice", D_GENERAL, items[1])
        await self.post(group, BOB, "Bob", S_GENERAL, items[1])
        gone = await self.post(group, BOB, "Bob", S_GENERAL, items[1])
        await store.mark_deleted(gone, at=self.clock.now())
        third = await self.post(group, BOB, "Bob", S_GENERAL, items[2])
        fourth = await self.post(group, CARA, "Cara", D_GENERAL, items[2])
        await self.react(first, BOB)
        await self.react(third, ALICE_D)
        await self.react(third, CARA, "🎉")
        await self.react(fourth, BOB)
        self.clock.advance(3600)
        return Seeded(group, items, since, self.clock.now())
