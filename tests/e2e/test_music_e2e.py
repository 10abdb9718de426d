"""Music links through the whole bridge: shared on both platforms, resolved by the real
providers against the emulated music services, folded into one item of the group's tab."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters.config import SpotifyConfig
from adapters.runtime import Runtime
from emulators.server import ThreadedEmulator
from tests.e2e.harness import Emu, bridge_config, start_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")


class Scene:
    def __init__(
        self, emu: Emu, world: dict[str, Any], runtime: Runtime, catalog: list[Any]
    ) -> None:
        self.emu = emu
        self.runtime = runtime
        self.catalog = catalog
        guild = world["discord"]["guilds"][0]
        team = world["slack"]["workspaces"][0]
        self.d_channel = guild["channels"][0]["id"]
        self.s_channel = team["channels"][0]["id"]
        self.d_users = {u["username"]: u["id"] for u in guild["users"]}
        self.s_users = {u["name"]: u["id"] for u in team["users"]}

    def song(self, *platforms: str, skip: int = 0) -> dict[str, Any]:
        found = [
            i
            for i in self.catalog
            if i["kind"] == "track"
            and i.get("isrc")
            and all(p in i["platforms"] for p in platforms)
        ]
        return found[skip]

    async def tab(self) -> tuple[list[Any], int]:
        store = self.runtime.store
        assert store is not None
        group = await store.get_group("fans")
        assert group is not None
        return await store.music_tab(group.id, limit=50)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def scene(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Scene]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        world = await emu.world()
        catalog = (await emu.get("/_emu/music/catalog"))["items"]
        db = Path(tmp_path_factory.mktemp("music")) / "bridge.db"
        config = bridge_config(world, emulator.url, db)
        spotify = SpotifyConfig(
            client_id=world["spotify"]["client_id"], client_secret=world["spotify"]["client_secret"]
        )
        runtime = await start_bridge(config.model_copy(update={"spotify": spotify}))
        try:
            yield Scene(emu, world, runtime, catalog)
        finally:
            await runtime.stop()


async def test_same_song_from_two_platforms_is_one_item_shared_twice(scene: Scene) -> None:
    song = scene.song("spotify", "deezer")
    spotify_url = song["platforms"]["spotify"]["url"] + "?si=abc123"
    deezer_url = song["platforms"]["deezer"]["url"]
    await scene.emu.post(
        "/_emu/discord/messages",
        {
            "channel_id": scene.d_channel,
            "user_id": scene.d_users["alice"],
            "content": f"new fave! {spotify_url}",
        },
    )
    await scene.emu.post(
        "/_emu/slack/messages",
        {
            "channel": scene.s_channel,
            "user": scene.s_users["frank"],
            "text": f"same here <{deezer_url}|on deezer>",
        },
    )

    async def one_item() -> Any:
        entries, _ = await scene.tab()
        resolved = [e for e in entries if e.item is not None and e.item.title == song["title"]]
        return resolved[0] if resolved and resolved[0].shares == 2 else None

    entry = await scene.emu.until(one_item, what="one item with two shares")
    assert entry.item.isrc == song["isrc"]
    assert set(entry.sharers) == {"Alice", "frank"} or len(entry.sharers) == 2
    platforms = {link.platform for link in entry.item.links}
    assert {"spotify", "deezer"} <= platforms


async def test_copies_show_the_other_platforms_links(scene: Scene) -> None:
    song = scene.song("spotify", "deezer", skip=1)
    await scene.emu.post(
        "/_emu/discord/messages",
        {
            "channel_id": scene.d_channel,
            "user_id": scene.d_users["bob"],
            "content": f"listen {song['platforms']['spotify']['url']}",
        },
    )

    async def with_links() -> dict[str, Any] | None:
        for message in await scene.emu.slack_messages(scene.s_channel):
            text = message.get("text") or ""
            if song["platforms"]["spotify"]["id"] in text and "also on" in text:
                return message
        return None

    copy = await scene.emu.until(with_links, what="copy edited with links")
    assert song["platforms"]["deezer"]["url"] in copy["text"]
    assert "Spotify>" not in copy["text"]  # the platform already shared is not repeated


async def test_music_links_can_be_turned_off_per_group(scene: Scene) -> None:
    team = (await scene.emu.world())["slack"]["workspaces"][0]["users"]
    admin = next(u["id"] for u in team if u.get("admin"))
    answer = await scene.emu.post(
        "/_emu/slack/commands",
        {"command": "/fangroup", "text": "links off", "user": admin, "channel": scene.s_channel},
    )
    assert "now off" in answer["text"]
    song = scene.song("spotify", "deezer", skip=3)
    marker = f"quiet {song['platforms']['spotify']['id']}"
    await scene.emu.post(
        "/_emu/discord/messages",
        {
            "channel_id": scene.d_channel,
            "user_id": scene.d_users["carol"],
            "content": f"quiet {song['platforms']['spotify']['url']}",
        },
    )

    async def resolved() -> Any:
        entries, _ = await scene.tab()
        return [e for e in entries if e.item is not None and e.item.title == song["title"]]

    assert await scene.emu.until(resolved, what="resolved")
    await scene.runtime.worker.drain_once()  # type: ignore[union-attr]
    copies = [m for m in await scene.emu.slack_messages(scene.s_channel) if "quiet" in m["text"]]
    assert copies and all("also on" not in m["text"] for m in copies), marker
    await scene.emu.post(
        "/_emu/slack/commands",
        {"command": "/fangroup", "text": "links on", "user": admin, "channel": scene.s_channel},
    )


async def test_deleting_a_share_updates_the_tab(scene: Scene) -> None:
    song = scene.song("deezer", skip=2)
    posted = await scene.emu.post(
        "/_emu/slack/messages",
        {
            "channel": scene.s_channel,
            "user": scene.s_users["grace"],
            "text": f"deep cut {song['platforms']['deezer']['url']}",
        },
    )

    async def listed() -> Any:
        entries, _ = await scene.tab()
        return [e for e in entries if e.item is not None and e.item.title == song["title"]]

    assert await scene.emu.until(listed, what="in the tab")
    await scene.emu.post(
        "/_emu/slack/messages/delete",
        {"channel": scene.s_channel, "ts": posted["ts"], "user": scene.s_users["grace"]},
    )

    async def gone() -> bool:
        return not await listed()

    assert await scene.emu.until(gone, what="share removed")


async def test_a_hostile_short_link_is_never_fetched(scene: Scene) -> None:
    catalog = await scene.emu.get("/_emu/music/catalog")
    hostile = [
        h["url"] if isinstance(h, dict) else h for h in catalog.get("hostile_short_links", [])
    ]
    assert hostile
    await scene.emu.post(
        "/_emu/discord/messages",
        {
            "channel_id": scene.d_channel,
            "user_id": scene.d_users["dave"],
            "content": "free tickets " + " ".join(hostile),
        },
    )

    async def refused() -> bool:
        store = scene.runtime.store
        assert store is not None
        due = await store.due_links(now=1e12)
        return not [d for d in due if d[0].startswith("short:")]

    assert await scene.emu.until(refused, what="short links settled")
    requests = await scene.emu.get("/_emu/requests", platform="music")
    assert not [r for r in requests if "evil.example" in r["path"] or "169.254" in r["path"]]


async def test_a_moderators_delete_takes_the_song_off_the_web_tab(scene: Scene) -> None:
    """A fan shares a song on Discord; it shows on the group's web tab; a moderator (carol, Manage
    Messages) deletes the message in Discord: the bridge removes the share and the page no longer
    lists the song."""
    assert scene.runtime.web is not None
    page = scene.runtime.web.url + "/g/fans"
    async with scene.emu.session.get(page) as response:
        before = await response.text()
    song = next(
        s for i in range(4, 40) if (s := scene.song("deezer", skip=i))["title"] not in before
    )
    posted = await scene.emu.post(
        "/_emu/discord/messages",
        {
            "channel_id": scene.d_channel,
            "user_id": scene.d_users["bob"],
            "content": f"this one {song['platforms']['deezer']['url']}",
        },
    )

    async def on_the_page(present: bool) -> bool | None:
        async with scene.emu.session.get(page) as response:
            assert response.status == 200
            shown = song["title"] in await response.text()
        return True if shown == present else None

    assert await scene.emu.until(lambda: on_the_page(True), what="the song on the web tab")
    await scene.emu.post(
        f"/_emu/discord/messages/{posted['id']}/delete", {"user_id": scene.d_users["carol"]}
    )
    assert await scene.emu.until(lambda: on_the_page(False), what="the song gone from the tab")
