"""The listening parties' JSON API and the room's event stream against a running bridge (real
discord.py and slack-bolt against the emulators; a JumpClock the test moves): the group's
parties, one party with its current track (the music tab item's fields and its id), position
and queue, a song's moments by position, each answer checked against /api/openapi.json; errors
like the rest of the API; the room's stream sends the state at once and a pause within 1 s;
writing from the room needs a personal link, which a ban closes at once; a private group's
parties and moments answer only with a personal link."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters.runtime import Runtime
from bridge.ids import Platform, Role, UserRef
from emulators.server import ThreadedEmulator
from tests.e2e.harness import Emu, JumpClock, bridge_config, grant
from tests.e2e.party_scene import PartyScene, party_number, song_url

pytestmark = pytest.mark.asyncio(loop_scope="module")
KEY = re.compile(r"\?key=(\S+)")
TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
}


def conforms(value: Any, schema: dict[str, Any], doc: dict[str, Any], at: str = "$") -> None:
    """``value`` against the OpenAPI (JSON Schema) ``schema``: $ref, type, enum, required,
    properties, items, oneOf: what our document uses."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return conforms(value, doc["components"]["schemas"][name], doc, at)
    if "oneOf" in schema:
        matched = 0
        for option in schema["oneOf"]:
            try:
                conforms(value, option, doc, at)
                matched += 1
            except AssertionError:
                pass
        assert matched == 1, f"{at}: {value!r} matches {matched} of oneOf"
        return None
    kinds = schema.get("type")
    if kinds is not None:
        allowed = [kinds] if isinstance(kinds, str) else kinds
        ok = any(
            isinstance(value, TYPES[k]) and not (k in ("integer", "number") and value is True)
            for k in allowed
        )
        assert ok and not (isinstance(value, bool) and "boolean" not in allowed), (at, value)
    if "enum" in schema:
        assert value in schema["enum"], (at, value)
    if isinstance(value, dict):
        missing = set(schema.get("required", [])) - set(value)
        assert not missing, f"{at}: missing {missing}"
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                conforms(value[name], sub, doc, f"{at}.{name}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            conforms(item, schema["items"], doc, f"{at}[{i}]")
    return None


class Api:
    def __init__(self, scene: PartyScene, http: aiohttp.ClientSession) -> None:
        self.scene, self.http = scene, http
        assert scene.runtime.web is not None
        self.url = scene.runtime.web.url
        self.doc: dict[str, Any] = {}

    async def get(self, path: str, status: int = 200, params: dict[str, str] | None = None) -> Any:
        async with self.http.get(self.url + path, params=params or {}) as response:
            body = await response.json()
            assert response.status == status, (path, response.status, body)
            return body

    async def checked(self, path: str, template: str, **params: str) -> Any:
        """A 200 answer, checked against the document's schema for ``template``."""
        body = await self.get(path, params=params)
        operation = self.doc["paths"][template]["get"]
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        conforms(body, schema, self.doc)
        return body


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        world = await emu.world()
        config = bridge_config(world, emulator.url, Path(tmp_path_factory.mktemp("api")) / "b.db")
        web = config.web.model_copy(update={"public_url": "https://fans.example.org"})
        clock = JumpClock()
        runtime = Runtime(config.model_copy(update={"web": web}), web_port=0, clock=clock)
        await runtime.start()
        scene = PartyScene(emu, world, runtime, clock)
        try:
            await scene.seed_songs()
            found = Api(scene, session)
            found.doc = await found.get("/api/openapi.json")
            yield found
        finally:
            await runtime.stop()


async def test_a_party_and_a_songs_moments_through_the_api(api: Api) -> None:
    p = api.scene
    p.clock.advance(-p.clock.offset - 30)  # the party started 30 s before the platforms' now
    reply = await p.discord_command("bob", "fangroup party start", source=song_url(1))
    party_id = party_number(reply)
    await p.jump(30)
    await p.emu.post(
        "/_emu/discord/messages",
        {"channel_id": p.d["general"], "user_id": p.du["carol"], "content": "love this bit"},
    )
    party = await p.party(party_id)
    item_id = party.queue[0].item_id
    group = await p.store.get_group("fans")
    assert group is not None

    async def stamped() -> bool:
        return bool(await p.store.item_moments(group.id, item_id))

    await p.emu.until(stamped, what="the comment stamped with the song")

    listed = await api.checked("/api/groups/fans/parties", "/api/groups/{slug}/parties")
    [first] = listed["parties"]
    one = await api.checked(
        f"/api/groups/fans/parties/{party_id}", "/api/groups/{slug}/parties/{id}"
    )
    for body in (first, one):
        assert body["id"] == party_id and body["state"] == "playing"
        assert body["host"]["platform"] == "discord" and body["host"]["name"]
        assert body["track"]["id"] == item_id and body["track"]["title"] == "Second Wind"
        assert body["track"]["ref"] == str(item_id) and body["track"]["duration_ms"] == 180_000
        assert body["track"]["artists"] == ["Lumen Twins"] and body["track"]["shares"] == 1
        assert 30_000 <= body["position_ms"] < 33_000, body["position_ms"]
        assert [q["title"] for q in body["queue"]] == ["Second Wind"]
        assert body["room_url"].endswith(f"/g/fans/party/{party_id}")

    moments = await api.checked(
        f"/api/groups/fans/items/{item_id}/moments", "/api/groups/{slug}/items/{id}/moments"
    )
    [moment] = moments["moments"]
    assert moment["text"] == "love this bit" and moment["platform"] == "discord"
    assert moment["party_id"] == party_id and 30_000 <= moment["position_ms"] < 31_000
    assert moment["author"] and moment["at"].endswith("Z")
    await p.runtime.parties.service.stop(party_id)  # type: ignore[union-attr]


async def test_errors_answer_like_the_rest_of_the_api(api: Api) -> None:
    missing = await api.get("/api/groups/fans/parties/999999", 404)
    assert missing["error"]["param"] == "id"
    assert (await api.get("/api/groups/fans/parties/abc", 404))["error"]["param"] == "id"
    assert (await api.get("/api/groups/nope/parties", 404))["error"]["param"] == "slug"
    bad = await api.get("/api/groups/fans/parties", 400, {"sort": "new"})
    assert bad["error"]["param"] == "sort"
    assert (await api.get("/api/groups/fans/items/999999/moments", 404))["error"]["param"] == "id"


async def test_the_rooms_stream_sends_the_state_and_a_pause_within_a_second(api: Api) -> None:
    p = api.scene
    party_id = party_number(await p.slack_command("frank", f"party start {song_url(0)}"))
    events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    url = f"{api.url}/g/fans/party/{party_id}/events"
    async with api.http.get(url, timeout=aiohttp.ClientTimeout(total=None)) as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")

        async def pump() -> None:
            async for line in stream.content:
                if line.startswith(b"data:"):
                    events.put_nowait(json.loads(line[5:]))

        task = asyncio.create_task(pump())
        try:
            state = await asyncio.wait_for(events.get(), 5)
            assert state["id"] == party_id and state["state"] == "playing"
            assert state["track"]["title"] == "Opening Night" and state["track"]["id"]
            assert {"position_ms", "server_now", "queue", "moments", "chat"} <= set(state)
            await p.slack_command("frank", "party pause")
            while state["state"] != "paused":
                state = await asyncio.wait_for(events.get(), 1.0)
        finally:
            task.cancel()
    await p.runtime.parties.service.stop(party_id)  # type: ignore[union-attr]


async def test_writing_from_the_room_needs_the_link_of_someone_not_banned(api: Api) -> None:
    p = api.scene
    party_id = party_number(await p.slack_command("frank", f"party start {song_url(2)}"))
    url = f"{api.url}/g/fans/party/{party_id}/comments"
    reply = await p.discord_command("dave", "fangroup web")
    found = KEY.search(reply)
    assert found, reply
    key = found.group(1)
    async with api.http.post(url, json={"text": "first!", "key": key}) as sent:
        assert sent.status == 201, await sent.text()
    async with api.http.post(url, json={"text": "no key"}) as refused:
        assert refused.status == 403
        assert "/fangroup web" in (await refused.json())["error"]["message"]
    async with api.http.post(url, json={"text": " ", "key": key}) as empty:
        assert empty.status == 400
    banned = await p.discord_command("alice", "fangroup ban", user=p.du["dave"])
    assert "is banned" in banned, banned
    async with api.http.post(url, json={"text": "second!", "key": key}) as refused:
        assert refused.status == 403
        assert "banned" in (await refused.json())["error"]["message"]
    texts = [str(m.get("content")) for m in await p.emu.discord_messages(p.d["general"])]
    assert "second!" not in texts and "no key" not in texts
    await p.runtime.parties.service.stop(party_id)  # type: ignore[union-attr]


async def test_a_private_groups_parties_answer_only_with_a_personal_link(api: Api) -> None:
    p = api.scene
    answer = await p.discord_command("alice", "fangroup visibility", value="invite")
    assert "invite" in answer, answer
    await api.get("/api/groups/fans/parties", 404)
    await api.get("/api/groups/fans/items/1/moments", 404)
    async with api.http.get(f"{api.url}/g/fans/party/1") as page:
        assert page.status == 404
    alice = UserRef(Platform.DISCORD, p.guild, p.du["alice"])
    await grant(p.store, alice, "Alice", Role.MEMBER)  # admitted: her link opens the group
    link = await p.discord_command("alice", "fangroup web")
    found = KEY.search(link)
    assert found, link
    listed = await api.get("/api/groups/fans/parties", params={"key": found.group(1)})
    assert len(listed["parties"]) == 3
    [newest, *_] = listed["parties"]
    async with api.http.get(
        f"{api.url}/g/fans/party/{newest['id']}", params={"key": found.group(1)}
    ) as page:
        assert page.status == 200 and "Listening party" in await page.text()
