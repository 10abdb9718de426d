"""The music part of the store: shares, the link cache, canonical items, the tab."""

from __future__ import annotations

from bridge.ids import ChannelRef, Platform, UserRef
from bridge.music.model import Metadata
from bridge.records import ItemLink, ShareDraft
from storage.repos import SqlStore

D = ChannelRef(Platform.DISCORD, "1", "2")
S = ChannelRef(Platform.SLACK, "T1", "C1")
ALICE = UserRef(Platform.DISCORD, "1", "10")
ERIN = UserRef(Platform.SLACK, "T1", "U1")
SONG = Metadata(
    platform="spotify",
    kind="track",
    id="4uLU6hMCjMI75M1A2tKUQC",
    url="https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
    title="Neon Rivers",
    artists=("Lumen Twins",),
    duration_ms=201_000,
    isrc="USX9P2400001",
)


async def _message(
    store: SqlStore, group_id: int, channel: ChannelRef, pid: str, author: UserRef
) -> int:
    message, _ = await store.record_message(
        group_id=group_id, author=author, origin=channel, origin_message_id=pid, text="[]"
    )
    return message.id


async def test_shares_wait_for_resolution_then_attach(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    group = await store.create_group(slug="g", name="G")
    m1 = await _message(store, group.id, D, "1", ALICE)
    draft = ShareDraft("spotify:track:4uLU6hMCjMI75M1A2tKUQC", "spotify", SONG.url)
    pending = await store.add_shares(
        group_id=group.id,
        message_id=m1,
        shared_by=ALICE,
        shared_by_name="Alice",
        drafts=[draft, draft],
    )
    assert pending == [draft.link_key, draft.link_key]
    assert await store.due_links(now=clock.now()) == [(draft.link_key, SONG.url, 0)]
    item = await store.create_item(SONG, match_key="lumen twins|neon rivers")
    await store.add_item_link(item, ItemLink("spotify", "track", SONG.id, SONG.url))
    assert await store.mark_link(draft.link_key, status="ok", item_id=item) == [m1]
    assert await store.due_links(now=clock.now()) == []
    # the next share of the same link is resolved at once, from the cache
    m2 = await _message(store, group.id, S, "2.0", ERIN)
    again = await store.add_shares(
        group_id=group.id, message_id=m2, shared_by=ERIN, shared_by_name="erin", drafts=[draft]
    )
    assert again == []
    entries, total = await store.music_tab(group.id)
    assert total == 1 and entries[0].shares == 2 and entries[0].item is not None
    assert entries[0].item.title == "Neon Rivers" and entries[0].sharers == ("Alice", "erin")


async def test_failed_links_are_retried_later(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    group = await store.create_group(slug="f", name="F")
    m1 = await _message(store, group.id, D, "1", ALICE)
    draft = ShareDraft("deezer:track:3135556", "deezer", "https://www.deezer.com/track/3135556")
    await store.add_shares(
        group_id=group.id, message_id=m1, shared_by=ALICE, shared_by_name="Alice", drafts=[draft]
    )
    await store.mark_link(draft.link_key, status="failed", error="429", retry_at=clock.now() + 60)
    assert await store.due_links(now=clock.now()) == []
    assert await store.next_link_due() == clock.now() + 60
    clock.advance(61)
    assert await store.due_links(now=clock.now()) == [(draft.link_key, draft.url, 1)]


async def test_canonical_item_by_isrc_then_by_name_and_duration(store: SqlStore) -> None:
    item = await store.create_item(SONG, match_key="lumen twins|neon rivers")
    found = await store.find_item(
        kind="track", isrc="USX9P2400001", upc=None, match_key=None, duration_ms=None
    )
    assert found == item
    close = await store.find_item(
        kind="track", isrc=None, upc=None, match_key="lumen twins|neon rivers", duration_ms=202_500
    )
    assert close == item
    other_version = await store.find_item(
        kind="track", isrc=None, upc=None, match_key="lumen twins|neon rivers", duration_ms=260_000
    )
    assert other_version is None  # a different version (e.g. an extended mix) stays apart
    assert (
        await store.find_item(
            kind="album", isrc="USX9P2400001", upc=None, match_key=None, duration_ms=None
        )
        is None
    )


async def test_tab_sorts_and_drops_removed_shares(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    group = await store.create_group(slug="t", name="T")
    keys = ["deezer:track:1", "deezer:track:2"]
    ids = []
    for n, key in enumerate([keys[0], keys[1], keys[1]]):
        clock.advance(10)
        mid = await _message(store, group.id, D, str(n), ALICE)
        ids.append(mid)
        await store.add_shares(
            group_id=group.id,
            message_id=mid,
            shared_by=ALICE,
            shared_by_name="Alice",
            drafts=[ShareDraft(key, "deezer", f"https://www.deezer.com/track/{key[-1]}")],
        )
    for user in ("20", "21", "22"):
        await store.set_reaction(
            message_id=ids[0],
            emoji="👍",
            emoji_json="{}",
            user=UserRef(Platform.DISCORD, "1", user),
            channel=D,
            add=True,
        )
    top, _ = await store.music_tab(group.id, sort="top")
    assert [e.key for e in top] == [keys[1], keys[0]]
    reacted, _ = await store.music_tab(group.id, sort="reacted")
    assert [(e.key, e.reactions) for e in reacted] == [(keys[0], 3), (keys[1], 0)]
    await store.remove_shares(ids[0], at=clock.now())
    remaining, total = await store.music_tab(group.id)
    assert total == 1 and remaining[0].key == keys[1] and remaining[0].shares == 2
    paged, total = await store.music_tab(group.id, limit=1, offset=1)
    assert paged == [] and total == 1
