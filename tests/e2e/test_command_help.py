"""`/fangroup` helps whoever mistypes it: a misspelt subcommand gets "did you mean" and that
subcommand's usage line (not the whole help), a missing argument gets the usage line, a group is
named by its slug or its name in any case, and Discord replies are written in Discord's markdown.
Real discord.py and slack-bolt against the emulators; the group "Fans" links #general."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bridge.groups.commands import HELP
from emulators.server import ThreadedEmulator
from tests.e2e.harness import CommandScene, running_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")
SLACK_BOLD = re.compile(r"(?<![*\w])\*[^*\s][^*\n]*\*(?![*\w])")
SLACK_LINK = re.compile(r"<https?://[^>|]+\|")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def scene(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[CommandScene]:
    db_dir = Path(tmp_path_factory.mktemp("help"))
    async with running_bridge(emulator.url, db_dir) as (emu, world, runtime):
        yield CommandScene(emu, world, runtime)


async def test_a_typo_gets_did_you_mean_and_that_usage_line(scene: CommandScene) -> None:
    reply = await scene.slack_command("erin", "music", "lnik fans")
    assert "Did you mean `link`?" in reply
    assert "Usage: `/fangroup link <group>`" in reply
    assert "modlog" not in reply  # not the whole help
    assert "Did you mean `modlog`?" in await scene.slack_command("erin", "music", "modlgo")
    reply = await scene.slack_command("frank", "general", "account confrim ABC123")
    assert reply.startswith("Unknown subcommand `account confrim`. Did you mean `account confirm`?")
    assert "Usage: `/fangroup account link | account confirm <code> | account unlink`" in reply


async def test_a_word_like_no_subcommand_points_to_help(scene: CommandScene) -> None:
    reply = await scene.slack_command("frank", "general", "xyzzy")
    assert reply == "Unknown subcommand `xyzzy`. See `/fangroup help` for them all."


async def test_a_missing_argument_gets_the_usage_line(scene: CommandScene) -> None:
    for text, line in (
        ("link", "Usage: `/fangroup link <group>`"),
        ("create", "Usage: `/fangroup create <name> [kind:artist|genre|topic]`"),
        ("account confirm", "Usage: `/fangroup account link | account confirm <code>"),
        ("ban", "Usage: `/fangroup ban @user"),
    ):
        reply = await scene.slack_command("erin", "music", text)
        assert reply.startswith(line), (text, reply)
        assert "``" not in reply


async def test_a_group_is_named_by_its_slug_or_its_name(scene: CommandScene) -> None:
    created = await scene.discord_command("alice", "music", "create", name="Rock & Roll Stars")
    assert "(`rock-roll-stars`, topic)" in created
    linked = await scene.slack_command("erin", "music", "link rock & ROLL stars")
    assert linked == "Linked this channel to *Rock & Roll Stars*."
    await scene.slack_command("erin", "music", "unlink")
    assert "Linked this channel" in await scene.slack_command(
        "erin", "music", "link ROCK-ROLL-STARS"
    )
    missing = await scene.slack_command("erin", "announcements", "link no such band")
    assert missing.startswith("No group `no such band`.")
    web = await scene.slack_command("frank", "general", "web rock & roll stars")
    assert not web.startswith("No group")
    joined = await scene.slack_command("frank", "general", "join Rock & Roll Stars")
    assert joined.startswith("*Rock & Roll Stars* is public")


async def test_discord_replies_use_discord_markdown(scene: CommandScene) -> None:
    info = await scene.discord_command("bob", "general", "info")
    assert info.startswith("**Fans** (`fans`, topic, public)")
    help_text = await scene.discord_command("bob", "general", "help")
    assert help_text.startswith("**/fangroup** commands")
    for text in (info, help_text):
        assert not SLACK_BOLD.search(text.replace("`*`", "")), text
        assert not SLACK_LINK.search(text), text
    slack_info = await scene.slack_command("frank", "general", "info")
    assert slack_info.startswith("*Fans* (`fans`, topic, public)")  # Slack keeps its mrkdwn


async def test_the_whole_help_reaches_discord_in_messages_within_its_limit(
    scene: CommandScene,
) -> None:
    """The help is longer than a Discord message: the rest follows, nothing is clipped."""
    body = {
        "channel_id": scene.d["general"],
        "user_id": scene.du["bob"],
        "name": "fangroup help",
        "options": {},
    }
    answered = await scene.emu.post("/_emu/discord/commands", body)
    path = f"/_emu/discord/interactions/{answered['interaction_id']}"

    async def followed() -> dict[str, Any] | None:  # the follow-ups come after the answer
        found: dict[str, Any] = await scene.emu.get(path)
        return found if found["followups"] else None

    answered = await scene.emu.until(followed, what="the help's follow-up")
    parts = [answered["data"]["content"], *(f["content"] for f in answered["followups"])]
    assert len(parts) >= 2 and all(len(p) <= 2000 for p in parts)
    whole = "\n".join(parts)
    for command in ("`party start", "`web [group]`", "`policy mirror|suggest|log`"):
        assert command in whole, command
    assert whole.rstrip().endswith(HELP.rstrip().splitlines()[-1][-20:])
