"""The events page in a real browser (Debian's chromium through playwright) against the real
aiohttp app and a real SqlStore: upcoming events before past ones, each readable with its time,
place, artist, interest and links, a cancelled one marked, the calendar link; no JavaScript
needed and no errors. Screenshots of desktop and phone go to test-artifacts/."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, expect

from adapters.web.app import WebServer, build_web_app
from adapters.web.pages import PageSettings
from bridge.artist_events.model import EventDetails, EventDraft, EventState
from bridge.ids import Platform, UserRef
from storage.repos import SqlStore
from tests.web.conftest import browser, open_page, screenshot

__all__ = ["browser"]
pytestmark = pytest.mark.asyncio(loop_scope="module")
NOW = 1_800_000_000.0  # 2027-01-15 08:00 UTC
HOUR = 3600.0
ARTIST = UserRef(Platform.SLACK, "T1", "U1")


async def _seed(store: SqlStore) -> None:
    group = await store.create_group(slug="fans", name="Lumen Twins fans")
    shows = [
        ("Live at the Roundhouse", 50 * HOUR, "Roundhouse, London", "https://t.example/rh"),
        ("Signing at Rough Trade", 80 * HOUR, "Rough Trade, Bristol", ""),
        ("Warm-up show", -30 * HOUR, "Thekla, Bristol", ""),
    ]
    for title, start, place, tickets in shows:
        details = EventDetails(
            title, NOW + start, NOW + start + 3 * HOUR, place, tickets, "https://shop.example/tee"
        )
        draft = EventDraft(group.id, ARTIST, "Lumen Twins", details, "Europe/London")
        made = await store.create_artist_event(draft, at=NOW - 90 * HOUR, reminded=0, enqueue=[])
        if title.startswith("Signing"):
            assert await store.save_artist_event(replace(made, state=EventState.CANCELLED))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    path = Path(tmp_path_factory.mktemp("events")) / "b.db"
    store = await SqlStore.open(f"sqlite+aiosqlite:///{path}")
    await _seed(store)
    pages = PageSettings(store=store, secret=b"events-secret", now=lambda: NOW)
    app = build_web_app(ready_checks=lambda: _ok(), store=store, pages=pages)
    server = WebServer(app, "127.0.0.1", 0)
    await server.start()
    try:
        yield server.url
    finally:
        await server.stop()
        await store.close()


async def _ok() -> dict[str, bool]:
    return {}


@pytest.mark.parametrize("phone", [False, True])
async def test_the_events_page_is_readable(browser: Browser, site: str, phone: bool) -> None:
    page = await open_page(browser, site, phone=phone)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto("/g/fans")  # the music tab links to the events
    await page.get_by_role("link", name="Events: concerts, signings, streams").click()
    await expect(page).to_have_url(f"{site}/g/fans/events")
    await expect(page.get_by_role("heading", name="Lumen Twins fans: events")).to_be_visible()
    upcoming = page.locator("section", has=page.get_by_role("heading", name="Upcoming"))
    past = page.locator("section", has=page.get_by_role("heading", name="Past"))
    await expect(upcoming.locator("li.event h3")).to_have_text(
        ["Live at the Roundhouse", "cancelled Signing at Rough Trade"]
    )
    await expect(past.locator("li.event h3")).to_have_text(["Warm-up show"])
    first = upcoming.locator("li.event").first
    await expect(first).to_contain_text("2027-01-17 10:00 UTC (10:00 Europe/London)")
    await expect(first).to_contain_text("Roundhouse, London")
    await expect(first).to_contain_text("With Lumen Twins")
    await expect(first.get_by_role("link", name="🎟 Tickets")).to_have_attribute(
        "href", "https://t.example/rh"
    )
    await expect(
        page.get_by_role("link", name="Add them to your calendar (iCalendar)")
    ).to_have_attribute("href", "/g/fans/events.ics")
    await screenshot(page, f"events-{'phone' if phone else 'desktop'}")
    assert errors == []
    await page.context.close()
