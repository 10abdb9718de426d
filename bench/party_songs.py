"""Songs for the party benchmark: music tab items known on Spotify with their lengths, each
shared once in a group, written straight into the store (the resolver then finds their links in
its cache, as it would for songs shared before)."""

from __future__ import annotations

from dataclasses import dataclass

from bridge.ids import ChannelRef, UserRef
from bridge.music.model import Metadata
from bridge.records import ItemLink, ShareDraft
from storage.repos import SqlStore


@dataclass(frozen=True, slots=True)
class Song:
    item_id: int
    url: str
    length_ms: int


def song_url(n: int) -> str:
    return f"https://open.spotify.com/track/{f'{n:02d}BenchPartySongAbcdefgh'[:22]}"


async def seed_songs(
    store: SqlStore, group_id: int, sharer: UserRef, origin: ChannelRef, lengths_s: list[float]
) -> list[Song]:
    songs = []
    for n, seconds in enumerate(lengths_s):
        url = song_url(n)
        sid = url.rsplit("/", 1)[1]
        length_ms = round(seconds * 1000)
        meta = Metadata(
            "spotify", "track", sid, url, f"Bench Song {n}", ("Bench Band",), duration_ms=length_ms
        )
        item = await store.create_item(meta, match_key=None)
        await store.add_item_link(item, ItemLink("spotify", "track", sid, url))
        message, _ = await store.record_message(
            group_id=group_id,
            author=sharer,
            origin=origin,
            origin_message_id=f"1600000000.{group_id:03d}{n:03d}",  # a Slack ts
            text=url,
        )
        key = f"spotify:track:{sid}"
        await store.add_shares(
            group_id=group_id,
            message_id=message.id,
            shared_by=sharer,
            shared_by_name="Bench Fan",
            drafts=[ShareDraft(key, "spotify", url)],
        )
        await store.mark_link(key, status="ok", item_id=item)
        songs.append(Song(item, url, length_ms))
    return songs
