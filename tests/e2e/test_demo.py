"""`fanbridge demo` in-process: the emulators, the bridge and the scripted cast, with every line
of the script relayed to the other platform and the viewer page served."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters import demo_cast
from adapters.demo import Demo, DemoOptions
from emulators.core import EmulatorOptions
from tests.e2e.harness import Emu

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def demo() -> AsyncIterator[Demo]:
    options = DemoOptions(
        port=0,
        web_port=0,
        speed=1000.0,
        script_once=True,
        emulator=EmulatorOptions(rate_limits=True, time_scale=0.02),
    )
    running = Demo(options)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest_asyncio.fixture(loop_scope="module")
async def emu(demo: Demo) -> AsyncIterator[Emu]:
    async with aiohttp.ClientSession() as session:
        yield Emu(demo.url, session)


async def script_of(emu: Emu) -> list[demo_cast.Step]:
    return demo_cast.build_script(await emu.get("/_emu/music/catalog"))


def final_lines(script: list[demo_cast.Step]) -> tuple[list[demo_cast.Say], list[demo_cast.Say]]:
    """(lines that stay, with their final text after edits; lines the cast deletes)."""
    says = {s.key: s for s in script if isinstance(s, demo_cast.Say)}
    deleted = [says.pop(s.key) for s in script if isinstance(s, demo_cast.Delete)]
    for step in script:
        if isinstance(step, demo_cast.Edit):
            old = says[step.key]
            says[step.key] = demo_cast.Say(old.key, old.side, old.user, step.text, old.room)
    return list(says.values()), deleted


async def rows(emu: Emu, side: demo_cast.Side, channel: str) -> list[dict[str, Any]]:
    control = demo_cast.Control(emu.url, emu.session)
    if side == "discord":
        return [{"text": r["content"], **r} for r in await control.discord_view(channel)]
    return [r for r in await control.slack_view(channel) if not r.get("deleted")]


async def test_every_scripted_line_is_relayed_to_the_other_platform(emu: Emu) -> None:
    world = demo_cast.CastWorld.from_world(await emu.world())
    kept, deleted = final_lines(await script_of(emu))
    for line in kept:
        side = demo_cast.other(line.side)
        room = world.rooms[line.room]
        channel = room.discord if side == "discord" else room.slack

        async def relayed(line: demo_cast.Say = line, channel: str = channel) -> bool:
            found = await rows(emu, demo_cast.other(line.side), channel)
            return any(demo_cast.is_copy_of(line.text, r["text"] or "") for r in found)

        assert await emu.until(relayed, timeout=15, what=f"{line.key} on {side}")
    for line in deleted:
        room = world.rooms[line.room]

        async def gone(line: demo_cast.Say = line, room: demo_cast.Room = room) -> bool:
            found = await rows(emu, "discord", room.discord) + await rows(emu, "slack", room.slack)
            return not any(demo_cast.is_copy_of(line.text, r["text"] or "") for r in found)

        assert await emu.until(gone, timeout=15, what=f"{line.key} deleted on both sides")


async def test_reactions_are_mirrored_by_the_bot_on_the_original(emu: Emu) -> None:
    world = await emu.world()
    bot = world["slack"]["bot_user_id"]
    general = demo_cast.CastWorld.from_world(world).rooms["general"]

    async def on_discord() -> set[str] | None:
        rows = await emu.discord_messages(general.discord)
        mirrored = {e["emoji"] for r in rows for e in r["reactions"] if e["me"]}
        return mirrored if {"👋", "🔥"} <= mirrored else None  # made on Slack by erin and frank

    async def on_slack() -> set[str] | None:
        rows = await emu.slack_messages(general.slack)
        mirrored = {e["name"] for r in rows for e in r["reactions"] if bot in e["users"]}
        return mirrored if "tada" in mirrored else None  # made on Discord by carol

    assert await emu.until(on_discord, timeout=15, what="reactions mirrored on Discord")
    assert await emu.until(on_slack, timeout=15, what="reactions mirrored on Slack")


async def test_the_reply_and_the_thread_keep_their_shape(emu: Emu) -> None:
    general = demo_cast.CastWorld.from_world(await emu.world()).rooms["general"]

    async def slack_thread_reply() -> bool:
        rows = await emu.slack_messages(general.slack)
        return any("works both ways" in r["text"] for m in rows for r in m.get("replies") or [])

    async def discord_thread_reply() -> bool:
        for row in await emu.discord_messages(general.discord):
            if row["thread"] and "Marlow Vance show" in row["content"]:
                inside = await emu.discord_messages(row["thread"]["id"])
                return any("Front row" in m["content"] for m in inside)
        return False

    assert await emu.until(slack_thread_reply, timeout=15, what="Discord reply as Slack thread")
    assert await emu.until(discord_thread_reply, timeout=15, what="Slack thread as Discord thread")


async def test_the_viewer_page_answers(emu: Emu) -> None:
    async with emu.session.get(emu.url + "/_emu/ui") as response:
        assert response.status == 200
        assert "text/html" in response.headers["Content-Type"]


async def test_the_web_music_tab_shows_the_demos_shares_live(demo: Demo, emu: Emu) -> None:
    assert demo.runtime is not None and demo.runtime.web is not None
    web = demo.runtime.web.url
    async with emu.session.get(web + "/") as response:
        assert response.status == 200
        assert "Demo Music" in await response.text()

    async def shared() -> list[dict[str, Any]] | None:
        async with emu.session.get(web + "/api/groups/demo-music/items") as response:
            assert response.status == 200
            items = (await response.json())["items"]
            return items if any(i.get("title") for i in items) else None

    items = await emu.until(shared, what="the cast's songs on the music tab")
    title = next(str(i["title"]) for i in items if i.get("title"))
    async with emu.session.get(web + "/g/demo-music") as response:
        assert response.status == 200
        assert title in await response.text()


async def test_the_bridge_is_ready_and_made_no_contract_violations(demo: Demo, emu: Emu) -> None:
    assert demo.runtime is not None and demo.runtime.web is not None
    async with emu.session.get(demo.runtime.web.url + "/readyz") as response:
        assert response.status == 200, await response.text()
    assert await emu.violations() == []
