"""`/announce` on both platforms: a verified artist's announcement reaches every linked channel of
the group (two Discord channels and one Slack channel) as an embed / blocks under the artist's
name, pinned when asked; a fan is refused; `/announce edit` and `/announce delete` follow to every
copy; the Slack command works for the artist's linked Slack account. Real discord.py and
slack-bolt against the emulators, one bridge for the module."""

from __future__ import annotations

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
from storage.repos import SqlStore
from tests.e2e.harness import Emu, bridge_config, grant, start_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")
TITLE = "📣 Announcement"
IMAGE = "https://images.example.com/tour.png"


class World:
    def __init__(self, emu: Emu, world: dict[str, Any], runtime: Runtime) -> None:
        self.emu = emu
        self.runtime = runtime
        guild = world["discord"]["guilds"][0]
        team = world["slack"]["workspaces"][0]
        self.guild = str(guild["id"])
        self.d_channels = [str(c["id"]) for c in guild["channels"]]
        self.s_channel = str(team["channels"][0]["id"])
        self.du = {u["username"]: str(u["id"]) for u in guild["users"]}
        self.su = {u["name"]: str(u["id"]) for u in team["users"]}

    @property
    def store(self) -> SqlStore:
        assert self.runtime.store is not None
        return self.runtime.store

    async def announce(self, who: str, sub: str, channel: int = 0, **options: Any) -> str:
        """``/announce <sub>`` in a Discord channel: the follow-up's text."""
        body = {
            "channel_id": self.d_channels[channel],
            "user_id": self.du[who],
            "name": f"announce {sub}",
            "options": options,
            "timeout": 15,
        }
        answer = await self.emu.post("/_emu/discord/commands", body)
        return str(answer["data"]["content"])

    async def slack_command(self, user: str, command: str, text: str) -> str:
        body = {"command": command, "text": text, "user": self.su[user], "wait": 12}
        answer = await self.emu.post("/_emu/slack/commands", body | {"channel": self.s_channel})
        return "\n".join(str(r["text"]) for r in answer["responses"])

    async def copies(self, needle: str, count: int = 3) -> list[dict[str, Any]]:
        """The announcement's copies in #general, #music (Discord) and #general (Slack), once
        there are ``count`` of them."""

        async def shown() -> tuple[list[dict[str, Any]]] | None:
            found = await self._shown(needle)
            return (found,) if len(found) == count else None

        return (await self.emu.until(shown, what=f"{count} copies of {needle!r}"))[0]

    async def _shown(self, needle: str) -> list[dict[str, Any]]:
        found = [
            m
            for c in self.d_channels[:2]
            for m in await self.emu.discord_messages(c)
            if any(needle in (e.get("description") or "") for e in m.get("embeds") or [])
        ]
        slack = await self.emu.slack_messages(self.s_channel)
        return found + [m for m in slack if needle in _blocks_text(m)]


def _blocks_text(message: dict[str, Any]) -> str:
    return " ".join(str((b.get("text") or {}).get("text", "")) for b in message.get("blocks") or [])


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def w(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        world = await emu.world()
        guild = world["discord"]["guilds"][0]
        team = world["slack"]["workspaces"][0]
        links = [
            ("discord", guild["id"], guild["channels"][0]["id"]),
            ("discord", guild["id"], guild["channels"][1]["id"]),
            ("slack", team["id"], team["channels"][0]["id"]),
        ]
        db = Path(tmp_path_factory.mktemp("announce")) / "bridge.db"
        runtime = await start_bridge(bridge_config(world, emulator.url, db, links=links))
        try:
            yield World(emu, world, runtime)
        finally:
            await runtime.stop()


async def test_a_fan_is_refused(w: World) -> None:
    text = await w.announce("bob", "post", message="buy my merch")
    assert text == "Sorry, only verified artists and group moderators may announce."
    assert "may announce" in await w.slack_command("grace", "/announce", "hello all")


async def test_an_artist_announces_to_every_linked_channel(w: World) -> None:
    await grant(w.store, UserRef(Platform.DISCORD, w.guild, w.du["dave"]), "Dave", Role.ARTIST)
    text = await w.announce("dave", "post", message="New album out friday", image=IMAGE, pin=True)
    assert text.startswith("📣 Announcement #")
    assert "sent 2/2" in text
    copies = await w.copies("New album out friday")
    discord_copies = [c for c in copies if c.get("embeds")]
    assert len(discord_copies) == 2  # the origin in #general and the copy in #music
    for copy_ in discord_copies:
        [embed] = copy_["embeds"]
        assert embed["title"] == TITLE and embed["image"]["url"] == IMAGE
        assert embed["author"]["name"] == "Dave ✔ artist"
        assert copy_["author"] == "Dave ✔ artist" and copy_["webhook_id"] and copy_["pinned"]
    [slack] = [c for c in copies if "blocks" in c and c.get("blocks")]
    assert slack["username"] == "Dave · ✔ artist"
    assert [b["type"] for b in slack["blocks"]] == ["header", "section", "image"]
    assert slack["blocks"][0]["text"]["text"] == TITLE


async def test_edit_and_delete_follow_to_every_copy(w: World) -> None:
    text = await w.announce("dave", "post", channel=1, message="Tour dates soon")
    number = int(re.search(r"#(\d+)", text).group(1))  # type: ignore[union-attr]
    await w.copies("Tour dates soon")
    assert "No announcement" in await w.announce("dave", "edit", id=99999, message="x")
    refused = await w.announce("bob", "edit", id=number, message="hacked")
    assert refused == "Sorry, only verified artists and group moderators may announce."
    edited = await w.announce("dave", "edit", id=number, message="Tour dates: May 3")
    assert edited == f"Editing announcement #{number} in 3 channel(s)."
    await w.copies("Tour dates: May 3")
    deleted = await w.announce("dave", "delete", id=number)
    assert deleted == f"Deleting announcement #{number} in 3 channel(s)."
    await w.copies("Tour dates", count=0)


async def test_the_slack_command_works_for_the_artists_linked_account(w: World) -> None:
    body = {"channel_id": w.d_channels[0], "user_id": w.du["dave"], "name": "fangroup account link"}
    answer = await w.emu.post("/_emu/discord/commands", body)
    code = str(answer["data"]["content"]).split("`")[1]
    linked = await w.slack_command("frank", "/fangroup", f"account confirm {code}")
    assert linked.startswith("Linked:")
    text = await w.slack_command("frank", "/announce", "Listening party tonight pin group:fans")
    assert "📣 Announcement #" in text and "sent 2/2" in text
    copies = await w.copies("Listening party tonight")
    assert all("pin" not in _blocks_text(c) and "group:" not in _blocks_text(c) for c in copies)
    discord_copy = next(c for c in copies if c.get("embeds"))
    assert discord_copy["author"] == "frank ✔ artist"
    slack_origin = next(c for c in copies if c.get("blocks") and not c.get("embeds"))
    assert slack_origin["pinned_to"] == [w.s_channel]  # pinned with pins.add


async def test_a_release_reminder_shows_the_artwork_and_every_platform(w: World) -> None:
    catalog = (await w.emu.get("/_emu/music/catalog"))["items"]
    song = next(
        i
        for i in catalog
        if i["kind"] == "track" and i.get("isrc") and {"spotify", "deezer"} <= set(i["platforms"])
    )
    url = song["platforms"]["deezer"]["url"]  # (this bridge has no Spotify credentials)
    store = w.store
    known = await store.item_for_link("deezer", "track", song["platforms"]["deezer"]["id"])
    assert known is None  # the resolver learns it from a fan's share first
    await w.emu.post(
        "/_emu/discord/messages",
        {"channel_id": w.d_channels[0], "user_id": w.du["bob"], "content": f"omg {url}"},
    )

    async def resolved() -> int | None:
        return await store.item_for_link("deezer", "track", song["platforms"]["deezer"]["id"])

    item_id = await w.emu.until(resolved, what="the shared song resolved")
    item = await store.get_item(item_id)
    assert item is not None and item.artwork_url and item.links
    urls = {link.url for link in item.links}
    text = await w.announce("dave", "post", message="Out now, go stream it", link=url)
    assert "sent 2/2" in text
    copies = await w.copies("Out now, go stream it")
    for copy_ in (c for c in copies if c.get("embeds")):
        [embed] = copy_["embeds"]
        [field] = embed["fields"]
        assert field["name"].startswith(f"🎵 {item.title}")
        assert "[Deezer](" in field["value"] and all(u in field["value"] for u in urls)
        assert embed["image"]["url"] == item.artwork_url
    slack = next(c for c in copies if c.get("blocks") and not c.get("embeds"))
    card = slack["blocks"][-1]
    assert card["accessory"]["image_url"] == item.artwork_url
    assert "|Deezer>" in card["text"]["text"] and item.title in card["text"]["text"]


async def test_no_contract_violations(w: World) -> None:
    assert await w.emu.violations() == []


async def test_a_moderator_announces_to_the_group_of_the_channel_or_names_one(w: World) -> None:
    carol = UserRef(Platform.DISCORD, w.guild, w.du["carol"])
    await grant(w.store, carol, "Carol", Role.MODERATOR)
    text = await w.announce("carol", "post", message="Mods here: new rules pinned")
    assert "posted here and queued for 2 linked channel(s) of **Fans**" in text  # Discord markdown
    await w.copies("Mods here: new rules pinned")
    # #announcements is not linked: a moderator (not an artist) must say which group
    elsewhere = await w.announce("carol", "post", channel=2, message="Which group?")
    assert elsewhere == "Name the group to announce to: `group:<slug>` (yours: `fans`)."
