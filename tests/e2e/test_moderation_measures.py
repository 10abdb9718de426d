"""Timeouts (a Discord timeout or `/fangroup timeout`, both ways, with the stored expiry), kicks,
the group's moderation policy (log, suggest with the card clicked on the other platform), the
guild ban scope and purge. Real discord.py and slack-bolt against the emulators; the group links
Discord #music, a second guild's #lobby and Slack #music."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from bridge.ids import Platform, UserRef
from bridge.ports import ModAction
from emulators.server import ThreadedEmulator
from tests.e2e.harness import Emu, bridge_config, start_bridge
from tests.e2e.test_moderation import World

pytestmark = pytest.mark.asyncio(loop_scope="module")


class More(World):
    second: str = ""
    lobby: str = ""

    def effects(self, action: ModAction) -> dict[str, tuple[str, str]]:
        """Each effect by where: "discord" (the first guild), "second", "slack"."""
        names = {self.guild: "discord", self.second: "second", self.team: "slack"}
        return {names[e.channel.workspace]: (e.status, e.detail) for e in action.effects}

    async def member(self, guild: str, who: str) -> dict[str, Any] | None:
        summary = await self.emu.get(f"/_emu/discord/guilds/{guild}")
        found = [u for u in summary["users"] if u["id"] == self.du[who]]
        return found[0] if found else None

    async def bans(self, guild: str) -> set[str]:
        summary = await self.emu.get(f"/_emu/discord/guilds/{guild}")
        return {b["user_id"] for b in summary["bans"]}

    async def timeout_of(self, who: UserRef) -> float:
        group = await self.store.get_group("fans")
        account = await self.store.get_account(who)
        assert group is not None and account is not None
        stored = await self.store.get_timeout(group.id, account.member_id)
        return stored.until if stored else 0.0

    async def card(self, channel: str, after: int) -> dict[str, Any]:
        async def find() -> dict[str, Any] | None:
            rows = await self.emu.discord_messages(channel)
            cards = [m for m in rows if m.get("components") and int(m["id"]) > after]
            return cards[-1] if cards else None

        return await self.emu.until(find, what="a suggestion card")

    async def newest_id(self, channel: str) -> int:
        rows = await self.emu.discord_messages(channel)
        return max((int(m["id"]) for m in rows), default=0)


def slack_ref(w: More, who: str) -> UserRef:
    return UserRef(Platform.SLACK, w.team, w.su[who])


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def w(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[More]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        users = [{"username": "alice", "permissions": ["ADMINISTRATOR"]}, {"username": "dave"}]
        await emu.post(
            "/_emu/discord/guilds", {"name": "Second", "channels": ["lobby"]} | {"users": users}
        )
        world = await emu.world()
        guild, second = world["discord"]["guilds"][0], world["discord"]["guilds"][-1]
        team = world["slack"]["workspaces"][0]
        links = [
            ("discord", guild["id"], guild["channels"][1]["id"]),
            ("discord", second["id"], second["channels"][0]["id"]),
            ("slack", team["id"], team["channels"][1]["id"]),
        ]
        db = Path(tmp_path_factory.mktemp("moderation_more")) / "bridge.db"
        runtime = await start_bridge(bridge_config(world, emulator.url, db, links=links))
        try:
            more = More(emu, world, runtime, emulator.url)
            more.second, more.lobby = str(second["id"]), str(second["channels"][0]["id"])
            yield more
        finally:
            await runtime.stop()


async def test_a_discord_timeout_stops_the_relay_and_times_out_in_the_other_guild(
    w: More,
) -> None:
    await w.link("dave", "heidi")
    body = {"guild_id": w.guild, "user_id": w.du["dave"], "actor_id": w.du["alice"]}
    await w.emu.post("/_emu/discord/timeouts", body | {"seconds": 600})
    [action] = await w.settled("timeout")
    effects = w.effects(action)
    assert effects["discord"] == ("skipped", "the Discord timeout already applies here")
    assert effects["second"] == ("done", "")
    assert effects["slack"][0] == "skipped" and "Slack has no timeouts" in effects["slack"][1]
    member = await w.member(w.second, "dave")
    assert member is not None and member["communication_disabled_until"]
    expiry = await w.timeout_of(slack_ref(w, "heidi"))  # every linked account
    assert 590 < expiry - time.time() <= 600
    await w.s_post("heidi", "timed out words")
    await w.s_post("grace", "after the timeout")
    await w.d_shown("after the timeout")
    assert await w.d_find("timed out words") is None
    assert len(await w.settled("timeout")) == 1  # the bot's own timeout did not come back


async def test_untimeout_from_slack_lifts_it_everywhere(w: More) -> None:
    text, ephemeral = await w.slack("erin", f"untimeout <@{w.su['heidi']}>")
    assert "timeout in *Fans* is lifted" in text and not ephemeral
    [action] = await w.settled("untimeout")
    assert w.effects(action)["second"] == ("done", "")
    member = await w.member(w.second, "dave")
    assert member is not None and not member["communication_disabled_until"]
    await w.s_post("heidi", "heidi is back")
    await w.d_shown("heidi is back")


async def test_a_slack_timeout_ends_when_it_expires(w: More) -> None:
    text, _ = await w.slack("erin", f"timeout <@{w.su['frank']}> soon")
    assert text.startswith("Usage")
    text, ephemeral = await w.slack("erin", f"timeout <@{w.su['frank']}> 10m flooding")
    assert "timed out in *Fans* for 10m" in text and not ephemeral
    [action, _] = await w.settled("timeout", 2)
    assert action.reason == "flooding"
    assert w.effects(action)["second"] == ("skipped", "no linked Discord account")
    expiry = await w.timeout_of(slack_ref(w, "frank"))
    assert 590 < expiry - time.time() <= 600
    await w.s_post("frank", "frank while timed out")
    await w.s_post("grace", "grace meanwhile")
    await w.d_shown("grace meanwhile")
    assert await w.d_find("frank while timed out") is None
    # the stored expiry passes (moved back instead of waiting ten minutes)
    group = await w.store.get_group("fans")
    assert group is not None
    account = await w.store.get_account(slack_ref(w, "frank"))
    assert account is not None
    await w.store.set_timeout(
        group_id=group.id,
        member_id=account.member_id,
        until=time.time() - 1,
        actor=None,
        at=time.time(),
    )
    await w.s_post("frank", "frank after expiry")
    await w.d_shown("frank after expiry")


async def test_kick_removes_from_slack_and_is_honest_about_discord(w: More) -> None:
    assert await w.in_slack_music("grace")
    text, ephemeral = await w.slack("erin", f"kick <@{w.su['grace']}> rude")
    assert "is kicked from *Fans*" in text and not ephemeral
    [action] = await w.settled("kick")
    effects = w.effects(action)
    assert effects["slack"] == ("done", "")
    assert effects["discord"] == ("skipped", "Discord channels have no membership; use ban")
    assert not await w.in_slack_music("grace")
    text, _ = await w.discord("alice", "policy", kickscope="guild")
    assert "kickscope of **Fans** is now guild" in text
    text, _ = await w.discord("alice", "kick", user=w.du["bob"])
    [action, _] = await w.settled("kick", 2)
    # the default bot has no Kick Members: the modlog says so instead of pretending
    assert w.effects(action)["discord"] == ("failed", "403 Missing Permissions")
    assert w.effects(action)["second"] == ("failed", "404 Unknown Member")
    assert await w.member(w.guild, "bob") is not None


async def test_policy_log_records_without_acting(w: More) -> None:
    text, _ = await w.slack("frank", "policy log")
    assert text.startswith("Sorry")
    text, _ = await w.discord("alice", "policy", value="log")
    assert "policy of **Fans** is now log" in text
    await w.s_post("frank", "frank is here")  # posting joins the channel on the emulator
    text, _ = await w.slack("erin", f"ban <@{w.su['frank']}> logged only")
    assert "is banned from *Fans*" in text
    [action] = await w.settled("ban")
    assert w.effects(action)["slack"] == ("skipped", "policy log")
    assert w.effects(action)["discord"] == ("skipped", "no linked Discord account here")
    assert await w.in_slack_music("frank")


async def test_policy_suggest_applied_from_discord(w: More) -> None:
    await w.discord("alice", "policy", value="suggest")
    before = await w.newest_id(w.d_music)
    await w.s_post("heidi", "heidi joins again")
    text, _ = await w.slack("erin", f"ban <@{w.su['heidi']}> spam")
    assert "is banned from *Fans*" in text
    card = await w.card(w.d_music, before)
    assert "Apply it on Discord?" in card["content"]
    custom = card["components"][0]["components"][0]["custom_id"]
    click = {"message_id": card["id"], "custom_id": custom}
    refused = await w.emu.post("/_emu/discord/components", click | {"user_id": w.du["dave"]})
    assert "only the group's owners and moderators" in str(refused)
    assert await w.overwrite("dave") is None
    await w.emu.post("/_emu/discord/components", click | {"user_id": w.du["alice"]})
    [action, _] = await w.settled("ban", 2)
    effects = w.effects(action)
    assert effects["slack"] == ("done", "") and effects["discord"] == ("done", "")
    assert effects["second"] == ("done", "")  # one Apply, every Discord channel
    assert await w.overwrite("dave") is not None
    updated = await w.d_shown("✅ Applied by")
    assert not updated["components"]


async def test_policy_suggest_dismissed_from_slack(w: More) -> None:
    await w.discord("alice", "unban", user=w.du["dave"])
    await w.settled("unban")
    await w.s_post("heidi", "heidi once more")  # rejoins #music
    text, _ = await w.discord("alice", "ban", user=w.du["dave"], reason="again")
    assert "is banned from **Fans**" in text
    card = await w.s_shown("Apply it on Slack?")
    [actions] = [b for b in card["blocks"] if b["type"] == "actions"]
    dismiss = actions["elements"][1]
    body = {"user": w.su["erin"], "channel": w.s_music, "message_ts": card["ts"]}
    await w.emu.post(
        "/_emu/slack/actions",
        body | {"action_id": dismiss["action_id"]} | {"value": dismiss["value"]},
    )
    await w.s_shown("✖ Dismissed by")
    [action, *_] = await w.settled("ban", 3)
    effects = w.effects(action)
    assert effects["discord"] == ("done", "")
    assert effects["slack"][0] == "skipped" and effects["slack"][1].startswith("dismissed by")
    assert await w.in_slack_music("heidi")


async def test_guild_ban_scope_bans_from_every_linked_guild(w: More) -> None:
    await w.discord("alice", "policy", value="mirror")
    await w.discord("alice", "unban", user=w.du["dave"])
    await w.settled("unban", 2)
    text, _ = await w.discord("alice", "policy", banscope="guild")
    assert "banscope of **Fans** is now guild" in text
    text, _ = await w.slack("erin", f"ban <@{w.su['heidi']}> guild wide")
    [action, *_] = await w.settled("ban", 4)
    assert w.effects(action)["discord"] == ("done", "")
    assert w.effects(action)["second"] == ("done", "")
    assert w.du["dave"] in await w.bans(w.guild)
    assert w.du["dave"] in await w.bans(w.second)
    assert await w.overwrite("dave") is None  # a guild ban, not an overwrite
    assert len(await w.settled("ban", 4)) == 4  # the bot's own guild bans did not come back


async def test_ban_with_purge_deletes_the_last_minutes_everywhere(w: More) -> None:
    await w.discord("alice", "policy", banscope="channel")
    await w.d_post("carol", "carol spam one")
    await w.d_post("carol", "carol spam two")
    await w.s_shown("carol spam two")
    text, _ = await w.discord("alice", "ban", user=w.du["carol"], reason="spam", purge="10m")
    assert "Purged 2 message(s)" in text
    for needle in ("carol spam one", "carol spam two"):
        await w.gone(w.d_find, needle)
        await w.gone(w.s_find, needle)
    await w.s_post("grace", "grace floods")
    await w.d_shown("grace floods")
    text, _ = await w.slack("erin", f"ban <@{w.su['grace']}> flooding purge 10m")
    assert "Purged" in text
    await w.gone(w.d_find, "grace floods")
    bans = [a for a in await w.settled("ban", 6) if a.reason == "flooding"]
    assert bans, "the purge words are not part of the reason"
    deletes = await w.settled("delete", 3)
    slack_origin = [a for a in deletes if a.target == str(slack_ref(w, "grace"))]
    assert slack_origin and w.effects(slack_origin[0])["slack"][0] == "skipped"
    assert await w.emu.violations() == []


async def test_a_discord_timeout_command_is_lifted_with_duration_off(w: More) -> None:
    """On Discord `/fangroup timeout duration:off` is Slack's `/fangroup untimeout`."""
    text, _ = await w.discord("alice", "timeout", user=w.du["bob"], duration="10m")
    assert "Bob is timed out in **Fans** for 10m" in text

    async def timed_out() -> bool:
        member = await w.member(w.guild, "bob")
        return bool(member and member["communication_disabled_until"])

    await w.emu.until(timed_out, what="bob timed out in the guild")
    text, ephemeral = await w.discord("alice", "timeout", user=w.du["bob"], duration="off")
    assert "timeout in **Fans** is lifted" in text and not ephemeral

    async def lifted() -> bool:
        return not await timed_out()

    await w.emu.until(lifted, what="bob's timeout lifted in the guild")
