"""Small truths (issue #13), each as a fan sees it: a role mention typed by anyone arrives as the
role's name, an edit that changes nothing is never shown, Slack people appear under the name
Slack shows, and a Slack thread becomes a Discord thread named after its first message. Real
discord.py and slack-bolt against the emulators."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from adapters.runtime import Runtime
from emulators.server import ThreadedEmulator
from emulators.slack.state import DEFAULT_WORLD as SLACK_WORLD
from tests.e2e.harness import Chats, running_bridge
from tests.emulation import running_emulator

pytestmark = pytest.mark.asyncio(loop_scope="module")


class Scene(Chats):
    runtime: Runtime

    def role_id(self, name: str) -> str:
        roles = self.world["discord"]["guilds"][0]["roles"]
        return str(next(r["id"] for r in roles if r["name"] == name))

    async def slack_message(self, needle: str) -> dict[str, Any] | None:
        rows = await self.emu.slack_messages(self.s_channel)
        return next((r for r in rows if needle in (r.get("text") or "")), None)

    async def discord_message(self, needle: str) -> dict[str, Any] | None:
        rows = await self.emu.discord_messages(self.d_channel)
        return next((r for r in rows if needle in (r.get("content") or "")), None)


@pytest.fixture(scope="module")
def people_emulator() -> Iterator[ThreadedEmulator]:
    """The default world plus two Slack people as Slack has them: Ivan chose no display name
    (Slack shows his real name), Judy chose one unlike her handle."""
    slack = copy.deepcopy(SLACK_WORLD)
    slack["workspaces"][0]["users"] += [
        {"name": "ivan", "real_name": "Ivan Ito", "display_name": ""},
        {"name": "judy", "real_name": "Judy Jones", "display_name": "judy ♪"},
    ]
    with running_emulator(world={"slack": slack}) as emu:
        yield emu


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def scene(
    people_emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Scene]:
    db_dir = Path(tmp_path_factory.mktemp("small_truths"))
    async with running_bridge(people_emulator.url, db_dir) as (emu, world, runtime):
        scene = Scene(emu, world)
        scene.runtime = runtime
        yield scene


async def test_a_role_mention_by_a_fan_who_cannot_ping_it_arrives_as_the_roles_name(
    scene: Scene,
) -> None:
    moderator = scene.role_id("Moderator")
    # bob has no permission to mention a role that is not mentionable: Discord resolves nothing
    await scene.discord_post("bob", f"calling <@&{moderator}> about the setlist")
    texts = await scene.wait_for(scene.slack_texts, "about the setlist")
    [copy] = [t for t in texts if "about the setlist" in t]
    assert copy == "calling @Moderator about the setlist"
    # an admin's mention (Discord resolves it) reads the same
    await scene.discord_post("alice", f"thanks <@&{moderator}> for the setlist")
    texts = await scene.wait_for(scene.slack_texts, "for the setlist")
    assert "thanks @Moderator for the setlist" in texts


async def test_an_edit_that_changes_nothing_is_never_shown(scene: Scene) -> None:
    bob, frank = scene.d_users["bob"], scene.s_users["frank"]
    texts = {
        "discord": f"same words <@{bob}> :) https://example.com/a?b=1 **bold** from discord",
        "slack": f"same words <@{frank}> <https://example.com/a?b=1> *bold* from slack",
    }
    posted = await scene.discord_post("alice", texts["discord"])
    ts = await scene.slack_post("grace", texts["slack"])
    d_copy = await scene.emu.until(lambda: scene.discord_message("from slack"), what="d copy")
    s_copy = await scene.emu.until(lambda: scene.slack_message("from discord"), what="s copy")
    # each author saves the message without changing a thing
    await scene.emu.post(
        f"/_emu/discord/messages/{posted['id']}/edit", {"content": texts["discord"]}
    )
    await scene.emu.post(
        "/_emu/slack/messages/edit",
        {"channel": scene.s_channel, "ts": ts, "text": texts["slack"]},
    )
    # a later message from each author crosses: the saves before it have been handled
    await scene.discord_post("alice", "the next one from discord")
    await scene.slack_post("grace", "the next one from slack")
    await scene.wait_for(scene.slack_texts, "the next one from discord")
    await scene.wait_for(scene.discord_texts, "the next one from slack")
    s_copy = await scene.slack_message("from discord")
    d_copy = await scene.discord_message("from slack")
    assert s_copy is not None and d_copy is not None
    assert s_copy["edited"] is None, s_copy
    assert d_copy["edited"] is False, d_copy
    assert not [r for r in await scene.emu.get("/_emu/requests") if _is_edit(r)]


def _is_edit(row: dict[str, Any]) -> bool:
    """A request that edits a message: Slack's chat.update, Discord's PATCH of a message."""
    path = str(row.get("path") or row.get("url") or "")
    return "chat.update" in path or (row.get("method") == "PATCH" and "/messages/" in path)


async def test_a_slack_thread_becomes_a_discord_thread_named_after_its_first_message(
    scene: Scene,
) -> None:
    root_ts = await scene.slack_post("grace", "who is going to the Berlin show?")
    await scene.emu.until(lambda: scene.discord_message("the Berlin show?"), what="root copy")
    await scene.slack_post("frank", "me! row 3", thread_ts=root_ts)

    async def thread() -> dict[str, Any] | None:
        root = await scene.discord_message("the Berlin show?")
        return (root or {}).get("thread") or None

    shown = await scene.emu.until(thread, what="a Discord thread on the root's copy")
    assert shown["name"] == "who is going to the Berlin show?", shown
    replies = await scene.discord_texts(str(shown["id"]))
    assert replies == ["me! row 3"]


async def test_slack_people_appear_under_the_name_slack_shows(scene: Scene) -> None:
    """The display name a person chose, else their real name; never the lowercase handle."""
    await scene.slack_post("ivan", "no display name set")
    await scene.slack_post("judy", "chose a display name")
    ivan = await scene.emu.until(lambda: scene.discord_message("no display name set"), what="i")
    judy = await scene.emu.until(lambda: scene.discord_message("chose a display name"), what="j")
    assert ivan["author"] == "Ivan Ito"
    assert judy["author"] == "judy ♪"
