"""The web music tab in a real browser (Debian's chromium through playwright) against the real
aiohttp app and a real SqlStore on SQLite, seeded through the store's own methods: the tab, sort,
filters, search, pages, the item page, play all (the in-page queue with its visible fallback,
YouTube and Spotify), moderation removals, private links, accessibility. Screenshots of desktop
and phone go to test-artifacts/."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Locator, Page, Route, expect

from adapters.web.app import WebServer, build_web_app
from adapters.web.pages import PageSettings, PlaylistView
from adapters.web.signing import sign_grant
from bridge.ids import ChannelRef, Platform, UserRef, Visibility
from bridge.music.model import Metadata
from bridge.music.playlist import Unmatched
from bridge.music.resolve import share_drafts_keys
from bridge.records import FanGroup, ItemLink, ShareDraft
from bridge.text import doc
from storage.repos import SqlStore
from tests.web.conftest import open_page, screenshot

pytestmark = pytest.mark.asyncio(loop_scope="module")

DAY = 86400.0
START = 1_800_000_000.0  # 2027-01-15 08:00 UTC
SECRET = b"browser-test-secret"
PLAYLIST = "https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M"
DISCORD = ChannelRef(Platform.DISCORD, "111", "222")
SLACK = ChannelRef(Platform.SLACK, "T1", "C1")
ALICE = (UserRef(Platform.DISCORD, "111", "10"), "Alice", DISCORD)
BOB = (UserRef(Platform.DISCORD, "111", "11"), "bob", DISCORD)
ERIN = (UserRef(Platform.SLACK, "T1", "U1"), "erin", SLACK)
NEON_YT, GLASS_YT, QUIET_YT = "NeonRivers1", "GlassHarbr1", "QuietStatic"


class Clock:
    def __init__(self) -> None:
        self.t = START

    def now(self) -> float:
        return self.t


def song(
    title: str, artists: str, kind: str, links: list[tuple[str, str, str]], ms: int | None
) -> tuple[Metadata, list[tuple[str, str, str]]]:
    platform, pid, url = links[0]
    art = f"https://i.scdn.co/image/{title.replace(' ', '').lower()}"
    meta = Metadata(platform, kind, pid, url, title, (artists,), None, ms, artwork_url=art)
    return meta, links


NEON = song(
    "Neon Rivers",
    "Lumen Twins",
    "track",
    [
        (
            "spotify",
            "4uLU6hMCjMI75M1A2tKUQC",
            "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
        ),
        ("youtube", NEON_YT, f"https://www.youtube.com/watch?v={NEON_YT}"),
        ("deezer", "3135556", "https://www.deezer.com/track/3135556"),
    ],
    201_000,
)
ARCADE = song(
    "Midnight Arcade",
    "Vela Nova",
    "album",
    [
        (
            "spotify",
            "1DFixLWuPkv3KT3TnV35m3",
            "https://open.spotify.com/album/1DFixLWuPkv3KT3TnV35m3",
        ),
        ("deezer", "302127", "https://www.deezer.com/album/302127"),
    ],
    2_400_000,
)
GLASS = song(
    "Glass Harbour", "Lumen Twins", "track",
    [("youtube", GLASS_YT, f"https://youtu.be/{GLASS_YT}")], 187_000,
)  # fmt: skip
MOONS = song(
    "Paper Moons", "Vela Nova", "track",
    [("soundcloud", "vela-nova/paper-moons", "https://soundcloud.com/vela-nova/paper-moons")],
    240_000,
)  # fmt: skip
QUIET = song(
    "Quiet Static", "Orrin", "track",
    [("youtube", QUIET_YT, f"https://www.youtube.com/watch?v={QUIET_YT}")], 150_000,
)  # fmt: skip
HIDDEN = song(
    "Hidden Track", "The Vault", "track",
    [("deezer", "9999991", "https://www.deezer.com/track/9999991")], 180_000,
)  # fmt: skip
TIDAL = "https://tidal.com/browse/track/77646168"


@dataclass
class Site:
    url: str
    store: SqlStore
    clock: Clock
    groups: dict[str, FanGroup]
    items: dict[str, int] = field(default_factory=dict)
    messages: dict[str, int] = field(default_factory=dict)
    counter: int = 0

    async def share(self, group: str, who: tuple[UserRef, str, ChannelRef], text: str) -> int:
        """A message in the group's channel, and its shares, as the relay records them."""
        self.counter += 1
        user, name, channel = who
        message, _ = await self.store.record_message(
            group_id=self.groups[group].id,
            author=user,
            origin=channel,
            origin_message_id=f"{1000 + self.counter}" + (".000100" if channel is SLACK else ""),
            text=doc(text).to_json(),
        )
        drafts = [ShareDraft(k, p, u) for k, p, u in share_drafts_keys(text)]
        assert drafts, text
        await self.store.add_shares(
            group_id=self.groups[group].id,
            message_id=message.id,
            shared_by=user,
            shared_by_name=name,
            drafts=drafts,
        )
        return message.id

    async def resolve(self, text: str, entry: tuple[Metadata, list[tuple[str, str, str]]]) -> None:
        """What the resolver does once it knows the shared link's item."""
        meta, links = entry
        item = self.items.get(meta.title)
        if item is None:
            item = await self.store.create_item(meta, match_key=meta.title.lower())
            for platform, pid, url in links:
                link = ItemLink(platform, meta.kind, pid, url)
                await self.store.add_item_link(item, link)
            self.items[meta.title] = item
        for key, _, _ in share_drafts_keys(text):
            await self.store.mark_link(key, status="ok", item_id=item)

    async def post(self, group: str, who: tuple[UserRef, str, ChannelRef], text: str, entry) -> int:  # type: ignore[no-untyped-def]
        message_id = await self.share(group, who, text)
        if entry is not None:
            await self.resolve(text, entry)
        self.clock.t += DAY
        return message_id

    async def react(self, message_id: int, n: int) -> None:
        for i in range(n):
            user = UserRef(Platform.DISCORD, "111", f"9{i}")
            await self.store.set_reaction(
                message_id=message_id, emoji="🔥", emoji_json="{}", user=user,
                channel=DISCORD, add=True,
            )  # fmt: skip

    def key(self, slug: str, expires_in: float = 3600) -> str:
        return sign_grant(SECRET, slug, "discord:111:10", time.time() + expires_in)


async def seed(site: Site) -> None:
    # the Discord channel is linked and its name known; the Slack channel's name is not
    await site.store.link_channel(
        group_id=site.groups["lumen"].id, channel=DISCORD, channel_name="general"
    )
    neon = await site.post("lumen", ALICE, f"new single! {NEON[1][0][2]}", NEON)
    await site.post("lumen", ERIN, f"the album is out {ARCADE[1][0][2]}", ARCADE)
    glass = await site.post("lumen", BOB, f"this one live {GLASS[1][0][2]}", GLASS)
    await site.post("lumen", ERIN, f"video: {NEON[1][1][2]}", NEON)
    await site.post("lumen", ALICE, f"demo {MOONS[1][0][2]}", MOONS)
    await site.post("lumen", BOB, f"on deezer too {ARCADE[1][1][2]}", ARCADE)
    await site.post("lumen", ERIN, f"anyone know this? {TIDAL}", None)  # never resolved
    await site.post("lumen", BOB, f"again {NEON[1][2][2]}", NEON)
    await site.react(glass, 4)
    await site.react(neon, 1)
    site.messages["quiet"] = await site.post(
        "orrin", ALICE, f"<script>alert(1)</script> {QUIET[1][0][2]}", QUIET
    )
    await site.post("orrin", BOB, f"and {GLASS[1][0][2]}", GLASS)
    await site.post("vault", ALICE, f"secret {HIDDEN[1][0][2]}", HIDDEN)
    await site.post("vault", ERIN, f"and {MOONS[1][0][2]}", MOONS)


UNMATCHED = (
    Unmatched(1, "Paper Moons", ("Vela Nova",), "https://www.deezer.com/track/77", "no ISRC"),
    Unmatched(2, "Tidal <b>only</b>", (), "https://tidal.com/browse/track/5", "no ISRC"),
)


async def playlist(group: FanGroup) -> PlaylistView | None:
    if group.slug == "lumen":
        return PlaylistView(PLAYLIST, UNMATCHED)
    if group.slug == "orrin":  # a playlist that holds every song
        return PlaylistView("https://open.spotify.com/playlist/0rrinAllMatched00000000")
    return None


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    clock = Clock()
    db = Path(tmp_path_factory.mktemp("pages")) / "tab.db"
    store = await SqlStore.open(f"sqlite+aiosqlite:///{db}", clock=clock)
    groups = {
        "lumen": await store.create_group(slug="lumen", name="Lumen Twins fans"),
        "orrin": await store.create_group(slug="orrin", name="Orrin listening club"),
        "vault": await store.create_group(
            slug="vault", name="The Vault", visibility=Visibility.INVITE
        ),
    }
    settings = PageSettings(
        store=store, secret=SECRET, spotify_playlist=playlist, embed_timeout_ms=300
    )

    async def ready() -> dict[str, bool]:
        return {"store": True}

    server = WebServer(build_web_app(ready_checks=ready, pages=settings), "127.0.0.1", 0)
    await server.start()
    scene = Site(server.url, store, clock, groups)
    await seed(scene)
    try:
        yield scene
    finally:
        await server.stop()
        await store.close()


async def click_to(page: Page, target: Locator) -> None:
    """Click a link or submit button and wait for the page it leads to."""
    async with page.expect_navigation():
        await target.click()


async def titles(page: Page) -> list[str]:
    return [t.strip() for t in await page.locator("#tab .item-title").all_inner_texts()]


async def test_index_lists_only_public_groups(browser: Browser, site: Site) -> None:
    page = await open_page(browser, site.url)
    await page.goto("/")
    await expect(page.get_by_role("link", name="Lumen Twins fans")).to_be_visible()
    await expect(page.get_by_role("link", name="Orrin listening club")).to_be_visible()
    assert "The Vault" not in await page.content()
    await click_to(page, page.get_by_role("link", name="Lumen Twins fans"))
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Lumen Twins fans")
    await page.context.close()


async def test_tab_renders_seeded_shares(browser: Browser, site: Site) -> None:
    page = await open_page(browser, site.url)
    await page.goto("/g/lumen")
    assert await titles(page) == [
        "Neon Rivers", "A shared link", "Midnight Arcade", "Paper Moons", "Glass Harbour",
    ]  # fmt: skip
    neon = page.locator(f"#item-{site.items['Neon Rivers']}")
    await expect(neon).to_contain_text("Lumen Twins")
    await expect(neon).to_contain_text("3:21")
    await expect(neon).to_contain_text("3 shares · 1 reaction")
    await expect(neon).to_contain_text("Shared by Alice (Discord), erin (Slack), bob (Discord)")
    for name in ("Spotify", "YouTube", "Deezer"):
        await expect(neon.get_by_role("link", name=f"{name} (opens in a new tab)")).to_be_visible()
    art = neon.get_by_role("img", name="Artwork of Neon Rivers by Lumen Twins")
    await expect(art).to_have_js_property("complete", True)
    await expect(page.locator("#summary")).to_have_text("5 items · showing 1–5")
    await screenshot(page, "tab-desktop")
    phone = await open_page(browser, site.url, phone=True)
    await phone.goto("/g/lumen")
    await expect(phone.locator("#tab > li")).to_have_count(5)
    wide = await phone.evaluate(OVERFLOWING)
    assert wide == [], "sticks out sideways on a phone"
    await screenshot(phone, "tab-phone")
    await page.context.close()
    await phone.context.close()


async def test_sort_filter_search_and_pages(browser: Browser, site: Site) -> None:
    page = await open_page(browser, site.url)
    await page.goto("/g/lumen")
    apply = page.get_by_role("button", name="Apply")
    await page.get_by_label("Sort by").select_option(label="Most shared")
    await click_to(page, apply)
    assert (await titles(page))[:2] == ["Neon Rivers", "Midnight Arcade"]
    await page.get_by_label("Sort by").select_option(label="Most reacted")
    await click_to(page, apply)
    assert (await titles(page))[:2] == ["Glass Harbour", "Neon Rivers"]
    checks = [
        ({"Platform": "Deezer"}, ["Neon Rivers", "Midnight Arcade"]),
        ({"Kind": "Album"}, ["Midnight Arcade"]),
        ({"Shared by": "erin"}, ["A shared link", "Neon Rivers", "Midnight Arcade"]),
        ({"Search title or artist": "vela"}, ["Midnight Arcade", "Paper Moons"]),
        ({"Shared from": "2027-01-16", "Shared until": "2027-01-17"},
         ["Glass Harbour", "Midnight Arcade"]),
    ]  # fmt: skip
    for fields, expected in checks:
        await click_to(page, page.get_by_role("link", name="Reset"))
        for label, value in fields.items():
            control = page.get_by_label(label, exact=True)
            if await control.evaluate("e => e.tagName") == "SELECT":
                await control.select_option(label=value)
            else:
                await control.fill(value)
        await click_to(page, apply)
        assert await titles(page) == expected, fields
    await page.goto("/g/lumen?q=zzz-nothing")
    await expect(page.locator("#summary")).to_have_text("Nothing matches.")
    await page.goto("/g/lumen?sort=bogus")
    await expect(page.get_by_role("alert")).to_contain_text("sort must be one of")
    # pages keep the view
    await page.goto("/g/lumen?per_page=2&q=a")
    await expect(page.locator("#page-label")).to_have_text("Page 1 of 2")
    first = await titles(page)
    await click_to(page, page.get_by_role("link", name="Next page →"))
    await expect(page.locator("#page-label")).to_have_text("Page 2 of 2")
    assert "q=a" in page.url and "per_page=2" in page.url
    second = await titles(page)
    assert len(first) == 2 and second and not set(first) & set(second)
    await click_to(page, page.get_by_role("link", name="← Previous page"))
    assert await titles(page) == first
    await page.get_by_label("Sort by").select_option(label="Most shared")
    await click_to(page, apply)  # the form keeps the page size and the search
    await expect(page.locator("#page-label")).to_have_text("Page 1 of 2")
    assert (await titles(page))[0] == "Midnight Arcade" and "per_page=2" in page.url
    await page.context.close()


async def test_item_page_quotes_each_share(browser: Browser, site: Site) -> None:
    page = await open_page(browser, site.url)
    await page.goto("/g/lumen")
    await click_to(page, page.get_by_role("link", name="Neon Rivers"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Neon Rivers")
    shares = page.locator("#shares > li")
    await expect(shares).to_have_count(3)
    await expect(shares.nth(0)).to_contain_text("bob in #general on Discord")
    await expect(shares.nth(0).locator("blockquote")).to_contain_text("again https://www.deezer")
    await expect(shares.nth(1)).to_contain_text("erin on Slack")
    discord_link = shares.nth(0).get_by_role("link", name=re.compile("View the message on Discord"))
    assert (await discord_link.get_attribute("href") or "").startswith(
        "https://discord.com/channels/111/222/"
    )
    slack_link = shares.nth(1).get_by_role("link", name=re.compile("View the message on Slack"))
    assert "slack.com/archives/C1/p" in (await slack_link.get_attribute("href") or "")
    await screenshot(page, "item-desktop")
    await page.goto("/g/lumen/item/999999")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Not in this tab")
    await page.context.close()


async def test_play_all_queue_advances_and_falls_back(browser: Browser, site: Site) -> None:
    page = await open_page(browser, site.url)
    await page.goto("/g/lumen")
    youtube = page.get_by_role("link", name=re.compile("Play all on YouTube"))
    expected = f"https://www.youtube.com/watch_videos?video_ids={NEON_YT},{GLASS_YT}"
    await expect(youtube).to_have_attribute("href", expected)
    await expect(
        page.get_by_role("link", name=re.compile("Play all on Spotify"))
    ).to_have_attribute("href", PLAYLIST)
    player, now = page.locator("#player"), page.locator("#now-playing")
    await expect(now).to_have_attribute("aria-live", "polite")
    await page.get_by_role("button", name="Play all", exact=True).click()
    await expect(now).to_have_text("Now playing 1 of 5: Neon Rivers — Lumen Twins")
    await expect(player.locator("iframe")).to_have_attribute("src", re.compile(NEON_YT))
    fallback = page.locator("#player-fallback-link")
    await expect(fallback).to_be_visible()  # the embed cannot load offline: a link instead
    await expect(fallback).to_have_text("Open on YouTube")
    await expect(fallback).to_have_attribute("href", f"https://www.youtube.com/watch?v={NEON_YT}")
    await expect(page.locator(f"#item-{site.items['Neon Rivers']}")).to_have_attribute(
        "aria-current", "true"
    )
    await screenshot(page, "queue-fallback")
    await page.keyboard.press("n")
    await expect(now).to_contain_text("Now playing 2 of 5: A shared link")
    await expect(fallback).to_have_text("Open on Tidal")
    await page.get_by_role("button", name="Next", exact=True).click()
    await expect(now).to_contain_text("Now playing 3 of 5: Midnight Arcade")
    await expect(fallback).to_have_text("Open on Spotify")
    await expect(player).to_have_attribute("data-state", "fallback")
    await page.keyboard.press("p")
    await expect(now).to_contain_text("Now playing 2 of 5")
    await page.get_by_role("button", name="Previous", exact=True).click()
    await expect(now).to_contain_text("Now playing 1 of 5")
    await expect(page.get_by_role("button", name="Previous", exact=True)).to_be_disabled()
    await expect(page.get_by_role("button", name="Next", exact=True)).to_be_focused()
    await page.keyboard.press("Enter")  # the focused Next button, from the keyboard
    await expect(now).to_contain_text("Now playing 2 of 5")
    await page.keyboard.press("Escape")
    await expect(player).to_be_hidden()
    # a group without a synced playlist has no Spotify button
    await page.goto("/g/vault?key=" + site.key("vault"))
    await expect(page.get_by_role("button", name="Play all", exact=True)).to_be_visible()
    assert await page.get_by_role("link", name=re.compile("Play all on Spotify")).count() == 0
    await page.context.close()


async def test_songs_not_on_spotify_are_listed_by_the_button(browser: Browser, site: Site) -> None:
    page = await open_page(browser, site.url)
    await page.goto("/g/lumen")
    unmatched = page.locator("#spotify-unmatched")
    summary = unmatched.locator("summary")
    await expect(summary).to_have_text("2 songs are not on Spotify")
    paper = unmatched.get_by_role("link", name=re.compile("^Paper Moons"))
    await expect(paper).to_be_hidden()  # a closed disclosure until asked
    await summary.click()
    await expect(paper).to_be_visible()
    await expect(paper).to_have_attribute("href", "https://www.deezer.com/track/77")
    songs = unmatched.locator("li")
    await expect(songs).to_have_count(2)
    await expect(songs.nth(0)).to_have_text("Paper Moons (opens in a new tab) — Vela Nova")
    await expect(songs.nth(1)).to_contain_text("Tidal <b>only</b>")  # text, not markup
    await screenshot(page, "spotify-unmatched")
    # every song matched: the button alone
    await page.goto("/g/orrin")
    await expect(page.get_by_role("link", name=re.compile("Play all on Spotify"))).to_be_visible()
    assert await page.locator("#spotify-unmatched").count() == 0
    await page.context.close()


async def test_a_removed_share_leaves_the_tab(browser: Browser, site: Site) -> None:
    page = await open_page(browser, site.url)
    await page.goto("/g/orrin")
    assert await titles(page) == ["Glass Harbour", "Quiet Static"]
    # the hostile message text is shown as text, never run
    await page.goto(f"/g/orrin/item/{site.items['Quiet Static']}")
    await expect(page.locator("blockquote")).to_contain_text("<script>alert(1)</script>")
    # a moderator deletes the message everywhere: the store marks it deleted and its shares
    # removed (bridge.moderation.service.delete_everywhere → MusicService.removed)
    await site.store.mark_deleted(site.messages["quiet"], at=site.clock.now())
    await site.store.remove_shares(site.messages["quiet"], at=site.clock.now())
    await page.goto("/g/orrin")
    assert await titles(page) == ["Glass Harbour"]
    youtube = page.get_by_role("link", name=re.compile("Play all on YouTube"))
    await expect(youtube).to_have_attribute("href", re.compile(f"video_ids={GLASS_YT}$"))
    await page.goto(f"/g/orrin/item/{site.items['Quiet Static']}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Not in this tab")
    assert "Quiet Static" not in await page.content()
    await page.context.close()


async def test_private_links_work_and_forged_ones_fail(browser: Browser, site: Site) -> None:
    page = await open_page(browser, site.url)
    unknown = await page.goto("/g/no-such-group?key=garbage")
    assert unknown is not None
    unknown_page = await page.locator("main").inner_text()
    # a private group without a key, or with a forged, garbled or another group's key, looks
    # exactly like a group that does not exist: nothing tells that "vault" is a private group
    for url in (
        "/g/vault",
        "/g/vault/item/1",
        "/g/no-such-group",
        f"/g/vault?key={site.key('vault')[:-2]}xx",
        f"/g/vault?key={site.key('lumen')}",
        f"/g/vault?key={site.key('vault', -60)[:-2]}xx",  # forged, even if it looks expired
        f"/g/vault/item/{site.items['Hidden Track']}?key=garbage",
    ):
        response = await page.goto(url)
        assert response is not None and response.status == unknown.status == 404, url
        await expect(page.get_by_role("heading", level=1)).to_have_text("No such group")
        assert await page.locator("main").inner_text() == unknown_page, url
        assert "The Vault" not in await page.content(), url
        assert "Hidden Track" not in await page.content(), url
    # only a genuine link of this group that has run out says so, and what to do
    response = await page.goto(f"/g/vault?key={site.key('vault', -60)}")
    assert response is not None and response.status == 403
    await expect(page.get_by_role("heading", level=1)).to_have_text("This link has expired")
    assert "Hidden Track" not in await page.content()
    await expect(page.locator("main")).to_contain_text("ask for a new one with /fangroup web")
    await screenshot(page, "private-expired")
    key = site.key("vault")
    await page.goto(f"/g/vault?key={key}&per_page=1")
    assert await titles(page) == ["Paper Moons"]
    await click_to(page, page.get_by_role("link", name="Next page →"))
    assert await titles(page) == ["Hidden Track"] and f"key={key}" in page.url
    await click_to(page, page.get_by_role("link", name="Hidden Track"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Hidden Track")
    assert f"key={key}" in page.url
    await click_to(page, page.get_by_role("link", name=re.compile("The Vault music tab")))
    await page.get_by_label("Search title or artist").fill("vault")
    await click_to(page, page.get_by_role("button", name="Apply"))
    assert await titles(page) == ["Hidden Track"] and f"key={key}" in page.url
    await page.context.close()


CONTRAST = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const bg = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  let worst = [99, ""];
  for (const el of document.querySelectorAll("main *, header *, footer *")) {
    const texts = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!el.offsetParent || !texts) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < worst[0]) worst = [ratio, el.tagName + " " + el.textContent.trim().slice(0, 30)];
  }
  return worst;
}"""
OVERFLOWING = """() => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > window.screen.width + 1)
  .map(e => e.tagName + " " + (e.textContent || "").trim().slice(0, 30))"""
UNLABELLED = """() => [...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
  .filter(e => !e.labels || !e.labels.length).map(e => e.name)"""


async def test_accessibility_basics(browser: Browser, site: Site) -> None:
    page = await open_page(browser, site.url)
    await page.goto("/g/lumen")
    assert await page.get_attribute("html", "lang") == "en"
    viewport = page.locator('meta[name="viewport"]')
    await expect(viewport).to_have_attribute("content", re.compile("width=device-width"))
    assert await page.evaluate(UNLABELLED) == []
    assert await page.locator("img:not([alt])").count() == 0
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    await expect(skip).to_be_focused()
    assert await skip.evaluate("e => getComputedStyle(e).outlineStyle") != "none"  # visible focus
    await page.keyboard.press("Enter")
    await expect(page.locator("main")).to_be_focused()
    await page.keyboard.press("Tab")  # the next control after the skip target gets a ring
    focused = page.locator(":focus")
    assert await focused.evaluate("e => getComputedStyle(e).outlineWidth") == "3px"
    ratio, where = await page.evaluate(CONTRAST)
    assert ratio >= 4.5, f"contrast {ratio:.2f} at {where}"
    await page.get_by_role("button", name="Play all", exact=True).click()
    await expect(page.locator("#player-fallback-link")).to_be_visible()
    ratio, where = await page.evaluate(CONTRAST)
    assert ratio >= 4.5, f"contrast {ratio:.2f} at {where} (player)"
    await page.context.close()


async def test_a_share_whose_link_cannot_be_shown_has_no_broken_link(
    browser: Browser, site: Site
) -> None:
    # a link too long to show as one (a long tracking query): the share is listed without it
    site.groups["odd"] = await site.store.create_group(
        slug="odd", name="Odd links", visibility=Visibility.INVITE
    )
    long_url = f"{GLASS[1][0][2]}?si={'x' * 420}"
    await site.post("odd", ALICE, f"with a long link {long_url}", GLASS)
    page = await open_page(browser, site.url)
    await page.goto(f"/g/odd/item/{site.items['Glass Harbour']}?key={site.key('odd')}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Glass Harbour")
    share = page.locator("#shares > li")
    await expect(share).to_have_count(1)
    await expect(share).to_contain_text("Alice in #general on Discord")
    await expect(share.get_by_role("link", name=re.compile("View the message"))).to_be_visible()
    await expect(share.get_by_role("link", name=re.compile("Shared link"))).to_have_count(0)
    assert await share.locator('a[href="None"]').count() == 0
    assert "·" not in await share.locator("p.context").last.inner_text()
    await page.context.close()


async def test_artwork_that_cannot_load_shows_the_placeholder_disc(
    browser: Browser, site: Site
) -> None:
    page = await open_page(browser, site.url)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    async def unreachable(route: Route) -> None:  # the artwork host is down
        await route.abort("connectionrefused")

    await page.route("https://i.scdn.co/**", unreachable)
    await page.goto("/g/lumen")
    neon = page.locator(f"#item-{site.items['Neon Rivers']}")
    art = neon.get_by_role("img", name="Artwork of Neon Rivers by Lumen Twins")
    await expect(art).to_have_attribute("src", "/static/disc.svg")
    await expect(art).to_have_js_property("complete", True)
    assert await art.evaluate("img => img.naturalWidth") > 0, "the disc itself loads"
    broken = await page.evaluate(
        "[...document.querySelectorAll('img.artwork')]"
        ".filter(img => img.complete && img.naturalWidth === 0).length"
    )
    assert broken == 0
    assert not [e for e in errors if "Content Security Policy" in e], errors
    await screenshot(page, "tab-artwork-unreachable")
    await page.context.close()
