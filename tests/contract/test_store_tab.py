"""The web music tab over the store: sorts, filters, search, paging, removed shares, details."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bridge.ids import ChannelRef, Platform, UserRef
from bridge.music.model import Metadata
from bridge.music.tab_query import TabQuery, parse_tab_query
from bridge.records import ItemLink, ShareDraft
from bridge.text import doc
from storage.repos import SqlStore

DISCORD = ChannelRef(Platform.DISCORD, "900", "901")
SLACK = ChannelRef(Platform.SLACK, "T1", "C1")
ALICE = UserRef(Platform.DISCORD, "900", "10")
ERIN = UserRef(Platform.SLACK, "T1", "U1")
DAY = 86_400.0


@dataclass(frozen=True)
class Seeded:
    group_id: int
    neon: int  # a track, on spotify + deezer, shared 3 times (once removed)
    bjork: int  # a track by Björk, shared once, 2 reactions
    album: int  # an album on deezer, shared twice
    removed_message: int


def _meta(platform: str, kind: str, pid: str, title: str, artist: str, ms: int) -> Metadata:
    return Metadata(
        platform=platform,
        kind=kind,
        id=pid,
        url=f"https://{platform}.example/{kind}/{pid}",
        title=title,
        artists=(artist,),
        duration_ms=ms,
    )


async def _item(store: SqlStore, meta: Metadata, *others: tuple[str, str]) -> int:
    item = await store.create_item(meta, match_key=None)
    await store.add_item_link(item, ItemLink(meta.platform, meta.kind, meta.id, meta.url))
    for platform, pid in others:
        url = f"https://{platform}.example/{meta.kind}/{pid}"
        await store.add_item_link(item, ItemLink(platform, meta.kind, pid, url))
    return item


async def _share(
    store: SqlStore,
    clock,  # type: ignore[no-untyped-def]
    group_id: int,
    *,
    item: int | None,
    key: str,
    where: ChannelRef,
    who: UserRef,
    name: str,
    text: str,
    pid: str,
) -> int:
    clock.advance(DAY)
    message, _ = await store.record_message(
        group_id=group_id,
        author=who,
        origin=where,
        origin_message_id=pid,
        text=doc(text).to_json(),
    )
    if key.startswith("short:"):
        draft = ShareDraft(key, "spotify", key.removeprefix("short:"))
    else:
        platform = key.split(":", 1)[0]
        draft = ShareDraft(key, platform, f"https://{platform}.example/x/{key}")
    await store.add_shares(
        group_id=group_id, message_id=message.id, shared_by=who, shared_by_name=name, drafts=[draft]
    )
    if item is not None:
        await store.mark_link(key, status="ok", item_id=item)
    return message.id


async def _seed(store: SqlStore, clock) -> Seeded:  # type: ignore[no-untyped-def]
    group = await store.create_group(slug="tab", name="Tab")
    neon_meta = _meta("spotify", "track", "n1", "Neon Rivers", "Lumen Twins", 201_000)
    neon = await _item(store, neon_meta, ("deezer", "9"))
    bjork = await _item(store, _meta("deezer", "track", "b1", "Jóga", "Björk", 305_000))
    album_meta = _meta("deezer", "album", "a1", "Night Drive", "Lumen Twins", 2_400_000)
    album = await _item(store, album_meta)
    g = group.id
    n_key, b_key, a_key = "spotify:track:n1", "deezer:track:b1", "deezer:album:a1"
    await _share(store, clock, g, item=neon, key=n_key, where=DISCORD, who=ALICE, name="Alice",
                 text="listen to this", pid="1001")  # fmt: skip
    removed = await _share(store, clock, g, item=neon, key=n_key, where=SLACK, who=ERIN,
                           name="erin", text="spam spam", pid="1700000000.000100")  # fmt: skip
    await _share(store, clock, g, item=album, key=a_key, where=SLACK, who=ERIN, name="erin",
                 text="whole album", pid="1700000000.000200")  # fmt: skip
    b_msg = await _share(store, clock, g, item=bjork, key=b_key, where=DISCORD, who=ALICE,
                         name="Alice", text="a classic", pid="1002")  # fmt: skip
    await _share(store, clock, g, item=neon, key=n_key, where=SLACK, who=ERIN, name="erin",
                 text="again!", pid="1700000000.000300")  # fmt: skip
    await _share(store, clock, g, item=album, key=a_key, where=DISCORD, who=ALICE, name="Alice",
                 text="still great", pid="1003")  # fmt: skip
    await _share(store, clock, g, item=None, key="short:https://spoti.fi/xyz", where=DISCORD,
                 who=ALICE, name="Alice", text="what is this", pid="1004")  # fmt: skip
    for user in ("20", "21"):
        await store.set_reaction(
            message_id=b_msg,
            emoji="🔥",
            emoji_json="{}",
            user=UserRef(Platform.DISCORD, "900", user),
            channel=DISCORD,
            add=True,
        )
    await store.remove_shares(removed, at=clock.now())
    return Seeded(g, neon, bjork, album, removed)


def _titles(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [i.title for i in page.items]


async def test_sorts_count_shares_and_reactions(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    s = await _seed(store, clock)
    recent = await store.tab_items(s.group_id, TabQuery())
    assert recent.total == 4
    assert _titles(recent) == ["https://spoti.fi/xyz", "Night Drive", "Neon Rivers", "Jóga"]
    shared = await store.tab_items(s.group_id, TabQuery(sort="shared"))
    assert [(i.title, i.shares) for i in shared.items][:2] == [
        ("Night Drive", 2),
        ("Neon Rivers", 2),  # the removed share does not count
    ]
    reacted = await store.tab_items(s.group_id, TabQuery(sort="reacted"))
    assert (reacted.items[0].title, reacted.items[0].reactions) == ("Jóga", 2)


async def test_item_fields_links_and_sharers(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    s = await _seed(store, clock)
    page = await store.tab_items(s.group_id, TabQuery(sort="shared"))
    neon = next(i for i in page.items if i.title == "Neon Rivers")
    assert neon.ref == str(s.neon) and neon.kind == "track" and neon.artists == ("Lumen Twins",)
    assert neon.duration_ms == 201_000
    assert dict(neon.links) == {
        "spotify": "https://spotify.example/track/n1",
        "deezer": "https://deezer.example/track/9",
    }
    assert neon.sharers == ("Alice", "erin") and neon.last_shared_at > neon.first_shared_at
    link = next(i for i in page.items if not i.resolved)
    assert (
        link.kind == "link"
        and link.ref.startswith("l")
        and link.links == (("spotify", "https://spoti.fi/xyz"),)
    )


async def test_each_sharer_comes_with_their_chat_platform(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    s = await _seed(store, clock)
    page = await store.tab_items(s.group_id, TabQuery(sort="shared"))
    neon = next(i for i in page.items if i.title == "Neon Rivers")
    assert neon.shared_by == (("Alice", "discord"), ("erin", "slack"))
    detail = await store.tab_item(s.group_id, str(s.neon))
    assert detail is not None and detail.item.shared_by == neon.shared_by
    by_erin = await store.tab_items(s.group_id, TabQuery(sharer="erin"))
    assert [i.shared_by for i in by_erin.items] == [(("erin", "slack"),)] * 2


async def test_filters(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    s = await _seed(store, clock)
    g = s.group_id
    on_spotify = await store.tab_items(g, TabQuery(platform="spotify"))
    assert _titles(on_spotify) == ["https://spoti.fi/xyz", "Neon Rivers"]
    assert set(_titles(await store.tab_items(g, TabQuery(platform="deezer")))) == {
        "Neon Rivers",
        "Night Drive",
        "Jóga",
    }
    assert _titles(await store.tab_items(g, TabQuery(kind="album"))) == ["Night Drive"]
    assert _titles(await store.tab_items(g, TabQuery(kind="link"))) == ["https://spoti.fi/xyz"]
    by_erin = await store.tab_items(g, TabQuery(sharer="ERIN"))
    assert [(i.title, i.shares, i.sharers) for i in by_erin.items] == [
        ("Neon Rivers", 1, ("erin",)),
        ("Night Drive", 1, ("erin",)),
    ]
    start = 1_800_000_000.0
    window = await store.tab_items(g, TabQuery(since=start + 3.5 * DAY, until=start + 5.5 * DAY))
    assert _titles(window) == ["Neon Rivers", "Jóga"]
    assert (await store.tab_items(g, TabQuery(platform="tidal"))).total == 0


async def test_search_is_case_insensitive_on_title_and_artist(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    s = await _seed(store, clock)
    g = s.group_id
    assert _titles(await store.tab_items(g, TabQuery(q="björk"))) == ["Jóga"]
    assert _titles(await store.tab_items(g, TabQuery(q="JÓGA"))) == ["Jóga"]
    assert _titles(await store.tab_items(g, TabQuery(q="lumen", sort="shared"))) == [
        "Night Drive",
        "Neon Rivers",
    ]
    assert _titles(await store.tab_items(g, TabQuery(q="lumen neon"))) == ["Neon Rivers"]
    assert (await store.tab_items(g, TabQuery(q="nothing like it"))).total == 0


async def test_paging(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    s = await _seed(store, clock)
    first = await store.tab_items(s.group_id, TabQuery(per_page=3))
    second = await store.tab_items(s.group_id, TabQuery(per_page=3, page=2))
    assert first.total == second.total == 4 and first.pages == 2
    assert len(first.items) == 3 and _titles(second) == ["Jóga"] and not second.has_next
    assert (await store.tab_items(s.group_id, TabQuery(page=9))).items == ()


async def test_a_page_names_its_group_its_order_and_where_it_is(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    s = await _seed(store, clock)
    page = await store.tab_items(s.group_id, TabQuery(sort="shared", per_page=3, page=2))
    assert (page.group_slug, page.group_name, page.sort) == ("tab", "Tab", "shared")
    assert (page.page, page.pages, page.total) == (2, 2, 4)
    assert page.has_prev and not page.has_next
    past = await store.tab_items(s.group_id, TabQuery(q="nothing like it", page=3))
    assert (past.group_name, past.page, past.pages, past.items) == ("Tab", 3, 1, ())


async def test_removed_everywhere_drops_the_item(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    s = await _seed(store, clock)
    page = await store.tab_items(s.group_id, TabQuery(q="jóga"))
    bjork_message = (await store.tab_item(s.group_id, page.items[0].ref)).shares  # type: ignore[union-attr]
    assert len(bjork_message) == 1
    detail = await store.tab_item(s.group_id, str(s.bjork))
    assert detail is not None
    # moderation removes the only share: the item leaves the tab and its page
    copies = await store.find_copy(DISCORD, "1002")
    assert copies is not None
    await store.remove_shares(copies.message_id, at=clock.now())
    assert "Jóga" not in _titles(await store.tab_items(s.group_id, TabQuery()))
    assert await store.tab_item(s.group_id, str(s.bjork)) is None


async def test_item_detail_quotes_and_permalinks(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    s = await _seed(store, clock)
    detail = await store.tab_item(s.group_id, str(s.neon))
    assert detail is not None and detail.item.shares == 2
    newest, oldest = detail.shares
    assert (newest.sharer, newest.platform, newest.quote) == ("erin", "slack", "again!")
    assert newest.permalink == "https://slack.com/archives/C1/p1700000000000300"
    assert (oldest.sharer, oldest.quote) == ("Alice", "listen to this")
    assert oldest.permalink == "https://discord.com/channels/900/901/1001"
    assert all(d.quote != "spam spam" for d in detail.shares)
    link = next(i for i in (await store.tab_items(s.group_id, TabQuery())).items if not i.resolved)
    link_detail = await store.tab_item(s.group_id, link.ref)
    assert link_detail is not None and link_detail.shares[0].quote == "what is this"


async def test_share_details_name_the_linked_channel(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    s = await _seed(store, clock)
    await store.link_channel(group_id=s.group_id, channel=DISCORD, channel_name="general")
    detail = await store.tab_item(s.group_id, str(s.neon))
    assert detail is not None
    assert [(d.platform, d.channel_name) for d in detail.shares] == [
        ("slack", None),  # the Slack channel is not linked (its name is not known)
        ("discord", "general"),
    ]
    await store.set_channel_name(DISCORD, "fans-only")
    detail = await store.tab_item(s.group_id, str(s.neon))
    assert detail is not None and detail.shares[1].channel_name == "fans-only"


async def test_recent_shares_one_by_one_newest_first(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    s = await _seed(store, clock)
    await store.link_channel(group_id=s.group_id, channel=DISCORD, channel_name="general")
    shares = await store.recent_shares(s.group_id, limit=50)
    assert [(e.title, e.share.sharer) for e in shares] == [
        ("https://spoti.fi/xyz", "Alice"),
        ("Night Drive", "Alice"),
        ("Neon Rivers", "erin"),
        ("Jóga", "Alice"),
        ("Night Drive", "erin"),
        ("Neon Rivers", "Alice"),  # the removed share (spam spam) is not there
    ]
    times = [e.share.shared_at for e in shares]
    assert times == sorted(times, reverse=True)
    assert len({e.share.share_id for e in shares}) == 6
    link, album = shares[0], shares[1]
    assert (link.resolved, link.kind, link.artists) == (False, "link", ())
    assert (album.resolved, album.kind, album.artists, album.ref) == (
        True, "album", ("Lumen Twins",), str(s.album),
    )  # fmt: skip
    assert await store.tab_item(s.group_id, link.ref) is not None  # the ref opens its page
    assert (album.share.channel_name, album.share.quote) == ("general", "still great")
    assert album.share.permalink == "https://discord.com/channels/900/901/1003"
    assert [e.title for e in await store.recent_shares(s.group_id, limit=2)] == [
        "https://spoti.fi/xyz",
        "Night Drive",
    ]
    other = await store.create_group(slug="other", name="Other")
    assert await store.recent_shares(other.id) == []


async def test_recent_shares_count_a_song_twice_in_one_message_once(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    group = await store.create_group(slug="twice", name="Twice")
    song = await _item(store, _meta("spotify", "track", "t1", "Twice", "Duo", 100_000))
    message, _ = await store.record_message(
        group_id=group.id, author=ALICE, origin=DISCORD, origin_message_id="77",
        text=doc("both links").to_json(),
    )  # fmt: skip
    drafts = [
        ShareDraft("spotify:track:t1", "spotify", "https://spotify.example/track/t1"),
        ShareDraft("deezer:track:t1", "deezer", "https://deezer.example/track/t1"),
    ]
    await store.add_shares(
        group_id=group.id, message_id=message.id, shared_by=ALICE, shared_by_name="Alice",
        drafts=drafts,
    )  # fmt: skip
    for draft in drafts:
        await store.mark_link(draft.link_key, status="ok", item_id=song)
    assert [e.title for e in await store.recent_shares(group.id)] == ["Twice"]


async def test_unknown_refs_and_other_groups(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    s = await _seed(store, clock)
    other = await store.create_group(slug="other", name="Other")
    assert await store.tab_item(other.id, str(s.neon)) is None
    for ref in ("999999", "l999999", "x1", "", "l", "1" * 40):
        assert await store.tab_item(s.group_id, ref) is None
    assert (await store.tab_items(other.id, TabQuery())).total == 0


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"sort": "loud"}, "sort"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"per_page": "101"}, "per_page"),
        ({"since": "2026-13-01"}, "since"),
        ({"since": "2026-01-02", "until": "2026-01-01"}, "until"),
        ({"kind": "song"}, "kind"),
        ({"platform": "not a platform!"}, "platform"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_parse_rejects_bad_parameters(params: dict[str, str], param: str) -> None:
    from bridge.music.tab_query import TabQueryError

    with pytest.raises(TabQueryError) as caught:
        parse_tab_query(params)
    assert caught.value.param == param and param in caught.value.message


def test_parse_reads_every_parameter_and_round_trips() -> None:
    query = parse_tab_query(
        {"sort": "top", "platform": "Spotify", "kind": "track", "sharer": "erin",
         "since": "2026-01-01", "until": "2026-01-31", "q": "neon", "page": "2",
         "per_page": "50", "unknown": "ignored", "sharer_x": ""}
    )  # fmt: skip
    assert query.sort == "shared" and query.platform == "spotify" and query.page == 2
    assert query.until is not None and query.since is not None
    assert query.until - query.since == 31 * DAY  # until a date includes that whole day
    assert parse_tab_query(query.params()) == query
    assert parse_tab_query({"sort": "", "page": ""}) == TabQuery()


async def test_one_message_with_two_links_to_one_song_is_one_share(store: SqlStore, clock) -> None:  # type: ignore[no-untyped-def]
    group = await store.create_group(slug="dup", name="Dup")
    song = await _item(store, _meta("spotify", "track", "d1", "Twice", "Echo", 200_000))
    message, _ = await store.record_message(
        group_id=group.id, author=ALICE, origin=DISCORD, origin_message_id="77", text="[]"
    )
    drafts = [
        ShareDraft("spotify:track:d1", "spotify", "https://spotify.example/track/d1"),
        ShareDraft("deezer:track:d9", "deezer", "https://deezer.example/track/d9"),
    ]
    await store.add_shares(
        group_id=group.id, message_id=message.id, shared_by=ALICE, shared_by_name="Alice",
        drafts=drafts,
    )  # fmt: skip
    for draft in drafts:
        await store.mark_link(draft.link_key, status="ok", item_id=song)
    for user in ("20", "21"):
        await store.set_reaction(
            message_id=message.id,
            emoji="🔥",
            emoji_json="{}",
            user=UserRef(Platform.DISCORD, "900", user),
            channel=DISCORD,
            add=True,
        )
    for sort in ("recent", "shared", "reacted"):
        page = await store.tab_items(group.id, TabQuery(sort=sort))
        assert [(i.shares, i.reactions) for i in page.items] == [(1, 2)], sort
    detail = await store.tab_item(group.id, str(song))
    assert detail is not None and len(detail.shares) == 1 and detail.item.reactions == 2


async def test_search_with_very_many_matches_filters_in_sql(  # type: ignore[no-untyped-def]
    sql_store: SqlStore, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import storage.repo_tab

    store = sql_store

    monkeypatch.setattr(storage.repo_tab, "SEARCH_IDS_MAX", 0)  # every search is "too many"
    s = await _seed(store, clock)
    g = s.group_id
    assert set(_titles(await store.tab_items(g, TabQuery(q="LUMEN")))) == {
        "Neon Rivers",
        "Night Drive",
    }
    assert _titles(await store.tab_items(g, TabQuery(q="lumen neon"))) == ["Neon Rivers"]
    assert _titles(await store.tab_items(g, TabQuery(q="spoti.fi"))) == ["https://spoti.fi/xyz"]
    assert (await store.tab_items(g, TabQuery(q="100%_"))).total == 0
