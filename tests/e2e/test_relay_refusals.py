"""What a platform refuses is never dropped silently: names Discord will not show, copies a
platform answers 400 to, messages too long for a few parts, reactions beyond Discord's 20.
Real discord.py and slack-bolt against the emulators; one group links Discord #general with
Slack #general and Slack #music."""

from __future__ import annotations

import base64
import copy
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
import pytest_asyncio

from adapters.runtime import Runtime
from emulators.server import ThreadedEmulator
from emulators.slack.state import DEFAULT_WORLD as SLACK_WORLD
from tests.e2e.harness import Chats, Emu, bridge_config, start_bridge
from tests.emulation import running_emulator

pytestmark = pytest.mark.asyncio(loop_scope="module")
DISCORD_WEBHOOK_POSTS = {"platform": "discord", "method": "POST", "path_glob": "*/webhooks/*"}
SLACK_POSTS = {"platform": "slack", "method": "POST", "path_glob": "*chat.postMessage"}
# 19 emoji a Discord fan adds, then three a Slack fan adds: one more than Discord allows
DISCORD_EMOJI = list("😀😂😍😎🤔👍👏🙏💪👀💯🌈🍕🎸🎧🎤🥁🐝🦊")


class Scene(Chats):
    def __init__(self, emu: Emu, world: dict[str, Any], runtime: Runtime) -> None:
        super().__init__(emu, world)
        self.runtime = runtime
        self.s_music = str(world["slack"]["workspaces"][0]["channels"][1]["id"])
        self.bot_id = str(world["discord"]["bot_user_id"])

    async def discord_rows(self, needle: str) -> list[dict[str, Any]]:
        rows = await self.emu.discord_messages(self.d_channel)
        return [r for r in rows if needle in r["content"]]

    async def slack_rows(self, channel: str, needle: str) -> list[dict[str, Any]]:
        rows = await self.emu.slack_messages(channel)
        return [r for r in rows if needle in (r.get("text") or "")]

    async def one(self, rows: Any, what: str) -> dict[str, Any]:
        async def found() -> dict[str, Any] | None:
            got = await rows()
            return got[0] if len(got) == 1 else None

        return await self.emu.until(found, what=what)

    def fallbacks(self, platform: str, reason: str) -> float:
        labels = {"platform": platform, "reason": reason}
        value = self.runtime.metrics.registry.get_sample_value(
            "fanbridge_fallback_copies_total", labels
        )
        return value or 0.0

    async def download(self, url: str) -> str:
        async with self.emu.session.get(url) as response:
            return (await response.read()).decode()

    async def slack_file(self, file_id: str) -> str:
        data = await self.emu.get(f"/_emu/slack/files/{file_id}")
        return base64.b64decode(data["content_b64"]).decode()


@pytest.fixture(scope="module")
def refusals_emulator() -> Iterator[ThreadedEmulator]:
    """The default world, plus two Slack fans whose names Discord refuses for a webhook."""
    slack = copy.deepcopy(SLACK_WORLD)
    slack["workspaces"][0]["users"] += [{"name": "DiscordDan"}, {"name": "clyde"}]
    with running_emulator(world={"slack": slack}) as emu:
        yield emu


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def scene(
    refusals_emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Scene]:
    url = refusals_emulator.url
    async with aiohttp.ClientSession() as session:
        emu = Emu(url, session)
        world = await emu.world()
        guild, team = world["discord"]["guilds"][0], world["slack"]["workspaces"][0]
        links = [
            ("discord", guild["id"], guild["channels"][0]["id"]),
            ("slack", team["id"], team["channels"][0]["id"]),
            ("slack", team["id"], team["channels"][1]["id"]),
        ]
        db = Path(tmp_path_factory.mktemp("refusals")) / "bridge.db"
        runtime = await start_bridge(bridge_config(world, url, db, links=links))
        assert runtime.discord is not None and runtime.slack is not None
        # the senders count fallbacks on the runtime's registry (adapters/runtime.py wires it)
        runtime.discord.sender.metrics = runtime.metrics
        runtime.slack.sender.metrics = runtime.metrics
        try:
            yield Scene(emu, world, runtime)
        finally:
            await runtime.stop()


@pytest.fixture
def problems(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Warnings of the test's deliveries; the outbox warns when it buries an item (a dead
    letter), so none of those may appear."""
    with caplog.at_level(logging.INFO):
        yield caplog
    buried = [r for r in caplog.records if r.name == "bridge.pipeline.outbox" and r.levelno >= 30]
    assert buried == [], [r.getMessage() for r in buried]


# -- names and copies a platform refuses -------------------------------------------------------
async def test_the_emulator_refuses_webhook_names_like_discord(scene: Scene) -> None:
    await scene.slack_post("frank", "a webhook gets made")
    await scene.one(lambda: scene.discord_rows("a webhook gets made"), "first copy")
    assert scene.runtime.discord is not None
    channel = await scene.runtime.discord.client.fetch_channel(int(scene.d_channel))
    assert isinstance(channel, discord.TextChannel)
    [hook] = await channel.webhooks()
    with pytest.raises(discord.HTTPException) as refused:
        await hook.send("hi", username="my DISCORD friend", wait=True)
    assert refused.value.status == 400 and refused.value.code == 50035
    assert 'In username: Username cannot contain "discord"' in refused.value.text


async def test_names_discord_refuses_are_shown_with_a_dot(
    scene: Scene, problems: pytest.LogCaptureFixture
) -> None:
    await scene.slack_post("DiscordDan", "dan says hello")
    await scene.slack_post("clyde", "clyde says hello")
    dan = await scene.one(lambda: scene.discord_rows("dan says hello"), "dan's copy")
    clyde = await scene.one(lambda: scene.discord_rows("clyde says hello"), "clyde's copy")
    assert dan["webhook_id"] and dan["author"] == "Dis·cordDan"
    assert clyde["webhook_id"] and clyde["author"] == "cly·de"
    assert dan["content"] == "dan says hello"
    assert scene.fallbacks("discord", "400/50035") == 0  # adjusted up front: nothing refused


async def test_a_webhook_copy_discord_refuses_is_posted_by_the_bot_with_the_name(
    scene: Scene, problems: pytest.LogCaptureFixture
) -> None:
    await scene.emu.post("/_emu/faults", DISCORD_WEBHOOK_POSTS | {"status": 400, "count": 1})
    ts = await scene.slack_post("frank", "refused once by discord")
    shown = await scene.one(lambda: scene.discord_rows("refused once by discord"), "copy")
    assert not shown["webhook_id"] and shown["author_id"] == scene.bot_id
    assert shown["content"] == "**frank**: refused once by discord"
    assert scene.fallbacks("discord", "400/50035") == 1
    assert any("refused a webhook copy" in r.getMessage() for r in problems.records)

    edit = {"channel": scene.s_channel, "ts": ts, "text": "refused once, then edited"}
    await scene.emu.post("/_emu/slack/messages/edit", edit)
    edited = await scene.one(lambda: scene.discord_rows("then edited"), "edited copy")
    assert edited["id"] == shown["id"]
    assert edited["content"] == "**frank**: refused once, then edited"

    frank = scene.s_users["frank"]
    delete = {"channel": scene.s_channel, "ts": ts, "user": frank}
    await scene.emu.post("/_emu/slack/messages/delete", delete)

    async def gone() -> bool:
        return not await scene.discord_rows("then edited")

    assert await scene.emu.until(gone, what="deleted copy")


async def test_a_copy_slack_refuses_goes_out_plain_with_the_name(
    scene: Scene, problems: pytest.LogCaptureFixture
) -> None:
    await scene.emu.post("/_emu/faults", SLACK_POSTS | {"status": 400, "count": 1})
    await scene.slack_post("grace", "refused once by slack", channel=scene.s_music)
    shown = await scene.one(
        lambda: scene.slack_rows(scene.s_channel, "refused once by slack"), "slack copy"
    )
    assert shown["text"] == "*grace*: refused once by slack"
    assert shown["username"] != "grace" and shown["bot_id"]
    await scene.one(lambda: scene.discord_rows("refused once by slack"), "discord copy")
    assert scene.fallbacks("slack", "invalid_arguments") == 1


# -- long messages -----------------------------------------------------------------------------
def words(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{i:05d}" for i in range(count)]


async def test_a_long_message_is_four_parts_and_a_file_everywhere(
    scene: Scene, problems: pytest.LogCaptureFixture
) -> None:
    first = words("w", 5000)  # 35 000 characters: 19 Discord messages, 9 Slack ones
    ts = await scene.slack_post("erin", " ".join(first))
    parts = await discord_parts(scene, "w0")
    assert [len(p["attachments"]) for p in parts] == [0, 0, 0, 1]
    assert parts[-1]["attachments"][0]["filename"] == "message.txt"
    rest = await scene.download(parts[-1]["attachments"][0]["url"])
    assert shown_words(parts) + rest.split() == first
    slack, rest = await slack_parts(scene, "w0")
    assert len(slack) == 4
    assert shown_words(slack, key="text") + rest.split() == first

    second = words("v", 5000)  # an edit keeps the four parts, with the new rest
    edit = {"channel": scene.s_channel, "ts": ts, "text": " ".join(second)}
    await scene.emu.post("/_emu/slack/messages/edit", edit)
    edited = await discord_parts(scene, "v0")
    assert [p["id"] for p in edited] == [p["id"] for p in parts]
    assert [a["filename"] for a in edited[-1]["attachments"]] == ["message.txt"]
    rest = await scene.download(edited[-1]["attachments"][0]["url"])
    assert shown_words(edited) + rest.split() == second
    slack, rest = await slack_parts(scene, "v0")
    assert len(slack) == 4
    assert shown_words(slack, key="text") + rest.split() == second

    edit["text"] = "short again"  # the parts it no longer needs go, and the file with them
    await scene.emu.post("/_emu/slack/messages/edit", edit)

    async def short() -> list[dict[str, Any]] | None:
        rows = await scene.emu.discord_messages(scene.d_channel)
        left = [r for r in rows if r["id"] in {p["id"] for p in parts}]
        return left if [r["content"] for r in left] == ["short again"] else None

    [kept] = await scene.emu.until(short, what="one short part left")
    assert kept["id"] == parts[0]["id"] and kept["attachments"] == []


NOTE = "… (continued in message.txt)"


async def discord_parts(scene: Scene, prefix: str) -> list[dict[str, Any]]:
    """The four Discord messages that show a long text, once the last has its file."""

    async def shown() -> list[dict[str, Any]] | None:
        rows = await scene.emu.discord_messages(scene.d_channel)
        parts = [r for r in rows if r["content"].startswith(prefix)]
        done = parts and parts[-1]["content"].endswith(NOTE) and parts[-1]["attachments"]
        return parts if done else None

    return await scene.emu.until(shown, what=f"discord parts of {prefix}")


async def slack_parts(scene: Scene, prefix: str) -> tuple[list[dict[str, Any]], str]:
    """The Slack #music messages that show a long text, and the message.txt after them."""

    async def shown() -> tuple[list[dict[str, Any]], str] | None:
        rows = await scene.emu.slack_messages(scene.s_music)
        parts = [r for r in rows if r["text"].startswith(prefix) and not r["deleted"]]
        files = [f for r in rows for f in r["files"] if f["name"] == "message.txt"]
        if not (parts and parts[-1]["text"].endswith(NOTE) and files):
            return None
        rest = await scene.slack_file(files[-1]["id"])
        return (parts, rest) if rest.startswith(prefix) else None

    return await scene.emu.until(shown, what=f"slack parts of {prefix}")


def shown_words(parts: list[dict[str, Any]], key: str = "content") -> list[str]:
    text = " ".join(p[key] for p in parts).replace(NOTE, "")
    return text.split()


# -- reactions beyond Discord's 20 ---------------------------------------------------------------
async def test_the_emulator_refuses_a_21st_emoji_like_discord(scene: Scene) -> None:
    posted = await scene.discord_post("bob", "twenty is the limit")
    for emoji in [*DISCORD_EMOJI, "🚀"]:
        await discord_react(scene, posted["id"], "alice", emoji)
    assert scene.runtime.discord is not None
    http = scene.runtime.discord.client.http
    with pytest.raises(discord.HTTPException) as refused:
        await http.add_reaction(int(scene.d_channel), int(posted["id"]), "🎉")
    assert refused.value.status == 400 and refused.value.code == 30010
    assert refused.value.text == "Maximum number of reactions reached (20)"


async def test_reactions_beyond_twenty_wait_for_room_on_discord(
    scene: Scene, problems: pytest.LogCaptureFixture
) -> None:
    ts = await scene.slack_post("frank", "react to this a lot")
    shown = await scene.one(lambda: scene.discord_rows("react to this a lot"), "copy")
    for emoji in DISCORD_EMOJI:  # 19 on Discord, by a Discord fan
        await discord_react(scene, shown["id"], "alice", emoji)
    await slack_react(scene, ts, "grace", "rocket")  # the 20th
    await discord_emoji(scene, shown["id"], lambda e: "🚀" in e, "20 emoji")

    await slack_react(scene, ts, "grace", "tada")  # the 21st: no room on Discord yet
    await scene.emu.until(lambda: waiting(problems), what="the 21st waits for room")
    assert "🎉" not in await discord_emoji(scene, shown["id"], lambda e: len(e) == 20, "20")

    await discord_react(scene, shown["id"], "alice", DISCORD_EMOJI[0], remove=True)
    now = await discord_emoji(scene, shown["id"], lambda e: "🎉" in e, "🎉 once room freed")
    assert len(now) == 20 and DISCORD_EMOJI[0] not in now

    problems.clear()
    await slack_react(scene, ts, "grace", "fire")  # full again: waits
    await scene.emu.until(lambda: waiting(problems), what="🔥 waits for room")
    await slack_react(scene, ts, "grace", "rocket", remove=True)  # the bridge frees a slot
    now = await discord_emoji(scene, shown["id"], lambda e: "🔥" in e, "🔥 once room freed")
    assert len(now) == 20 and "🚀" not in now


async def waiting(log: pytest.LogCaptureFixture) -> bool:
    return any("waits for room" in r.getMessage() for r in log.records)


async def discord_react(
    scene: Scene, message_id: str, user: str, emoji: str, *, remove: bool = False
) -> None:
    body = {"user_id": scene.d_users[user], "emoji": emoji, "remove": remove}
    await scene.emu.post(f"/_emu/discord/messages/{message_id}/reactions", body)


async def slack_react(scene: Scene, ts: str, user: str, name: str, *, remove: bool = False) -> None:
    body = {"channel": scene.s_channel, "ts": ts, "user": scene.s_users[user], "reaction": name}
    await scene.emu.post("/_emu/slack/reactions", body | {"remove": remove})


async def discord_emoji(scene: Scene, message_id: str, check: Any, what: str) -> list[str]:
    async def shown() -> list[str] | None:
        rows = await scene.emu.discord_messages(scene.d_channel)
        row = next(r for r in rows if r["id"] == message_id)
        emoji = [r["emoji"] for r in row["reactions"]]
        return emoji if check(emoji) else None

    return await scene.emu.until(shown, what=what)


async def test_no_contract_violations(scene: Scene) -> None:
    assert await scene.emu.violations() == []
