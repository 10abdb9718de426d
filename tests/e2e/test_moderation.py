"""Moderation that propagates, policy mirror: delete everywhere (a moderator's delete of a copy,
a Slack admin's delete, the "Delete everywhere" shortcut), bans and unbans from a Discord guild
ban or `/fangroup ban`, the softban, refusals, and the modlog with every effect's status. Real
discord.py and slack-bolt against the emulators; the linked channels are both #music (Slack
refuses to kick anyone from #general)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from slack_sdk.web.async_client import AsyncWebClient

from adapters.runtime import Runtime
from bridge.ids import Platform, UserRef
from bridge.ports import ModAction
from emulators.server import ThreadedEmulator
from storage.repos import SqlStore
from tests.e2e.harness import Emu, running_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")
CODE = re.compile(r"`([A-Z0-9]{8})`")
BANNED_BITS = str((1 << 10) | (1 << 11))  # VIEW_CHANNEL | SEND_MESSAGES


class World:
    def __init__(self, emu: Emu, world: dict[str, Any], runtime: Runtime, url: str) -> None:
        self.emu = emu
        self.runtime = runtime
        guild = world["discord"]["guilds"][0]
        team = world["slack"]["workspaces"][0]
        self.guild = str(guild["id"])
        self.team = str(team["id"])
        self.d_music = str(guild["channels"][1]["id"])
        self.s_music = str(team["channels"][1]["id"])
        self.du = {u["username"]: str(u["id"]) for u in guild["users"]}
        self.su = {u["name"]: str(u["id"]) for u in team["users"]}
        self.slack_api = AsyncWebClient(
            token=world["slack"]["bot_token"], base_url=f"{url}/slack/api/"
        )

    @property
    def store(self) -> SqlStore:
        assert self.runtime.store is not None
        return self.runtime.store

    async def group_id(self) -> int:
        group = await self.store.get_group("fans")
        assert group is not None
        return group.id

    async def discord(self, who: str, path: str, **options: str) -> tuple[str, bool]:
        body = {
            "channel_id": self.d_music,
            "user_id": self.du[who],
            "name": f"fangroup {path}",
            "options": options,
        }
        answer = await self.emu.post("/_emu/discord/commands", body)
        return str(answer["data"]["content"]), bool(answer["ephemeral"])

    async def slack(self, user: str, text: str) -> tuple[str, bool]:
        body = {"command": "/fangroup", "text": text, "user": self.su[user]}
        answer = await self.emu.post("/_emu/slack/commands", body | {"channel": self.s_music})
        [response] = answer["responses"]
        return str(response["text"]), response.get("response_type") != "in_channel"

    async def shortcut(self, user: str, callback_id: str, ts: str) -> str:
        body = {"callback_id": callback_id, "user": self.su[user], "channel": self.s_music}
        answer = await self.emu.post("/_emu/slack/shortcuts", body | {"message_ts": ts})
        [response] = answer["responses"]
        assert response.get("response_type", "ephemeral") == "ephemeral"
        return str(response["text"])

    async def d_post(self, who: str, content: str) -> dict[str, Any]:
        body = {"channel_id": self.d_music, "user_id": self.du[who], "content": content}
        return await self.emu.post("/_emu/discord/messages", body)  # type: ignore[no-any-return]

    async def s_post(self, who: str, text: str) -> str:
        body = {"channel": self.s_music, "user": self.su[who], "text": text}
        return str((await self.emu.post("/_emu/slack/messages", body))["ts"])

    async def d_find(self, needle: str) -> dict[str, Any] | None:
        rows = await self.emu.discord_messages(self.d_music)
        return next((m for m in rows if needle in (m.get("content") or "")), None)

    async def s_find(self, needle: str) -> dict[str, Any] | None:
        rows = await self.emu.slack_messages(self.s_music)
        return next((m for m in rows if needle in (m.get("text") or "")), None)

    async def d_shown(self, needle: str) -> dict[str, Any]:
        return await self.emu.until(lambda: self.d_find(needle), what=f"discord {needle!r}")

    async def s_shown(self, needle: str) -> dict[str, Any]:
        return await self.emu.until(lambda: self.s_find(needle), what=f"slack {needle!r}")

    async def gone(self, find: Any, needle: str) -> None:
        async def absent() -> bool:
            return await find(needle) is None

        await self.emu.until(absent, what=f"{needle!r} deleted")

    async def settled(self, kind: str, count: int = 1) -> list[ModAction]:
        """The group's modlog once it has ``count`` actions of ``kind`` and none is pending."""

        async def check() -> list[ModAction] | None:
            log = await self.store.modlog(await self.group_id(), limit=50)
            pending = any(e.status == "pending" for a in log for e in a.effects)
            found = [a for a in log if a.kind == kind]
            return found if len(found) >= count and not pending else None

        return await self.emu.until(check, what=f"{count} settled {kind}")

    async def overwrite(self, who: str) -> dict[str, Any] | None:
        summary = await self.emu.get(f"/_emu/discord/guilds/{self.guild}")
        [music] = [c for c in summary["channels"] if c["id"] == self.d_music]
        found = [o for o in music["permission_overwrites"] if o["id"] == self.du[who]]
        return found[0] if found else None

    async def in_slack_music(self, who: str) -> bool:
        members = (await self.slack_api.conversations_members(channel=self.s_music))["members"]
        return self.su[who] in members

    async def link(self, discord_user: str, slack_user: str) -> None:
        text, _ = await self.discord(discord_user, "account link")
        found = CODE.search(text)
        assert found, text
        text, _ = await self.slack(slack_user, f"account confirm {found.group(1)}")
        assert text.startswith("Linked:"), text


def statuses(action: ModAction) -> dict[Platform, tuple[str, str]]:
    return {e.channel.platform: (e.status, e.detail) for e in action.effects}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def w(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    db_dir = Path(tmp_path_factory.mktemp("moderation"))
    async with running_bridge(emulator.url, db_dir, channel=1) as (emu, world, runtime):
        yield World(emu, world, runtime, emulator.url)


async def test_a_discord_moderator_deleting_a_copy_cannot_delete_a_slack_persons_message(
    w: World,
) -> None:
    await w.s_post("frank", "slack origin one")
    copy = await w.d_shown("slack origin one")
    await w.emu.post(f"/_emu/discord/messages/{copy['id']}/delete", {"user_id": w.du["carol"]})
    [action] = await w.settled("delete")
    assert action.origin is Platform.DISCORD
    assert action.target == str(UserRef(Platform.SLACK, w.team, w.su["frank"]))
    effects = statuses(action)
    assert effects[Platform.SLACK][0] == "skipped"
    assert "Slack bots cannot delete a person's message" in effects[Platform.SLACK][1]
    assert effects[Platform.DISCORD][0] == "done"
    # the bridge does not pretend: the person's Slack message is still there
    assert await w.s_find("slack origin one") is not None
    assert action.message_id is not None
    message = await w.store.get_message(action.message_id)
    assert message is not None and message.deleted_at is not None


async def test_a_slack_admin_deleting_a_copy_deletes_the_discord_origin(w: World) -> None:
    await w.d_post("bob", "discord origin two")
    copy = await w.s_shown("discord origin two")
    body = {"channel": w.s_music, "ts": copy["ts"], "user": w.su["erin"]}
    await w.emu.post("/_emu/slack/messages/delete", body)
    await w.gone(w.d_find, "discord origin two")
    [newest, _] = await w.settled("delete", 2)
    assert newest.origin is Platform.SLACK
    assert statuses(newest)[Platform.DISCORD] == ("done", "")


async def test_delete_everywhere_shortcut_is_for_admins_and_moderators(w: World) -> None:
    await w.d_post("dave", "discord origin three")
    copy = await w.s_shown("discord origin three")
    refused = await w.shortcut("frank", "delete_everywhere", copy["ts"])
    assert refused.startswith("Sorry, only")
    assert await w.d_find("discord origin three") is not None
    answer = await w.shortcut("erin", "delete_everywhere", copy["ts"])
    assert answer.startswith("Deleting this message everywhere")
    await w.gone(w.d_find, "discord origin three")
    await w.gone(w.s_find, "discord origin three")
    [newest, *_] = await w.settled("delete", 3)
    assert newest.actor == str(UserRef(Platform.SLACK, w.team, w.su["erin"]))
    assert {s for s, _ in statuses(newest).values()} == {"done"}


async def test_a_discord_guild_ban_kicks_on_slack_and_stops_the_relay(w: World) -> None:
    await w.link("dave", "heidi")
    assert await w.in_slack_music("heidi")
    ban = {"guild_id": w.guild, "user_id": w.du["dave"], "actor_id": w.du["alice"]}
    await w.emu.post("/_emu/discord/bans", ban | {"reason": "trolling"})
    [action] = await w.settled("ban")
    effects = statuses(action)
    assert effects[Platform.SLACK] == ("done", "")
    assert effects[Platform.DISCORD] == ("skipped", "the Discord ban already applies here")
    assert not await w.in_slack_music("heidi")
    await w.s_post("heidi", "banned words")  # posting rejoins the channel on the emulator
    await w.s_post("grace", "after the ban")
    await w.d_shown("after the ban")
    assert await w.d_find("banned words") is None
    await w.emu.post("/_emu/discord/bans", ban | {"remove": True})
    [unban] = await w.settled("unban")
    assert statuses(unban)[Platform.SLACK] == (
        "skipped",
        "Slack cannot undo a kick; the person can rejoin",
    )
    await w.s_post("heidi", "back again")
    await w.d_shown("back again")


async def test_fangroup_ban_by_a_slack_moderator_and_unban(w: World) -> None:
    await w.link("bob", "grace")
    text, ephemeral = await w.slack("erin", f"ban <@{w.su['grace']}> spamming links")
    assert text.startswith("grace is banned from *Fans*") and not ephemeral
    [action, _] = await w.settled("ban", 2)
    assert action.reason == "spamming links" and action.origin is Platform.SLACK
    assert {s for s, _ in statuses(action).values()} == {"done"}
    overwrite = await w.overwrite("bob")
    assert overwrite is not None and overwrite["type"] == 1 and overwrite["deny"] == BANNED_BITS
    assert not await w.in_slack_music("grace")
    text, _ = await w.slack("erin", f"ban <@{w.su['grace']}>")
    assert "already banned" in text
    text, _ = await w.discord("alice", "unban", user=w.du["bob"])
    assert "is unbanned from **Fans**" in text
    [unban, _] = await w.settled("unban", 2)
    assert statuses(unban)[Platform.DISCORD] == ("done", "")
    assert await w.overwrite("bob") is None


async def test_non_moderators_are_refused(w: World) -> None:
    text, ephemeral = await w.slack("frank", f"ban <@{w.su['heidi']}>")
    assert text.startswith("Sorry") and ephemeral
    text, ephemeral = await w.discord("bob", "ban", user=w.du["carol"])
    assert text.startswith("Sorry") and ephemeral
    text, _ = await w.slack("frank", "modlog")
    assert text.startswith("Sorry")
    account = await w.store.get_account(UserRef(Platform.DISCORD, w.guild, w.du["carol"]))
    assert account is None or not await w.store.is_banned(await w.group_id(), account.member_id)


async def test_a_softban_does_not_end_in_a_ban(w: World) -> None:
    ban = {"guild_id": w.guild, "user_id": w.du["bob"], "actor_id": w.du["alice"]}
    await w.emu.post("/_emu/discord/bans", ban)
    await w.emu.post("/_emu/discord/bans", ban | {"remove": True})
    await w.settled("unban", 3)
    account = await w.store.get_account(UserRef(Platform.DISCORD, w.guild, w.du["bob"]))
    assert account is not None
    assert not await w.store.is_banned(await w.group_id(), account.member_id)
    assert await w.overwrite("bob") is None
    await w.s_post("grace", "grace is welcome")  # bob's linked Slack account
    await w.d_shown("grace is welcome")


async def test_the_modlog_shows_every_effect_with_its_status(w: World) -> None:
    text, ephemeral = await w.slack("erin", "modlog")
    assert ephemeral and text.startswith("Modlog of *Fans*")
    assert "*delete*" in text and "*ban*" in text and "*unban*" in text
    assert "skipped: Slack bots cannot delete a person's message" in text
    assert "skipped: Slack cannot undo a kick; the person can rejoin" in text
    assert "— done" in text and "spamming links" in text
    text, ephemeral = await w.discord("alice", "modlog", user=w.du["dave"])
    assert ephemeral and "trolling" in text and "spamming" not in text
    assert text.count("#") - text.count("*Fans*") >= 2


async def test_ban_from_group_shortcut_bans_the_author_of_a_relayed_message(w: World) -> None:
    await w.d_post("carol", "carol says hi")
    copy = await w.s_shown("carol says hi")
    refused = await w.shortcut("frank", "ban_from_group", copy["ts"])
    assert refused.startswith("Sorry, only")
    answer = await w.shortcut("erin", "ban_from_group", copy["ts"])
    assert answer.startswith("Carol is banned from *Fans*"), answer
    [action, *_] = await w.settled("ban", 4)
    effects = statuses(action)
    assert effects[Platform.DISCORD] == ("done", "")
    assert effects[Platform.SLACK] == ("skipped", "no linked Slack account here")
    overwrite = await w.overwrite("carol")
    assert overwrite is not None and overwrite["deny"] == BANNED_BITS
    text, _ = await w.discord("alice", "unban", user=w.du["carol"])
    assert "is unbanned" in text
    await w.settled("unban", 4)
    assert await w.overwrite("carol") is None
