"""A linked pair whose bridge is stopped and started by the test (the catch-up tests), and the
``room`` fixture (registered in this folder's conftest)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest_asyncio

from adapters.runtime import Runtime
from emulators.server import ThreadedEmulator
from tests.e2e.harness import Chats, Emu, bridge_config, start_bridge


class Room(Chats):
    """The default world's #general pair, with a bridge that can be stopped and started."""

    def __init__(self, emu: Emu, world: dict[str, Any], db: Path) -> None:
        super().__init__(emu, world)
        self.config = bridge_config(world, emu.url, db)
        self.runtime: Runtime | None = None

    async def start(self) -> Runtime:
        self.runtime = await start_bridge(self.config)
        return self.runtime

    async def stop(self) -> None:
        if self.runtime is not None:
            await self.runtime.stop()
            self.runtime = None

    async def shown_discord(self, channel: str | None = None) -> list[dict[str, Any]]:
        rows = await self.emu.discord_messages(channel or self.d_channel)
        return [r for r in rows if not r.get("deleted")]

    async def shown_slack(self) -> list[dict[str, Any]]:
        rows = await self.emu.slack_messages(self.s_channel)
        return [r for r in rows if not r.get("deleted")]

    async def relayed(
        self, tag_on_slack: str, tag_on_discord: str, count: int, on_discord: int | None = None
    ) -> None:
        """Wait until ``count`` numbered messages of each tag are shown on the other side."""

        async def done() -> bool:
            on_slack = numbered(
                [str(r.get("text")) for r in await self.shown_slack()], tag_on_slack
            )
            on_discord_count = on_discord
            on_discord_now = numbered(
                [str(r.get("content")) for r in await self.shown_discord()], tag_on_discord
            )
            return len(on_slack) >= count and len(on_discord_now) >= (
                count if on_discord_count is None else on_discord_count
            )

        try:
            await self.emu.until(done, timeout=60, what=f"{tag_on_slack}/{tag_on_discord} relayed")
        except AssertionError:
            rows = [str(r.get("text")) for r in await self.emu.slack_messages(self.s_channel)]
            raise AssertionError(f"slack shows {rows[-60:]}") from None

    async def slack_thread(self, root_ts: str) -> list[dict[str, Any]]:
        rows = await self.emu.slack_messages(self.s_channel)
        return [r for r in rows if r.get("thread_ts") == root_ts and r["ts"] != root_ts]


def numbered(texts: list[str], tag: str) -> list[int]:
    found = (re.search(rf"{tag} (\d{{3}})", t) for t in texts)
    return [int(m.group(1)) for m in found if m]


@pytest_asyncio.fixture(loop_scope="module")
async def room(emulator: ThreadedEmulator, tmp_path: Path) -> AsyncIterator[Room]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        await emu.post("/_emu/reset")
        room = Room(emu, await emu.world(), tmp_path / "bridge.db")
        try:
            yield room
        finally:
            await room.stop()
            await emu.session.delete(emu.url + "/_emu/faults")  # a test's faults end with it
