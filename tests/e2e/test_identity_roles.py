"""Identity links and roles through /fangroup on both platforms: one-time codes made on one
platform and confirmed on the other, refusals, unlink, moderators, the roles listing, and
mentions of linked people becoming real mentions. Real discord.py and slack-bolt against the
emulators."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters.runtime import Runtime
from bridge.groups.identity import hash_code
from bridge.ids import Platform, Role, UserRef
from emulators.server import ThreadedEmulator
from storage.repos import SqlStore
from tests.e2e.harness import Emu, bridge_config, start_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")
CODE = re.compile(r"`([A-Z0-9]{8})`")


class World:
    def __init__(self, emu: Emu, world: dict[str, Any], runtime: Runtime) -> None:
        self.emu = emu
        self.runtime = runtime
        guild = world["discord"]["guilds"][0]
        team = world["slack"]["workspaces"][0]
        self.guild = str(guild["id"])
        self.team = str(team["id"])
        self.d_general = str(guild["channels"][0]["id"])
        self.s_general = str(team["channels"][0]["id"])
        self.du = {u["username"]: str(u["id"]) for u in guild["users"]}
        self.su = {u["name"]: str(u["id"]) for u in team["users"]}

    @property
    def store(self) -> SqlStore:
        assert self.runtime.store is not None
        return self.runtime.store

    async def discord(self, who: str, path: str, **options: str) -> tuple[str, bool]:
        """Run ``/fangroup <path>`` in Discord #general: (the reply's text, ephemeral)."""
        body = {
            "channel_id": self.d_general,
            "user_id": self.du[who],
            "name": f"fangroup {path}",
            "options": options,
        }
        answer = await self.emu.post("/_emu/discord/commands", body)
        return str(answer["data"]["content"]), bool(answer["ephemeral"])

    async def slack(self, user: str, text: str) -> tuple[str, bool]:
        """Run ``/fangroup <text>`` in Slack #general: (the reply's text, ephemeral)."""
        body = {"command": "/fangroup", "text": text, "user": self.su[user]}
        answer = await self.emu.post("/_emu/slack/commands", body | {"channel": self.s_general})
        [response] = answer["responses"]
        return str(response["text"]), response.get("response_type") != "in_channel"

    async def member_of(self, user: UserRef) -> int | None:
        account = await self.store.get_account(user)
        return account.member_id if account else None

    def d_user(self, name: str) -> UserRef:
        return UserRef(Platform.DISCORD, self.guild, self.du[name])

    def s_user(self, name: str) -> UserRef:
        return UserRef(Platform.SLACK, self.team, self.su[name])

    async def slack_copy(self, needle: str) -> dict[str, Any]:
        async def shown() -> dict[str, Any] | None:
            rows = await self.emu.slack_messages(self.s_general)
            return next((m for m in rows if needle in (m.get("text") or "")), None)

        return await self.emu.until(shown, what=f"slack copy of {needle!r}")

    async def discord_copy(self, needle: str) -> dict[str, Any]:
        async def shown() -> dict[str, Any] | None:
            rows = await self.emu.discord_messages(self.d_general)
            return next((m for m in rows if needle in (m.get("content") or "")), None)

        return await self.emu.until(shown, what=f"discord copy of {needle!r}")


def code_of(text: str) -> str:
    found = CODE.search(text)
    assert found, text
    return found.group(1)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def w(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    async with aiohttp.ClientSession() as session:
        emu = Emu(emulator.url, session)
        world = await emu.world()
        db = Path(tmp_path_factory.mktemp("identity")) / "bridge.db"
        runtime = await start_bridge(bridge_config(world, emulator.url, db))
        try:
            yield World(emu, world, runtime)
        finally:
            await runtime.stop()


async def test_link_on_discord_confirm_on_slack(w: World) -> None:
    text, ephemeral = await w.discord("bob", "account link")
    assert ephemeral and "/fangroup account confirm" in text and "Slack" in text
    code = code_of(text)
    text, ephemeral = await w.slack("frank", f"account confirm {code}")
    assert text == "Linked: your Discord account and your Slack account are one fan now."
    assert ephemeral
    bob = await w.member_of(w.d_user("bob"))
    assert bob is not None and bob == await w.member_of(w.s_user("frank"))
    text, _ = await w.slack("frank", f"account confirm {code}")
    assert "already been used" in text


async def test_mentions_of_a_linked_fan_become_real_mentions(w: World) -> None:
    await w.emu.post(
        "/_emu/discord/messages",
        {
            "channel_id": w.d_general,
            "user_id": w.du["carol"],
            "content": f"great set <@{w.du['bob']}>!",
        },
    )
    copy = await w.slack_copy("great set")
    assert f"<@{w.su['frank']}>" in copy["text"]
    assert copy["pinged"] == [w.su["frank"]]
    await w.emu.post(
        "/_emu/slack/messages",
        {"channel": w.s_general, "user": w.su["grace"], "text": f"thanks <@{w.su['frank']}>"},
    )
    back = await w.discord_copy("thanks")
    assert f"<@{w.du['bob']}>" in back["content"]
    assert [str(u) for u in back["pinged"]] == [w.du["bob"]]


async def test_link_on_slack_confirm_on_discord(w: World) -> None:
    text, ephemeral = await w.slack("grace", "account link")
    assert ephemeral and "Discord" in text
    code = code_of(text)
    text, ephemeral = await w.discord("dave", "account confirm", code=code.lower())
    assert text == "Linked: your Slack account and your Discord account are one fan now."
    assert ephemeral
    grace = await w.member_of(w.s_user("grace"))
    assert grace is not None and grace == await w.member_of(w.d_user("dave"))


async def test_unknown_same_platform_and_expired_codes_are_refused(w: World) -> None:
    text, _ = await w.slack("heidi", "account confirm ZZZZ2222")
    assert text.startswith("No such code")
    code = code_of((await w.slack("heidi", "account link"))[0])
    text, _ = await w.slack("erin", f"account confirm {code}")
    assert "made on Slack" in text and "Discord" in text
    assert await w.member_of(w.s_user("erin")) != await w.member_of(w.s_user("heidi"))
    # refused on the same platform, the code still works on the other one
    text, _ = await w.discord("carol", "account confirm", code=code)
    assert text.startswith("Linked:")
    # a code made eleven minutes ago
    now = w.runtime.clock.now()
    alice = w.d_user("alice")
    await w.store.upsert_account(user=alice, display_name="Alice")
    stale = "EXPD2345"
    made = await w.store.add_link_code(
        code_hash=hash_code(stale), user=alice, at=now - 660, expires_at=now - 60
    )
    assert made
    text, _ = await w.slack("erin", f"account confirm {stale}")
    assert "expired" in text
    assert await w.member_of(alice) != await w.member_of(w.s_user("erin"))


async def test_unlink_makes_the_account_a_fan_of_its_own(w: World) -> None:
    text, _ = await w.discord("dave", "account unlink")
    assert text.startswith("Unlinked:") and "(Slack)" in text
    assert await w.member_of(w.d_user("dave")) != await w.member_of(w.s_user("grace"))
    text, _ = await w.discord("dave", "account unlink")
    assert "not linked" in text
    await w.emu.post(
        "/_emu/discord/messages",
        {"channel_id": w.d_general, "user_id": w.du["alice"], "content": f"hi <@{w.du['dave']}>"},
    )
    copy = await w.slack_copy("hi ")
    assert w.su["grace"] not in copy["text"] and "@Dave" in copy["text"]
    assert copy["pinged"] == []


async def test_moderators_are_added_and_removed_by_owners_and_admins(w: World) -> None:
    text, ephemeral = await w.discord("bob", "mod add", user=w.du["dave"])
    assert "may not" in text and ephemeral
    text, ephemeral = await w.slack("grace", f"mod add <@{w.su['heidi']}>")
    assert "may not" in text and ephemeral
    text, ephemeral = await w.discord("alice", "mod add", user=w.du["bob"])
    assert text.startswith("Bob is now a moderator of **Fans**") and not ephemeral
    text, _ = await w.discord("alice", "mod add", user=w.du["bob"])
    assert "already a moderator" in text
    # Bob is Frank on Slack: one member, so a moderator on both platforms
    text, _ = await w.slack("heidi", "roles")
    assert "*Moderators*: Bob (Discord), frank (Slack)" in text
    # a Slack admin removes the role through Frank's Slack account
    text, ephemeral = await w.slack("erin", f"mod remove <@{w.su['frank']}|frank>")
    assert text.startswith("frank is no longer a moderator") and not ephemeral
    text, _ = await w.discord("alice", "roles")
    assert "**Moderators**: none" in text
    text, _ = await w.slack("erin", f"mod remove <@{w.su['frank']}>")
    assert "is not a moderator" in text


async def test_an_owner_without_admin_rights_may_add_moderators(w: World) -> None:
    group = await w.store.get_group("fans")
    assert group is not None
    grace = await w.store.get_account(w.s_user("grace"))
    assert grace is not None
    await w.store.grant_role(group_id=group.id, member_id=grace.member_id, role=Role.OWNER)
    text, _ = await w.slack("grace", f"mod add <@{w.su['heidi']}>")
    assert text.startswith("heidi is now a moderator")
    # Heidi is linked to Carol (Discord): the listing names both accounts
    text, ephemeral = await w.discord("dave", "roles")
    assert ephemeral
    assert "**Owners**: grace (Slack)" in text
    assert "**Moderators**: Carol (Discord), heidi (Slack)" in text
    assert "**Artists**: none" in text
    text, _ = await w.slack("grace", "mod add")
    assert text.startswith("Usage:")


async def test_no_contract_violations(w: World) -> None:
    assert await w.emu.violations() == []
