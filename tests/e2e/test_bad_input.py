"""Input a platform should never send, handled the way a fan or a moderator would want: text
with a lone surrogate arrives repaired (U+FFFD) instead of being lost, a user id too large for
the database or not shaped like the platform's ids is refused in one line, and a ban or timeout
of a user the platform does not know is refused with the id named, nothing recorded. Real
discord.py and slack-bolt against the emulators."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from adapters.runtime import Runtime
from bridge.ids import Platform, UserRef
from emulators.server import ThreadedEmulator
from tests.e2e.harness import Chats, Emu, running_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")
HUGE = str(2**64 - 1)  # the largest unsigned 64-bit number: no Discord id is that large today
LONE = "\ud800"  # half of a surrogate pair, alone: what `"\ud800"` in JSON decodes to


class Scene(Chats):
    runtime: Runtime

    async def discord_command(self, who: str, path: str, **options: str) -> str:
        body = {
            "channel_id": self.d_channel,
            "user_id": self.d_users[who],
            "name": f"fangroup {path}",
            "options": options,
        }
        answer = await self.emu.post("/_emu/discord/commands", body)
        return str(answer["data"]["content"])

    async def slack_command(self, who: str, text: str) -> str:
        body = {"command": "/fangroup", "text": text, "user": self.s_users[who]}
        answer = await self.emu.post("/_emu/slack/commands", body | {"channel": self.s_channel})
        [response] = answer["responses"]
        return str(response["text"])

    async def modlog_kinds(self) -> list[str]:
        store = self.runtime.store
        assert store is not None
        group = await store.get_group("fans")
        assert group is not None
        return [action.kind for action in await store.modlog(group.id, limit=50)]

    async def known(self, user: UserRef) -> bool:
        assert self.runtime.store is not None
        return await self.runtime.store.get_account(user) is not None


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def scene(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Scene]:
    async with aiohttp.ClientSession() as session:  # a Discord user with the largest id
        huge = {"username": "huge", "id": HUGE}
        guild = {"name": "Elsewhere", "channels": ["lobby"], "users": [huge]}
        await Emu(emulator.url, session).post("/_emu/discord/guilds", guild)
    db_dir = Path(tmp_path_factory.mktemp("bad_input"))
    async with running_bridge(emulator.url, db_dir) as (emu, world, runtime):
        scene = Scene(emu, world)
        scene.runtime = runtime
        yield scene


async def test_a_lone_surrogate_from_discord_arrives_on_slack_as_a_replacement_character(
    scene: Scene,
) -> None:
    await scene.discord_post("alice", f"broken {LONE} glyph from discord")
    await scene.discord_post("alice", "the next discord message")
    texts = await scene.wait_for(scene.slack_texts, "the next discord message")
    assert "broken \ufffd glyph from discord" in texts
    assert texts.index("broken \ufffd glyph from discord") < texts.index("the next discord message")


async def test_a_lone_surrogate_from_slack_arrives_on_discord_as_a_replacement_character(
    scene: Scene,
) -> None:
    await scene.slack_post("frank", f"*broken* {LONE} glyph from slack")
    await scene.slack_post("frank", "the next slack message")
    texts = await scene.wait_for(scene.discord_texts, "the next slack message")
    copies = [t for t in texts if "glyph from slack" in t]
    assert copies == ["**broken** \ufffd glyph from slack"]
    assert texts.index(copies[0]) < texts.index("the next slack message")


async def test_a_discord_user_id_too_large_for_the_database_is_refused(scene: Scene) -> None:
    answer = await scene.discord_command("alice", "ban", user=HUGE, reason="spam")
    assert answer == f"`{HUGE}` is not a Discord user id: it is too large. Nothing was done."
    assert "ban" not in await scene.modlog_kinds()
    assert not await scene.known(UserRef(Platform.DISCORD, scene.guild_id, HUGE))


async def test_an_id_not_shaped_like_a_slack_user_id_is_refused(scene: Scene) -> None:
    bad = "U" + "9" * 40
    answer = await scene.slack_command("erin", f"mod add <@{bad}>")
    assert answer.startswith(f"`{bad[:40]}…` is not a Slack user id.")
    assert not await scene.known(UserRef(Platform.SLACK, scene.team_id, bad))


async def test_a_ban_or_timeout_of_an_unknown_slack_user_is_refused(scene: Scene) -> None:
    for command in ("ban <@UNOBODY42> spam", "timeout <@UNOBODY42> 10m", "kick <@UNOBODY42>"):
        answer = await scene.slack_command("erin", command)
        assert answer == "There is no Slack user `UNOBODY42`. Nothing was done.", command
    assert await scene.modlog_kinds() == []
    assert not await scene.known(UserRef(Platform.SLACK, scene.team_id, "UNOBODY42"))
    # a person who exists is still timed out
    answer = await scene.slack_command("erin", f"timeout <@{scene.s_users['grace']}> 10m")
    assert "is timed out in *Fans* for 10m" in answer
    assert await scene.modlog_kinds() == ["timeout"]


async def test_discord_tells_the_bridge_which_user_ids_name_no_one(scene: Scene) -> None:
    """A Discord command's user option names someone Discord knows; the bridge's own check
    (GET /users/{id}) answers for any id it is asked about."""
    assert scene.runtime.discord is not None
    sender = scene.runtime.discord.sender
    alice = UserRef(Platform.DISCORD, scene.guild_id, scene.d_users["alice"])
    assert await sender.user_exists(alice) is True
    assert await sender.user_exists(UserRef(Platform.DISCORD, scene.guild_id, "4242")) is False
