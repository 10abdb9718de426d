"""A Discord server where the bot lacks Manage Webhooks: the bridge posts as itself, with the
fan's name in the text, and edits and deletes still follow."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from emulators.discord.world import BOT_PERMISSIONS, DEFAULT_WORLD
from emulators.server import ThreadedEmulator
from tests.e2e.harness import Emu, bridge_config, start_bridge
from tests.emulation import running_emulator

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def no_webhook_emulator() -> Iterator[ThreadedEmulator]:
    discord = dict(DEFAULT_WORLD)
    discord["bot_permissions"] = [p for p in BOT_PERMISSIONS if p != "MANAGE_WEBHOOKS"]
    with running_emulator(world={"discord": discord}) as emu:
        yield emu


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def chats(
    no_webhook_emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Emu, dict[str, Any]]]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(no_webhook_emulator.url, session)
        world = await emu.world()
        db = Path(tmp_path_factory.mktemp("nohooks")) / "bridge.db"
        runtime = await start_bridge(bridge_config(world, no_webhook_emulator.url, db))
        try:
            yield emu, world
        finally:
            await runtime.stop()


async def test_the_bot_posts_with_the_fans_name_in_the_text(
    chats: tuple[Emu, dict[str, Any]],
) -> None:
    emu, world = chats
    d_channel = world["discord"]["guilds"][0]["channels"][0]["id"]
    team = world["slack"]["workspaces"][0]
    s_channel = team["channels"][0]["id"]
    frank = next(u["id"] for u in team["users"] if u["name"] == "frank")
    sent = await emu.post(
        "/_emu/slack/messages", {"channel": s_channel, "user": frank, "text": "no webhooks here"}
    )

    async def copy() -> dict[str, Any] | None:
        rows = await emu.discord_messages(d_channel)
        return next((m for m in rows if "no webhooks here" in m["content"]), None)

    message = await emu.until(copy, what="bot-sent copy")
    assert message["webhook_id"] in (None, "")
    assert message["author_id"] == world["discord"]["bot_user_id"]
    assert message["content"].startswith("**frank") and "no webhooks here" in message["content"]
    await emu.post(
        "/_emu/slack/messages/edit",
        {"channel": s_channel, "ts": sent["ts"], "text": "no webhooks, edited"},
    )

    async def edited() -> dict[str, Any] | None:
        rows = await emu.discord_messages(d_channel)
        return next((m for m in rows if "no webhooks, edited" in m["content"]), None)

    assert (await emu.until(edited, what="edited copy"))["id"] == message["id"]
    await emu.post(
        "/_emu/slack/messages/delete", {"channel": s_channel, "ts": sent["ts"], "user": frank}
    )

    async def gone() -> bool:
        return await edited() is None

    assert await emu.until(gone, what="deleted copy")
