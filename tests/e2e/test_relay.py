"""The relay end to end: real discord.py and slack-bolt (Socket Mode) against the emulators,
one bridge per module, a person posting through the emulator's control API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from adapters.runtime import Runtime
from emulators.server import ThreadedEmulator
from tests.e2e.harness import Emu, running_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")


class Scene:
    def __init__(self, emu: Emu, world: dict[str, Any], runtime: Runtime) -> None:
        self.emu = emu
        self.world = world
        self.runtime = runtime
        guild = world["discord"]["guilds"][0]
        team = world["slack"]["workspaces"][0]
        self.d_channel = guild["channels"][0]["id"]
        self.s_channel = team["channels"][0]["id"]
        self.d_users = {u["username"]: u["id"] for u in guild["users"]}
        self.s_users = {u["name"]: u["id"] for u in team["users"]}

    async def discord_post(self, user: str, content: str, **extra: Any) -> dict[str, Any]:
        body = {"channel_id": self.d_channel, "user_id": self.d_users[user], "content": content}
        return await self.emu.post("/_emu/discord/messages", body | extra)  # type: ignore[no-any-return]

    async def slack_post(self, user: str, text: str, **extra: Any) -> str:
        body = {"channel": self.s_channel, "user": self.s_users[user], "text": text}
        return str((await self.emu.post("/_emu/slack/messages", body | extra))["ts"])

    async def slack_find(self, needle: str) -> dict[str, Any] | None:
        for message in await self.emu.slack_messages(self.s_channel):
            if needle in (message.get("text") or ""):
                return message
        return None

    async def discord_find(self, needle: str) -> dict[str, Any] | None:
        for message in await self.emu.discord_messages(self.d_channel):
            if needle in (message.get("content") or ""):
                return message
        return None


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def scene(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Scene]:
    db_dir = Path(tmp_path_factory.mktemp("relay"))
    async with running_bridge(emulator.url, db_dir) as (emu, world, runtime):
        yield Scene(emu, world, runtime)


async def test_discord_message_reaches_slack_with_author_and_formatting(scene: Scene) -> None:
    await scene.discord_post("alice", "hello **world** from discord")
    copy = await scene.emu.until(lambda: scene.slack_find("from discord"), what="slack copy")
    assert copy["username"].startswith("Alice")
    assert copy["text"] == "hello *world* from discord"
    assert copy.get("bot_id")  # posted by the bridge's bot, under the fan's name


async def test_slack_message_reaches_discord_through_the_webhook(scene: Scene) -> None:
    await scene.slack_post("frank", "hi _there_ from slack")
    copy = await scene.emu.until(lambda: scene.discord_find("from slack"), what="discord copy")
    assert copy["webhook_id"]
    assert copy["author"].lower().startswith("frank")
    assert copy["content"] == "hi *there* from slack"


async def test_edit_and_delete_follow_the_origin(scene: Scene) -> None:
    sent = await scene.discord_post("bob", "first draft of a thought")
    await scene.emu.until(lambda: scene.slack_find("first draft"), what="copy")
    await scene.emu.post(f"/_emu/discord/messages/{sent['id']}/edit", {"content": "final thought"})
    copy = await scene.emu.until(lambda: scene.slack_find("final thought"), what="edited copy")
    assert copy.get("edited")
    await scene.emu.post(
        f"/_emu/discord/messages/{sent['id']}/delete", {"user_id": scene.d_users["bob"]}
    )

    async def gone() -> bool:
        return await scene.slack_find("final thought") is None

    assert await scene.emu.until(gone, what="deleted copy")


async def test_slack_delete_removes_the_discord_copy(scene: Scene) -> None:
    ts = await scene.slack_post("grace", "this will vanish soon")
    await scene.emu.until(lambda: scene.discord_find("vanish soon"), what="copy")
    body = {"channel": scene.s_channel, "ts": ts, "user": scene.s_users["grace"]}
    await scene.emu.post("/_emu/slack/messages/delete", body)

    async def gone() -> bool:
        return await scene.discord_find("vanish soon") is None

    assert await scene.emu.until(gone, what="deleted discord copy")


async def test_reactions_are_mirrored_and_counted_per_emoji(scene: Scene) -> None:
    sent = await scene.discord_post("alice", "react to this please")
    copy = await scene.emu.until(lambda: scene.slack_find("react to this"), what="copy")
    for user in ("frank", "grace"):
        body = {
            "channel": scene.s_channel,
            "ts": copy["ts"],
            "user": scene.s_users[user],
            "reaction": "thumbsup",
        }
        await scene.emu.post("/_emu/slack/reactions", body)

    async def mirrored() -> list[dict[str, Any]] | None:
        message = await scene.discord_find("react to this")
        reactions = (message or {}).get("reactions") or []
        return reactions or None

    reactions = await scene.emu.until(mirrored, what="mirrored reaction")
    assert [(r["emoji"], r["count"]) for r in reactions] == [("👍", 1)]  # the bot, once
    for user in ("frank", "grace"):
        body = {
            "channel": scene.s_channel,
            "ts": copy["ts"],
            "user": scene.s_users[user],
            "reaction": "thumbsup",
            "remove": True,
        }
        await scene.emu.post("/_emu/slack/reactions", body)

    async def cleared() -> bool:
        message = await scene.discord_find("react to this")
        return message is not None and not message.get("reactions")

    assert await scene.emu.until(cleared, what="reaction removed")
    assert sent["id"]


async def test_discord_reply_becomes_a_slack_thread_reply(scene: Scene) -> None:
    parent = await scene.discord_post("alice", "who is coming to the show")
    root = await scene.emu.until(lambda: scene.slack_find("coming to the show"), what="root")
    await scene.discord_post("bob", "me! see you there", reply_to=parent["id"])

    async def threaded() -> list[dict[str, Any]] | None:
        message = await scene.slack_find("coming to the show")
        replies = (message or {}).get("replies") or []
        return [r for r in replies if "see you there" in r["text"]] or None

    [reply] = await scene.emu.until(threaded, what="thread reply")
    assert reply["thread_ts"] == root["ts"]


async def test_slack_thread_becomes_a_discord_thread_on_the_copy(scene: Scene) -> None:
    ts = await scene.slack_post("heidi", "thread starter from slack")
    copy = await scene.emu.until(lambda: scene.discord_find("thread starter"), what="copy")
    await scene.slack_post("frank", "a reply inside the thread", thread_ts=ts)

    async def in_thread() -> dict[str, Any] | None:
        message = await scene.discord_find("thread starter")
        return (message or {}).get("thread") or None

    thread = await scene.emu.until(in_thread, what="discord thread")
    assert str(thread["id"]) == str(copy["id"])

    async def reply_in_thread() -> dict[str, Any] | None:
        for message in await scene.emu.discord_messages(str(thread["id"])):
            if "inside the thread" in message["content"]:
                return message
        return None

    reply = await scene.emu.until(reply_in_thread, what="reply in thread")
    assert reply["author"].lower().startswith("frank")


async def test_mass_mentions_never_ping(scene: Scene) -> None:
    await scene.discord_post("alice", "@everyone @here hello all (discord)")
    await scene.slack_post("frank", "<!channel> <!here> <!everyone> hi all (slack)")
    slack_copy = await scene.emu.until(lambda: scene.slack_find("hello all (discord)"), what="s")
    discord_copy = await scene.emu.until(lambda: scene.discord_find("hi all (slack)"), what="d")
    assert slack_copy["pinged"] == []
    assert discord_copy["pinged"] == []
    assert "everyone" in slack_copy["text"] and "channel" in discord_copy["content"]


async def test_long_message_is_split_and_every_part_tracked(scene: Scene) -> None:
    words = " ".join(f"word{i:04d}" for i in range(900))  # ~8,100 characters: five parts
    ts = await scene.slack_post("grace", f"LONG {words}")

    async def parts() -> list[dict[str, Any]] | None:
        found = [
            m for m in await scene.emu.discord_messages(scene.d_channel) if "word0" in m["content"]
        ]
        return found if len(found) == 4 and found[-1]["attachments"] else None

    found = await scene.emu.until(parts, what="four parts, the rest as a file")
    assert all(len(m["content"]) <= 2000 for m in found)
    [rest_file] = found[-1]["attachments"]
    assert rest_file["filename"] == "message.txt"
    async with scene.emu.session.get(rest_file["url"]) as response:
        rest = (await response.read()).decode()
    text = " ".join(m["content"] for m in found) + " " + rest
    assert all(f"word{i:04d}" in text for i in range(900))
    body = {"channel": scene.s_channel, "ts": ts, "user": scene.s_users["grace"]}
    await scene.emu.post("/_emu/slack/messages/delete", body)

    async def all_gone() -> bool:
        return not any(
            "word0" in m["content"] for m in await scene.emu.discord_messages(scene.d_channel)
        )

    assert await scene.emu.until(all_gone, what="every part deleted")


async def test_no_contract_violations(scene: Scene) -> None:
    assert await scene.emu.violations() == []
