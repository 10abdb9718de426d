"""The artist events on the web over a real store and web server: the API lists a group's
events with their place, links, interest and whether they are past (checked against
/api/openapi.json) and filters upcoming and past; the events page shows upcoming and past ones;
the iCalendar feed is read by a real parser; a private group's events, page and feed answer like
a missing group unless a personal link's key opens them; errors like the rest of the API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp
import icalendar
import pytest_asyncio

from adapters.web.access import allow_private_links
from adapters.web.app import WebServer, build_web_app
from adapters.web.pages import PageSettings
from adapters.web.signing import sign_grant
from bridge.artist_events.model import EventDetails, EventDraft, EventState
from bridge.ids import Platform, UserRef, Visibility
from storage.repos import SqlStore
from tests.e2e.test_party_api import conforms

ARTIST = UserRef(Platform.SLACK, "T1", "U1")
SECRET = b"s3cret"
NOW = 1_000_000.0
HOUR = 3600.0


@dataclass
class Web:
    url: str
    http: aiohttp.ClientSession
    store: SqlStore
    doc: dict[str, Any]

    async def get(self, path: str, status: int = 200, **params: str) -> aiohttp.ClientResponse:
        answer = await self.http.get(self.url + path, params=params)
        await answer.read()
        assert answer.status == status, (path, answer.status, await answer.text())
        return answer

    async def json(self, path: str, status: int = 200, **params: str) -> Any:
        return await (await self.get(path, status, **params)).json()


async def _event(store: SqlStore, group_id: int, title: str, start: float, **more: str) -> int:
    details = EventDetails(title, start, start + 3 * HOUR, **more)
    made = await store.create_artist_event(
        EventDraft(group_id, ARTIST, "Lumen", details), at=NOW - 10 * HOUR, reminded=0, enqueue=[]
    )
    return made.id


async def _seed(store: SqlStore) -> None:
    fans = await store.create_group(slug="fans", name="Fans")
    secret = await store.create_group(slug="secret", name="Secret", visibility=Visibility.INVITE)
    await _event(
        store,
        fans.id,
        "Album night; live, at last",
        NOW + 48 * HOUR,
        place="Roundhouse, London",
        tickets="https://t.example/rh",
    )
    past = await _event(store, fans.id, "Warm-up", NOW - 8 * HOUR, place="Bristol")
    cancelled = await _event(store, fans.id, "Signing", NOW + 72 * HOUR)
    found = await store.get_artist_event(cancelled)
    assert found is not None and past
    assert await store.save_artist_event(replace(found, state=EventState.CANCELLED))
    await _event(store, secret.id, "Secret show", NOW + 24 * HOUR)
    fan = await store.upsert_account(user=UserRef(Platform.DISCORD, "G", "u"), display_name="u")
    await store.set_event_interest(1, fan.id, interested=True)


@pytest_asyncio.fixture
async def web(tmp_path: Path) -> AsyncIterator[Web]:
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    await _seed(store)
    pages = PageSettings(store=store, secret=SECRET, now=lambda: NOW)
    app = build_web_app(ready_checks=[], store=store, pages=pages)  # type: ignore[arg-type]
    allow_private_links(app, SECRET, lambda: NOW)
    server = WebServer(app, "127.0.0.1", 0)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            found = Web(server.url, http, store, {})
            found.doc = await found.json("/api/openapi.json")
            yield found
    finally:
        await server.stop()
        await store.close()


async def test_the_api_lists_the_groups_events(web: Web) -> None:
    body = await web.json("/api/groups/fans/events")
    schema = web.doc["paths"]["/api/groups/{slug}/events"]["get"]["responses"]["200"]
    conforms(body, schema["content"]["application/json"]["schema"], web.doc)
    events = body["events"]
    assert [e["title"] for e in events] == ["Warm-up", "Album night; live, at last", "Signing"]
    album = events[1]
    assert album["place"] == "Roundhouse, London" and album["tickets_url"] == "https://t.example/rh"
    assert album["interested"] == 1 and not album["past"] and album["state"] == "scheduled"
    assert album["starts_at"] == "1970-01-14T13:46:40Z" and album["merch_url"] is None
    assert album["page_url"].endswith("/g/fans/events")
    assert events[0]["past"] and events[2]["state"] == "cancelled"
    upcoming = await web.json("/api/groups/fans/events", when="upcoming")
    assert [e["title"] for e in upcoming["events"]] == ["Album night; live, at last", "Signing"]
    past = await web.json("/api/groups/fans/events", when="past")
    assert [e["title"] for e in past["events"]] == ["Warm-up"]


async def test_the_page_shows_upcoming_and_past_events(web: Web) -> None:
    html = await (await web.get("/g/fans/events")).text()
    upcoming, past = html.split('id="past-heading"')
    assert "Album night; live, at last" in upcoming and "Roundhouse, London" in upcoming
    assert "cancelled" in upcoming and "1 interested" in upcoming
    assert "Warm-up" in past and "Warm-up" not in upcoming
    assert 'href="https://t.example/rh"' in upcoming and "events.ics" in html


async def test_the_feed_is_a_calendar(web: Web) -> None:
    answer = await web.get("/g/fans/events.ics")
    assert answer.content_type == "text/calendar"
    raw = await answer.read()
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    calendar = icalendar.Calendar.from_ical(raw)
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"Album night; live, at last", "Warm-up", "Signing"}
    album = events["Album night; live, at last"]
    assert (
        str(album["LOCATION"]) == "Roundhouse, London"
        and str(album["URL"]) == "https://t.example/rh"
    )
    assert album.decoded("DTSTART").timestamp() == NOW + 48 * HOUR
    assert album.decoded("DTEND").timestamp() == NOW + 51 * HOUR
    assert str(events["Signing"]["STATUS"]) == "CANCELLED"
    assert len({str(e["UID"]) for e in events.values()}) == 3


async def test_a_private_groups_events_need_a_personal_link(web: Web) -> None:
    missing = await web.json("/api/groups/secret/events", 404)
    assert missing == {"error": {"param": "slug", "message": "no group 'secret'"}}
    await web.get("/g/secret/events", 404)
    await web.get("/g/secret/events.ics", 404)
    key = sign_grant(SECRET, "secret", "discord:900:11", NOW + 3600)
    body = await web.json("/api/groups/secret/events", key=key)
    assert [e["title"] for e in body["events"]] == ["Secret show"]
    assert "key=" in body["events"][0]["page_url"]
    page = await web.get("/g/secret/events", key=key)
    assert (
        "Secret show" in await page.text() and page.headers["Cache-Control"] == "private, no-store"
    )
    feed = await web.get("/g/secret/events.ics", key=key)
    assert b"Secret show" in await feed.read()
    other = sign_grant(SECRET, "fans", "discord:900:11", NOW + 3600)
    await web.get("/api/groups/secret/events", 404, key=other)


async def test_errors_answer_like_the_rest_of_the_api(web: Web) -> None:
    assert (await web.json("/api/groups/fans/events", 400, when="soon"))["error"]["param"] == "when"
    assert (await web.json("/api/groups/fans/events", 400, sort="new"))["error"]["param"] == "sort"
    assert (await web.json("/api/groups/nobody/events", 404))["error"]["param"] == "slug"
