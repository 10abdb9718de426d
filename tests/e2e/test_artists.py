"""Verified artists through /fangroup on both platforms: verification by an owner and refusal for
a fan, the artist badge on relayed copies, the impostor suffix, list and remove, and artist
groups created by an artist. Real discord.py and slack-bolt against the emulators; the Slack
workspace has a fan called "dave", the same name as the Discord artist Dave, and fans whose names
imitate the artist's badge or Dave's name in Cyrillic; the Discord guild has a fan whose name is
the bot's with a zero-width space."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters.runtime import Runtime
from bridge.ids import Platform, Role, UserRef
from emulators.discord.world import DEFAULT_WORLD as DISCORD_WORLD
from emulators.server import ThreadedEmulator
from emulators.slack.state import DEFAULT_WORLD as SLACK_WORLD
from storage.repos import SqlStore
from tests.e2e.harness import Emu, bridge_config, start_bridge
from tests.emulation import running_emulator

pytestmark = pytest.mark.asyncio(loop_scope="module")
BADGE = "✔ artist"
BADGE_FAN = f"Dave · {BADGE}"  # what the artist's copies on Slack are called
CYRILLIC_DAVE = "D\u0430ve"
ZERO_WIDTH_BOT = "FanBridge\u200b"


class World:
    def __init__(self, emu: Emu, world: dict[str, Any], runtime: Runtime) -> None:
        self.emu = emu
        self.runtime = runtime
        guild = world["discord"]["guilds"][0]
        team = world["slack"]["workspaces"][0]
        self.guild = str(guild["id"])
        self.team = str(team["id"])
        self.d_channels = [str(c["id"]) for c in guild["channels"]]
        self.s_channels = [str(c["id"]) for c in team["channels"]]
        self.du = {u["username"]: str(u["id"]) for u in guild["users"]}
        self.su = {u["name"]: str(u["id"]) for u in team["users"]}

    @property
    def store(self) -> SqlStore:
        assert self.runtime.store is not None
        return self.runtime.store

    async def discord(self, who: str, path: str, channel: int = 0, **options: str) -> str:
        """Run ``/fangroup <path>`` in a Discord channel (#general): the reply's text."""
        body = {
            "channel_id": self.d_channels[channel],
            "user_id": self.du[who],
            "name": f"fangroup {path}",
            "options": options,
        }
        answer = await self.emu.post("/_emu/discord/commands", body)
        return str(answer["data"]["content"])

    async def slack(self, user: str, text: str, channel: int = 0) -> str:
        """Run ``/fangroup <text>`` in a Slack channel (#general): the reply's text."""
        body = {"command": "/fangroup", "text": text, "user": self.su[user]}
        answer = await self.emu.post(
            "/_emu/slack/commands", body | {"channel": self.s_channels[channel]}
        )
        [response] = answer["responses"]
        return str(response["text"])

    async def discord_post(self, who: str, content: str) -> None:
        body = {"channel_id": self.d_channels[0], "user_id": self.du[who], "content": content}
        await self.emu.post("/_emu/discord/messages", body)

    async def slack_post(self, who: str, text: str) -> None:
        body = {"channel": self.s_channels[0], "user": self.su[who], "text": text}
        await self.emu.post("/_emu/slack/messages", body)

    async def slack_copy(self, needle: str) -> dict[str, Any]:
        async def shown() -> dict[str, Any] | None:
            rows = await self.emu.slack_messages(self.s_channels[0])
            return next((m for m in rows if needle in (m.get("text") or "")), None)

        return await self.emu.until(shown, what=f"slack copy of {needle!r}")

    async def discord_copy(self, needle: str) -> dict[str, Any]:
        async def shown() -> dict[str, Any] | None:
            rows = await self.emu.discord_messages(self.d_channels[0])
            return next((m for m in rows if needle in (m.get("content") or "")), None)

        return await self.emu.until(shown, what=f"discord copy of {needle!r}")


@pytest.fixture(scope="module")
def artist_emulator() -> Iterator[ThreadedEmulator]:
    """The default world, plus Slack fans called "dave", "Dave · ✔ artist" and "Dave" with a
    Cyrillic a, and a Discord fan called "FanBridge" with a zero-width space."""
    slack = copy.deepcopy(SLACK_WORLD)
    slack["workspaces"][0]["users"].append({"name": "dave", "real_name": "Dave Doppel"})
    slack["workspaces"][0]["users"] += [{"name": BADGE_FAN}, {"name": CYRILLIC_DAVE}]
    discord = copy.deepcopy(DISCORD_WORLD)
    discord["guilds"][0]["users"].append({"username": "eve", "global_name": ZERO_WIDTH_BOT})
    with running_emulator(world={"slack": slack, "discord": discord}) as emu:
        yield emu


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def w(
    artist_emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(artist_emulator.url, session)
        world = await emu.world()
        db = Path(tmp_path_factory.mktemp("artists")) / "bridge.db"
        runtime = await start_bridge(bridge_config(world, artist_emulator.url, db))
        try:
            yield World(emu, world, runtime)
        finally:
            await runtime.stop()


async def test_a_fan_may_not_verify_artists(w: World) -> None:
    text = await w.discord("bob", "artist add", user=w.du["dave"])
    assert "may not verify" in text
    text = await w.slack("grace", f"artist add <@{w.su['heidi']}>")
    assert "may not verify" in text
    assert "no verified artists" in await w.slack("grace", "artist list")
    assert (await w.slack("grace", "artist add")).startswith("Usage:")


async def test_an_owner_verifies_an_artist_and_their_linked_accounts(w: World) -> None:
    group = await w.store.get_group("fans")
    assert group is not None
    bob = await w.store.upsert_account(
        user=UserRef(Platform.DISCORD, w.guild, w.du["bob"]), display_name="Bob"
    )
    await w.store.grant_role(group_id=group.id, member_id=bob.member_id, role=Role.OWNER)
    # Dave links his Slack account (frank) first: the role is on the person
    code = (await w.discord("dave", "account link")).split("`")[1]
    assert (await w.slack("frank", f"account confirm {code}")).startswith("Linked:")
    text = await w.discord("bob", "artist add", user=w.du["dave"])
    assert text.startswith("Verified Dave (Discord), frank (Slack) as an artist of **Fans**")
    assert "already an artist" in await w.discord("bob", "artist add", user=w.du["dave"])
    listed = await w.slack("heidi", "artist list")
    assert listed == "Verified artists of *Fans*:\n• Dave (Discord), frank (Slack)"
    assert "**Artists**: Dave (Discord), frank (Slack)" in await w.discord("carol", "roles")


async def test_an_artists_copies_carry_the_badge_on_both_platforms(w: World) -> None:
    await w.discord_post("dave", "new single out friday")
    on_slack = await w.slack_copy("new single out friday")
    assert on_slack["username"] == f"Dave · {BADGE}"
    await w.slack_post("frank", "thank you all for listening")
    on_discord = await w.discord_copy("thank you all for listening")
    assert on_discord["author"] == f"frank {BADGE}" and on_discord["webhook_id"]
    await w.discord_post("carol", "just a fan here")
    assert (await w.slack_copy("just a fan here"))["username"] == "Carol"


async def test_an_impostor_gets_a_suffix(w: World) -> None:
    await w.slack_post("dave", "hi it is me, the real dave")
    copy_ = await w.discord_copy("the real dave")
    assert copy_["author"] == "dave (fan)"


async def test_look_alike_names_and_an_imitated_badge_get_the_suffix(w: World) -> None:
    await w.slack_post(BADGE_FAN, "the badge is in my name")
    copy_ = await w.discord_copy("the badge is in my name")
    assert copy_["author"] == f"{BADGE_FAN} (fan)"
    await w.slack_post(CYRILLIC_DAVE, "an a from another alphabet")
    assert (await w.discord_copy("another alphabet"))["author"] == f"{CYRILLIC_DAVE} (fan)"
    await w.discord_post("eve", "an invisible space after the bot's name")
    copy_ = await w.slack_copy("an invisible space")
    assert copy_["username"] == f"{ZERO_WIDTH_BOT} (fan)"


async def test_a_verified_artist_creates_an_artist_group(w: World) -> None:
    text = await w.discord("bob", "create", channel=1, name="Bob Band", kind="artist")
    assert "only a verified artist" in text
    text = await w.discord("dave", "create", channel=1, name="Dave Live", kind="artist")
    assert text.startswith("Created Fan Group **Dave Live** (`dave-live`, artist)")
    assert "(`dave-live`, artist, public)" in await w.discord("bob", "info", channel=1)
    roles = await w.discord("bob", "roles", channel=1)
    assert "**Owners**: Dave (Discord), frank (Slack)" in roles
    assert "**Artists**: Dave (Discord), frank (Slack)" in roles
    # on Slack, through Dave's linked account, with the kind anywhere after the name
    text = await w.slack("frank", "create Dave Acoustic kind:artist", channel=1)
    assert text.startswith("Created Fan Group *Dave Acoustic* (`dave-acoustic`, artist)")
    text = await w.slack("erin", "create Synth Pop kind:genre", channel=2)
    assert text.startswith("Created Fan Group *Synth Pop* (`synth-pop`, genre)")
    text = await w.slack("grace", "create Not Me kind:artist", channel=2)
    assert "only a verified artist" in text


async def test_an_artist_is_removed(w: World) -> None:
    text = await w.slack("grace", f"artist remove <@{w.su['frank']}>")
    assert "may not verify" in text
    text = await w.discord("bob", "artist remove", user=w.du["dave"])
    assert text == "Dave is no longer an artist of **Fans**."
    assert "is not an artist" in await w.discord("bob", "artist remove", user=w.du["dave"])
    assert "no verified artists" in await w.discord("carol", "artist list")
    await w.slack_post("dave", "dave the fan again")
    assert (await w.discord_copy("dave the fan again"))["author"] == "dave"
    await w.discord_post("dave", "no badge now")
    assert (await w.slack_copy("no badge now"))["username"] == "Dave"


async def test_no_contract_violations(w: World) -> None:
    assert await w.emu.violations() == []
