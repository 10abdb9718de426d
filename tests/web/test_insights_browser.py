"""A group's insights and digests' archive in a real browser (Debian's chromium through
playwright) against the real aiohttp app and a SqlStore on SQLite seeded with a week of shares:
the charts are SVG drawn on the server, with the right bars, values and text labels, named by
their <title> and <desc>, the same with JavaScript disabled; the archive lists the sent digests
newest first; a private group's pages open only with a key. Screenshots go to test-artifacts/."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from adapters.web.app import WebServer, build_web_app
from adapters.web.pages import PageSettings
from adapters.web.signing import sign_grant
from bridge.digests.gather import gather
from bridge.digests.model import WEEK, DigestDraft, DigestState
from bridge.ids import Visibility
from bridge.testing import ManualClock
from storage.repos import SqlStore
from tests.digest_seed import Seeded, Seeder
from tests.web.conftest import open_page, screenshot

pytestmark = pytest.mark.asyncio(loop_scope="module")
SECRET = b"insights-test-secret"


@dataclass
class Site:
    url: str
    store: SqlStore
    week: Seeded


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    clock = ManualClock()
    db = Path(tmp_path_factory.mktemp("insights")) / "i.db"
    store = await SqlStore.open(f"sqlite+aiosqlite:///{db}", clock=clock)
    week = await Seeder(store, clock).week()
    for n, until in enumerate((week.until - WEEK, week.until)):
        content = await gather(store, week.group, until - WEEK, until)
        draft = DigestDraft(week.group.id, f"2027-W0{n + 2}", until, DigestState.SENT, content)
        await store.claim_digest(draft, at=until)
    await store.create_group(slug="vault", name="The Vault", visibility=Visibility.INVITE)
    settings = PageSettings(store=store, secret=SECRET, now=lambda: week.until + 3600)

    async def ready() -> dict[str, bool]:
        return {"store": True}

    app = build_web_app(ready_checks=ready, pages=settings, store=store)
    server = WebServer(app, "127.0.0.1", 0)
    await server.start()
    try:
        yield Site(server.url, store, week)
    finally:
        await server.stop()
        await store.close()


async def bars(page: Page, chart: str) -> list[tuple[str, str]]:
    rows = page.locator(f"svg#{chart} g.bar")
    return [
        (str(await r.get_attribute("data-label")), str(await r.get_attribute("data-value")))
        for r in await rows.all()
    ]


async def check_charts(page: Page) -> None:
    await expect(page.get_by_role("heading", name="Lumen Fans at a glance")).to_be_visible()
    artists = page.get_by_role("img", name="Most shared artists")
    await expect(artists).to_be_visible()
    assert await bars(page, "top-artists") == [
        ("Lumen Twins", "5"),
        ("Harbor Lights", "2"),
        ("Nova", "2"),
    ]
    await expect(artists.locator("text.label").first).to_have_text("Lumen Twins")
    await expect(artists.locator("text.value").first).to_have_text("5")
    assert await bars(page, "top-curators") == [("Alice", "4"), ("Bob", "2"), ("Cara", "1")]
    curators = page.locator("svg#top-curators")
    desc = await curators.locator("desc").text_content()
    assert desc == "Alice: 4 songs; Bob: 2 songs; Cara: 1 song"
    widths = [
        float(await r.get_attribute("width") or 0) for r in await curators.locator("rect").all()
    ]
    assert widths[0] > widths[1] > widths[2] > 0  # longer bars for more songs
    weeks = page.locator("svg#shares-per-week g.column")
    assert await weeks.count() == 12
    last = weeks.last
    assert await last.get_attribute("data-total") == "7"
    assert await last.locator("rect[data-series='Discord']").get_attribute("data-value") == "4"
    assert await last.locator("rect[data-series='Slack']").get_attribute("data-value") == "3"
    assert await weeks.first.get_attribute("data-total") == "0"
    legend = page.locator("svg#shares-per-week g.legend text")
    assert await legend.all_text_contents() == ["Discord", "Slack"]
    turnout = page.get_by_role("img", name="Poll turnout")
    await expect(turnout).to_have_count(1)  # the bridge keeps polls: none closed yet
    assert await turnout.locator("desc").text_content() == "No data yet."


async def test_the_insights_charts_show_the_groups_weeks(browser: Browser, site: Site) -> None:
    page = await open_page(browser, site.url)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto("/g/fans/insights")
    await check_charts(page)
    await screenshot(page, "insights-desktop")
    assert errors == []


async def test_the_charts_read_the_same_without_javascript(browser: Browser, site: Site) -> None:
    context = await browser.new_context(java_script_enabled=False, base_url=site.url)
    page = await context.new_page()
    await page.goto("/g/fans/insights")
    await check_charts(page)
    assert await page.evaluate("1 + 1") == 2  # (playwright's own evaluation still works)
    await context.close()


async def test_the_archive_lists_the_digests_newest_first(browser: Browser, site: Site) -> None:
    page = await open_page(browser, site.url)
    await page.goto("/g/fans/digests")
    headings = page.locator("article.digest h2")
    await expect(headings).to_have_count(2)
    assert "2027-W03" in (await headings.first.text_content() or "")
    newest = page.locator("article.digest").first
    await expect(newest.get_by_role("heading", name="Most shared songs")).to_be_visible()
    song = newest.get_by_role("link", name="1. Opening Night – Lumen Twins")
    await expect(song).to_have_attribute("href", "https://www.deezer.com/track/1")
    await expect(newest.get_by_text("New members")).to_be_visible()
    older = page.locator("article.digest").last
    await expect(older.get_by_text("A quiet week")).to_be_visible()
    await page.get_by_role("link", name="Insights").click()
    await expect(page).to_have_url(f"{site.url}/g/fans/insights")
    await screenshot(page, "digests-archive")


async def test_a_private_groups_pages_open_only_with_a_key(browser: Browser, site: Site) -> None:
    page = await open_page(browser, site.url)
    for path in ("/g/vault/insights", "/g/vault/digests"):
        response = await page.goto(path)
        assert response is not None and response.status == 404
    key = sign_grant(SECRET, "vault", "discord:1:2", site.week.until + 7200)  # the site's clock
    response = await page.goto(f"/g/vault/insights?key={key}")
    assert response is not None and response.status == 200
    await expect(page.get_by_role("heading", name="The Vault at a glance")).to_be_visible()
    await expect(page.get_by_role("link", name="Weekly digests")).to_have_attribute(
        "href", f"/g/vault/digests?key={key}"
    )
