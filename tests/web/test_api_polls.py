"""The polls' JSON API over a real store and web server: a group's polls and one poll with
their options' labels and votes (a blind poll's songs hidden until it closes, a relayed Discord
poll's votes counted in), each answer checked against /api/openapi.json; a private group's polls
answer like a missing group unless a personal link's key opens them; errors like the rest of the
API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest_asyncio

from adapters.web.access import allow_private_links
from adapters.web.app import WebServer, build_web_app
from adapters.web.signing import sign_grant
from bridge.ids import ChannelRef, Platform, UserRef, Visibility
from bridge.music.model import Metadata
from bridge.polls.model import NativePoll, PollDraft, PollOption, PollState
from bridge.records import ItemLink
from storage.repos import SqlStore
from tests.e2e.test_party_api import conforms

ANN = UserRef(Platform.DISCORD, "900", "11")
GENERAL = ChannelRef(Platform.DISCORD, "900", "901")
SECRET = b"s3cret"
NOW = 1_000_000.0


@dataclass
class Api:
    url: str
    http: aiohttp.ClientSession
    store: SqlStore
    doc: dict[str, Any]
    polls: dict[str, int]

    async def get(self, path: str, status: int = 200, **params: str) -> Any:
        async with self.http.get(self.url + path, params=params) as answer:
            body = await answer.json()
            assert answer.status == status, (path, answer.status, body)
            return body

    async def checked(self, path: str, template: str, **params: str) -> Any:
        body = await self.get(path, **params)
        operation = self.doc["paths"][template]["get"]
        conforms(
            body, operation["responses"]["200"]["content"]["application/json"]["schema"], self.doc
        )
        return body


async def _member(store: SqlStore, user: str) -> int:
    account = await store.upsert_account(
        user=UserRef(Platform.SLACK, "T1", user), display_name=user
    )
    return account.member_id


async def _seed(store: SqlStore) -> dict[str, int]:
    fans = await store.create_group(slug="fans", name="Fans")
    secret = await store.create_group(slug="secret", name="Secret", visibility=Visibility.INVITE)
    songs = []
    for n, title in enumerate(("Neon Rivers", "Glass Tide")):
        meta = Metadata(
            "deezer", "track", str(n), f"https://www.deezer.com/track/{n}", title, ("Lumen",)
        )
        item = await store.create_item(meta, match_key=None)
        await store.add_item_link(item, ItemLink("deezer", "track", str(n), meta.url))
        songs.append(item)
    words = (PollOption("Blue"), PollOption("Red"))
    plain = PollDraft(fans.id, "Best?", words, ANN, "Ann", closes_at=NOW + 3600)
    blind = PollDraft(
        fans.id,
        "Which single?",
        tuple(
            PollOption(f"Lumen – {t}", item_id=i)
            for t, i in zip(("Neon Rivers", "Glass Tide"), songs, strict=True)
        ),
        ANN,
        "Ann",
        blind=True,
    )
    native = PollDraft(
        fans.id,
        "Tour city?",
        (PollOption("Paris", answer_id=1), PollOption("Berlin", answer_id=2)),
        ANN,
        "Ann",
        native=NativePoll(GENERAL, "5000"),
    )
    hidden = PollDraft(secret.id, "Secret?", words, ANN, "Ann")
    made = {}
    for name, draft in (("plain", plain), ("blind", blind), ("native", native), ("hidden", hidden)):
        made[name] = (await store.create_poll(draft, at=NOW, enqueue=lambda _: [])).id
    for who, option in (("u1", 0), ("u2", 0), ("u3", 1)):
        await store.set_vote(made["plain"], await _member(store, who), option, name=who, at=NOW)
    await store.set_vote(made["blind"], await _member(store, "u1"), 1, name="u1", at=NOW)
    await store.set_native_vote(made["native"], "d1", 1, added=True)
    await store.set_native_vote(made["native"], "d2", 1, added=True)
    await store.set_vote(made["native"], await _member(store, "u2"), 0, name="u2", at=NOW)
    return made


@pytest_asyncio.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    polls = await _seed(store)
    app = build_web_app(ready_checks=[], store=store)
    allow_private_links(app, SECRET, lambda: NOW)
    server = WebServer(app, "127.0.0.1", 0)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            found = Api(server.url, http, store, {}, polls)
            found.doc = await found.get("/api/openapi.json")
            yield found
    finally:
        await server.stop()
        await store.close()


async def test_a_groups_polls_with_their_options_and_votes(api: Api) -> None:
    listed = await api.checked("/api/groups/fans/polls", "/api/groups/{slug}/polls")
    assert [p["id"] for p in listed["polls"]] == [
        api.polls[k] for k in ("native", "blind", "plain")
    ]
    plain = await api.checked(
        f"/api/groups/fans/polls/{api.polls['plain']}", "/api/groups/{slug}/polls/{id}"
    )
    assert (plain["question"], plain["state"], plain["total"]) == ("Best?", "open", 3)
    assert [(o["label"], o["votes"]) for o in plain["options"]] == [("Blue", 2), ("Red", 1)]
    assert plain["closes_at"] is not None and plain["closes_at"].startswith("1970-01-12")
    native = await api.get(f"/api/groups/fans/polls/{api.polls['native']}")
    assert native["native"] and [o["votes"] for o in native["options"]] == [1, 2]


async def test_a_blind_polls_songs_are_hidden_until_it_closes(api: Api) -> None:
    path = f"/api/groups/fans/polls/{api.polls['blind']}"
    hidden = await api.get(path)
    assert [(o["label"], o["url"]) for o in hidden["options"]] == [
        ("Song 1", None),
        ("Song 2", None),
    ]
    assert "Neon" not in str(hidden)
    poll = await api.store.get_poll(api.polls["blind"])
    assert poll is not None
    closed = replace(poll, state=PollState.CLOSED, closed_at=NOW + 10)
    assert await api.store.save_poll(closed)
    shown = await api.checked(path, "/api/groups/{slug}/polls/{id}")
    assert [(o["label"], o["winner"]) for o in shown["options"]] == [
        ("Lumen – Neon Rivers", False),
        ("Lumen – Glass Tide", True),
    ]
    assert shown["state"] == "closed" and shown["options"][1]["url"].startswith(
        "https://www.deezer"
    )


async def test_a_private_groups_polls_need_a_personal_link(api: Api) -> None:
    path = f"/api/groups/secret/polls/{api.polls['hidden']}"
    missing = await api.get(path, 404)
    assert missing == {"error": {"param": "slug", "message": "no group 'secret'"}}
    await api.get("/api/groups/secret/polls", 404)
    key = sign_grant(SECRET, "secret", "discord:900:11", NOW + 3600)
    assert (await api.get(path, key=key))["question"] == "Secret?"
    other = sign_grant(SECRET, "fans", "discord:900:11", NOW + 3600)
    await api.get(path, 404, key=other)


async def test_errors_answer_like_the_rest_of_the_api(api: Api) -> None:
    assert (await api.get("/api/groups/fans/polls/999999", 404))["error"]["param"] == "id"
    assert (await api.get("/api/groups/fans/polls/abc", 404))["error"]["param"] == "id"
    hidden = api.polls["hidden"]  # another group's poll
    assert (await api.get(f"/api/groups/fans/polls/{hidden}", 404))["error"]["param"] == "id"
    assert (await api.get("/api/groups/fans/polls", 400, sort="new"))["error"]["param"] == "sort"
