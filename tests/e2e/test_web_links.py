"""`/fangroup web`: a public group's address for anyone; for a private group a personal signed
link (7 days) for its members and moderators only, shown to the caller alone. Real discord.py and
slack-bolt against the emulators; the group links Discord #music and Slack #music. A ban closes
the link on the bridge's own web server at once."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters.runtime import Runtime
from adapters.web.signing import Grant, GrantError, verify_grant, web_secret
from bridge.ids import Platform, UserRef
from emulators.server import ThreadedEmulator
from tests.e2e.harness import Emu, bridge_config, channel_pair, start_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")
PUBLIC_URL = "https://fans.example.org"
CODE = re.compile(r"`([A-Z0-9]{8})`")
LINK = re.compile(r"(https://fans\.example\.org/g/\S+)")
WEEK = 7 * 24 * 3600.0


class Scene:
    def __init__(self, emu: Emu, world: dict[str, Any], runtime: Runtime) -> None:
        self.emu, self.runtime = emu, runtime
        guild, team = world["discord"]["guilds"][0], world["slack"]["workspaces"][0]
        self.guild, self.team = str(guild["id"]), str(team["id"])
        self.d_music, self.s_music = str(guild["channels"][1]["id"]), str(team["channels"][1]["id"])
        self.s_general = str(team["channels"][0]["id"])
        self.du = {u["username"]: str(u["id"]) for u in guild["users"]}
        self.su = {u["name"]: str(u["id"]) for u in team["users"]}

    async def discord(self, who: str, path: str, **options: Any) -> tuple[str, bool]:
        body = {
            "channel_id": self.d_music,
            "user_id": self.du[who],
            "name": f"fangroup {path}",
            "options": options,
        }
        answer = await self.emu.post("/_emu/discord/commands", body)
        return str(answer["data"]["content"]), bool(answer["ephemeral"])

    async def slack(self, who: str, text: str, channel: str = "") -> tuple[str, bool]:
        body = {"command": "/fangroup", "text": text, "user": self.su[who]}
        answer = await self.emu.post(
            "/_emu/slack/commands", body | {"channel": channel or self.s_music}
        )
        [response] = answer["responses"]
        return str(response["text"]), response.get("response_type") != "in_channel"

    def verify(self, text: str, slug: str = "fans", now: float | None = None) -> Grant | GrantError:
        found = LINK.search(text)
        assert found, text
        page, _, key = found.group(1).partition("?key=")
        assert page == f"{PUBLIC_URL}/g/{slug}" and key, text
        secret = web_secret(self.runtime.config)
        return verify_grant(secret, key, slug, time.time() if now is None else now)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def s(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Scene]:
    db = Path(tmp_path_factory.mktemp("weblinks")) / "bridge.db"
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        world = await emu.world()
        config = bridge_config(world, emulator.url, db, links=channel_pair(world, 1))
        web = config.web.model_copy(update={"public_url": PUBLIC_URL + "/"})
        runtime = await start_bridge(config.model_copy(update={"web": web}))
        try:
            yield Scene(emu, world, runtime)
        finally:
            await runtime.stop()


async def test_a_public_group_gets_its_plain_address_on_both_platforms(s: Scene) -> None:
    """The open address first, then a personal link to write in the party rooms."""
    for text, ephemeral in (await s.discord("bob", "web"), await s.slack("frank", "web")):
        address, personal = text.split("\n")
        assert ephemeral and address.endswith(f"on the web: {PUBLIC_URL}/g/fans"), text
        assert "write in the group's listening party rooms" in personal, text
        assert f"{PUBLIC_URL}/g/fans?key=" in personal, text
    text, _ = await s.slack("frank", "web nosuchgroup")
    assert text.startswith("No group `nosuchgroup`")


async def test_a_private_group_refuses_fans_who_are_not_admitted(s: Scene) -> None:
    text, _ = await s.discord("alice", "visibility", value="invite")
    assert text.startswith("**Fans** is now invite.")
    text, ephemeral = await s.discord("bob", "web")
    assert ephemeral and text.startswith("Sorry, **Fans** is private") and "http" not in text
    text, ephemeral = await s.slack("frank", "web fans", channel=s.s_general)
    assert ephemeral and text.startswith("Sorry, *Fans* is private") and "http" not in text


async def test_a_moderator_on_slack_gets_a_personal_link(s: Scene) -> None:
    await s.slack("erin", f"mod add <@{s.su['erin']}>")  # a workspace admin makes herself one
    before = time.time()
    text, ephemeral = await s.slack("erin", "web fans", channel=s.s_general)
    assert ephemeral and "valid for 7 days" in text, text
    grant = s.verify(text)
    assert isinstance(grant, Grant), grant
    erin = UserRef(Platform.SLACK, s.team, s.su["erin"])
    assert grant.user == str(erin)
    assert s.runtime.store is not None
    account = await s.runtime.store.get_account(erin)
    assert account is not None and grant.member == account.member_id  # the person, for bans
    assert before + WEEK - 2 <= grant.expires_at <= time.time() + WEEK
    assert s.verify(text, now=grant.expires_at + 1) == GrantError("expired")
    assert s.verify(text.replace("/g/fans", "/g/other"), slug="other") == GrantError("forged")


async def test_an_admitted_discord_fan_gets_a_personal_link(s: Scene) -> None:
    text, _ = await s.slack("erin", "invite")
    code = CODE.search(text)
    assert code, text
    text, _ = await s.discord("bob", "join", code=code.group(1))
    assert text.startswith("Welcome to **Fans**!"), text
    text, ephemeral = await s.discord("bob", "web")
    assert ephemeral, text
    grant = s.verify(text)
    assert isinstance(grant, Grant), grant
    assert grant.user == str(UserRef(Platform.DISCORD, s.guild, s.du["bob"]))
    # dave is still not admitted
    text, _ = await s.discord("dave", "web")
    assert text.startswith("Sorry, **Fans** is private")


async def test_a_ban_closes_the_personal_link_on_the_bridges_web_server_at_once(
    s: Scene,
) -> None:
    text, _ = await s.discord("bob", "web")  # admitted above
    found = LINK.search(text)
    assert found, text
    key = found.group(1).partition("?key=")[2]
    assert s.runtime.web is not None
    base = s.runtime.web.url
    routes = ("/g/fans", "/api/groups/fans/items", "/g/fans/feed.atom", "/g/fans/export.json")

    async def statuses() -> set[int]:
        seen = set()
        for route in routes:
            async with s.emu.session.get(base + route, params={"key": key}) as resp:
                seen.add(resp.status)
        return seen

    assert await statuses() == {200}
    text, _ = await s.discord("alice", "ban", user=s.du["bob"])
    assert "is banned from **Fans**" in text, text
    assert await statuses() == {404}  # as if there were no such group
