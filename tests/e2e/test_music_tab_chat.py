"""The music tab in chat: /fangroup music on Discord (an embed, paged with its buttons) and on
Slack (blocks, paged with theirs), and the Slack App Home: real discord.py and slack-bolt against
the emulators, the tab seeded straight into the bridge's store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters.runtime import Runtime
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.music.model import Metadata
from bridge.records import ItemLink, ShareDraft
from emulators.server import ThreadedEmulator
from storage.repos import SqlStore
from tests.e2e.harness import Emu, bridge_config, start_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")
SONGS = 7  # two pages of five
HOSTILE = "<!channel> & @everyone *loud*"


class World:
    def __init__(self, emu: Emu, world: dict[str, Any], runtime: Runtime) -> None:
        self.emu = emu
        self.runtime = runtime
        guild = world["discord"]["guilds"][0]
        team = world["slack"]["workspaces"][0]
        self.guild, self.team = str(guild["id"]), str(team["id"])
        self.d = {c["name"]: str(c["id"]) for c in guild["channels"]}
        self.s = {c["name"]: str(c["id"]) for c in team["channels"]}
        self.du = {u["username"]: str(u["id"]) for u in guild["users"]}
        self.su = {u["name"]: str(u["id"]) for u in team["users"]}

    @property
    def store(self) -> SqlStore:
        assert self.runtime.store is not None
        return self.runtime.store

    async def discord_command(self, user: str, path: str, **options: Any) -> Any:
        body = {
            "channel_id": self.d["general"],
            "user_id": self.du[user],
            "name": path,
            "options": options,
        }
        return await self.emu.post("/_emu/discord/commands", body)

    async def slack_command(self, user: str, text: str) -> Any:
        body = {"command": "/fangroup", "text": text, "user": self.su[user]}
        return await self.emu.post("/_emu/slack/commands", body | {"channel": self.s["general"]})

    async def slack_tab_message(self, needle: str) -> dict[str, Any] | None:
        for message in await self.emu.slack_messages(self.s["general"]):
            if needle in str(message.get("blocks")):
                return message
        return None


async def seed(w: World) -> None:
    """SONGS resolved items shared in the group "fans", oldest first; the newest is also known
    on Deezer and has a hostile title."""
    group = await w.store.get_group("fans")
    assert group is not None
    alice = UserRef(Platform.DISCORD, w.guild, w.du["alice"])
    origin = ChannelRef(Platform.DISCORD, w.guild, w.d["general"])
    for n in range(SONGS):
        spotify_id = f"{n:02d}TabSongAbcdefghijklmn"[:22]
        url = f"https://open.spotify.com/track/{spotify_id}"
        title = HOSTILE if n == SONGS - 1 else f"Tab Song {n}"
        meta = Metadata(
            "spotify", "track", spotify_id, url, title, ("Lumen Twins",),
            artwork_url=f"https://i.scdn.co/image/art{n}",
        )  # fmt: skip
        item = await w.store.create_item(meta, match_key=None)
        await w.store.add_item_link(item, ItemLink("spotify", "track", spotify_id, url))
        if n == SONGS - 1:
            deezer = ItemLink("deezer", "track", "3135556", "https://www.deezer.com/track/3135556")
            await w.store.add_item_link(item, deezer)
        message, _ = await w.store.record_message(
            group_id=group.id, author=alice, origin=origin, origin_message_id=f"seed{n}", text=url
        )
        key = f"spotify:track:{spotify_id}"
        await w.store.add_shares(
            group_id=group.id,
            message_id=message.id,
            shared_by=alice,
            shared_by_name="Alice",
            drafts=[ShareDraft(key, "spotify", url)],
        )
        await w.store.mark_link(key, status="ok", item_id=item)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def w(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        world = await emu.world()
        db = Path(tmp_path_factory.mktemp("music_tab")) / "bridge.db"
        runtime = await start_bridge(bridge_config(world, emulator.url, db))
        try:
            here = World(emu, world, runtime)
            await seed(here)
            yield here
        finally:
            await runtime.stop()


def titles(embed: dict[str, Any]) -> list[str]:
    return [field["name"] for field in embed.get("fields") or []]


def button(components: list[dict[str, Any]], label: str) -> dict[str, Any]:
    buttons = [b for row in components for b in row["components"]]
    return next(b for b in buttons if b.get("label") == label)


# -- Discord -----------------------------------------------------------------------------------
async def test_discord_music_shows_an_embed_and_pages_with_its_buttons(w: World) -> None:
    answer = await w.discord_command("bob", "fangroup music")
    [embed] = answer["data"]["embeds"]
    assert embed["title"] == "🎧 Fans — music tab"
    assert len(titles(embed)) == 5 and "Tab Song 5 — Lumen Twins" in titles(embed)[1]
    assert embed["footer"]["text"] == f"page 1/2 · Recent · {SONGS} items"
    newest = embed["fields"][0]
    assert "[Spotify](https://open.spotify.com/track/" in newest["value"]
    assert "[Deezer](https://www.deezer.com/track/3135556)" in newest["value"]
    assert "shared 1× · 0 reactions · by Alice" in newest["value"]
    assert "@everyone" not in str(embed) and embed["thumbnail"]["url"].endswith("/art6")
    assert button(answer["data"]["components"], "◀")["disabled"]

    next_id = button(answer["data"]["components"], "▶")["custom_id"]
    clicked = await w.emu.post(
        "/_emu/discord/components",
        {"message_id": answer["message"]["id"], "user_id": w.du["carol"], "custom_id": next_id},
    )
    [embed] = clicked["data"]["embeds"]
    assert [t.split(". ", 1)[1] for t in titles(embed)] == [
        "Tab Song 1 — Lumen Twins",
        "Tab Song 0 — Lumen Twins",
    ]
    assert embed["footer"]["text"].startswith("page 2/2")
    assert clicked["message"]["id"] == answer["message"]["id"]  # edited in place
    assert button(clicked["data"]["components"], "▶")["disabled"]


async def test_discord_music_options_choose_sort_and_page(w: World) -> None:
    answer = await w.discord_command("bob", "fangroup music", sort="top", page=2)
    [embed] = answer["data"]["embeds"]
    assert embed["footer"]["text"] == f"page 2/2 · Top · {SONGS} items"
    assert len(titles(embed)) == 2
    recent_id = button(answer["data"]["components"], "Recent")["custom_id"]
    clicked = await w.emu.post(
        "/_emu/discord/components",
        {"message_id": answer["message"]["id"], "user_id": w.du["bob"], "custom_id": recent_id},
    )
    assert clicked["data"]["embeds"][0]["footer"]["text"].startswith("page 1/2 · Recent")


# -- Slack -------------------------------------------------------------------------------------
async def test_slack_music_shows_blocks_and_pages_with_its_buttons(w: World) -> None:
    answer = await w.slack_command("erin", "music")
    assert answer["ok"] and "Fans — music tab" in answer["text"]
    message = await w.slack_tab_message("Tab Song 5")
    assert message is not None
    blocks = message["blocks"]
    assert blocks[0]["text"]["text"] == "🎧 Fans — music tab"
    sections = [b for b in blocks if b["type"] == "section"]
    assert len(sections) == 5
    newest = sections[0]["text"]["text"]
    assert "&lt;!channel&gt; &amp;" in newest and "<!" not in str(blocks)
    assert "|Spotify>" in newest and "<https://www.deezer.com/track/3135556|Deezer>" in newest
    assert sections[0]["accessory"]["image_url"].endswith("/art6")

    clicked = await w.emu.post(
        "/_emu/slack/actions",
        {
            "user": w.su["frank"],
            "channel": w.s["general"],
            "message_ts": message["ts"],
            "action_id": "fbtab_next",
        },
    )
    assert clicked["ok"]
    paged = await w.emu.until(lambda: w.slack_tab_message("page 2/2"), what="page 2")
    assert paged["ts"] == message["ts"]  # replaced in place
    shown = str(paged["blocks"])
    assert "Tab Song 1" in shown and "Tab Song 0" in shown and "Tab Song 5" not in shown
    ids = [e["action_id"] for b in paged["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert "fbtab_prev" in ids and "fbtab_next" not in ids


async def test_slack_music_words_choose_sort_and_page(w: World) -> None:
    answer = await w.slack_command("grace", "music top 2")
    assert answer["ok"] and f"page 2/2 · Top · {SONGS} items" in answer["text"]


async def test_app_home_shows_the_groups_music(w: World) -> None:
    opened = await w.emu.post("/_emu/slack/app_home", {"user": w.su["heidi"]})
    assert opened["ok"]

    async def home() -> dict[str, Any] | None:
        views = await w.emu.get("/_emu/slack/views", user=w.su["heidi"])
        return next((v for v in views if v.get("type") == "home"), None)

    view = await w.emu.until(home, what="home view")
    shown = str(view["blocks"])
    assert "Fans — music tab" in shown and "Tab Song 5" in shown and "Tab Song 0" not in shown
    assert "<!" not in shown


async def test_no_contract_violations(w: World) -> None:
    assert await w.emu.violations() == []
