"""The Discord emulator's moderation side with the real discord.py client: bans, timeouts,
permission overwrites, audit logs, permission and validation errors, new guilds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import discord
import pytest

from tests.e2e.test_emulator_discord_support import WAIT, Bot, bot, discord_at_emulator

__all__ = ["bot", "discord_at_emulator"]
# the module checks that a too-long message is refused: that request is a violation on purpose
pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.allow_violations]


async def _new_guild(bot: Bot, name: str) -> tuple[discord.Guild, dict[str, Any]]:
    """A fresh guild (via the control API) so each test has its own members to punish."""
    joined = bot.client.wait_for("guild_join", check=lambda g: g.name == name, timeout=WAIT)
    created = await bot.control.post(
        "/_emu/discord/guilds",
        {
            "name": name,
            "channels": ["lobby"],
            "users": [
                {"username": f"{name}-owner", "permissions": ["ADMINISTRATOR"]},
                {"username": f"{name}-mod", "permissions": ["MANAGE_MESSAGES", "BAN_MEMBERS"]},
                {"username": f"{name}-fan", "permissions": []},
            ],
        },
    )
    guild = await joined
    assert str(guild.id) == created["id"]
    return guild, created


async def _last_audit_entry(guild: discord.Guild) -> discord.AuditLogEntry:
    async for entry in guild.audit_logs(limit=1):
        return entry
    raise AssertionError("the audit log is empty")


def _uid(created: dict[str, Any], suffix: str) -> int:
    return int(next(u["id"] for u in created["users"] if u["username"].endswith(suffix)))


async def test_new_guild_arrives_with_channels_and_members(bot: Bot) -> None:
    guild, created = await _new_guild(bot, "newcomers")
    assert [c.name for c in guild.text_channels] == ["lobby"]
    assert str(guild.owner_id) == str(_uid(created, "-owner"))
    member = await guild.fetch_member(_uid(created, "-fan"))
    assert member.name == "newcomers-fan"
    chunked = await guild.chunk()  # REQUEST_GUILD_MEMBERS (op 8) -> GUILD_MEMBERS_CHUNK
    assert {m.name for m in chunked} >= {"newcomers-owner", "newcomers-mod", "newcomers-fan"}


async def test_ban_and_unban_by_the_bot_are_logged_and_dispatched(bot: Bot) -> None:
    guild, created = await _new_guild(bot, "banland")
    fan = _uid(created, "-fan")
    banned = bot.client.wait_for("member_ban", timeout=WAIT)
    await guild.ban(discord.Object(fan), reason="spam links", delete_message_seconds=0)
    banned_guild, banned_user = await banned
    assert banned_guild.id == guild.id and banned_user.id == fan
    entry = await _last_audit_entry(guild)
    assert entry.action is discord.AuditLogAction.ban
    assert entry.reason == "spam links" and entry.target is not None and entry.target.id == fan
    state = await bot.control.get(f"/_emu/discord/guilds/{guild.id}")
    assert state["bans"] == [{"user_id": str(fan), "reason": "spam links"}]
    assert str(fan) not in [u["id"] for u in state["users"]]

    unbanned = bot.client.wait_for("member_unban", timeout=WAIT)
    await guild.unban(discord.Object(fan))
    await unbanned
    with pytest.raises(discord.NotFound) as missing:
        await guild.fetch_ban(discord.Object(fan))
    assert missing.value.code == 10026


async def test_ban_by_a_person_reaches_the_bot(bot: Bot) -> None:
    guild, created = await _new_guild(bot, "peopleban")
    banned = bot.client.wait_for("member_ban", timeout=WAIT)
    await bot.control.post(
        "/_emu/discord/bans",
        {
            "guild_id": created["id"],
            "user_id": str(_uid(created, "-fan")),
            "actor_id": str(_uid(created, "-mod")),
            "reason": "rude",
        },
    )
    _, user = await banned
    assert user.id == _uid(created, "-fan")
    entry = await _last_audit_entry(guild)
    assert entry.user is not None and entry.user.id == _uid(created, "-mod")
    # a moderator cannot ban the owner
    await bot.control.post(
        "/_emu/discord/bans",
        {
            "guild_id": created["id"],
            "user_id": str(_uid(created, "-owner")),
            "actor_id": str(_uid(created, "-mod")),
        },
        status=403,
    )


async def test_bot_without_kick_members_is_forbidden(bot: Bot) -> None:
    member = await bot.guild.fetch_member(int(bot.user_id("dave")))
    with pytest.raises(discord.Forbidden) as refused:
        await member.kick(reason="no")
    assert refused.value.code == 50013


async def test_timeouts_by_bot_and_by_people(bot: Bot) -> None:
    guild, created = await _new_guild(bot, "timeouts")
    fan = await guild.fetch_member(_uid(created, "-fan"))
    await fan.timeout(dt.timedelta(minutes=5), reason="cool down")
    state = await bot.control.get(f"/_emu/discord/guilds/{guild.id}")
    until = next(u for u in state["users"] if u["id"] == str(fan.id))[
        "communication_disabled_until"
    ]
    assert until is not None
    lobby = guild.text_channels[0]
    refused = await bot.control.post(
        "/_emu/discord/messages",
        {"channel_id": str(lobby.id), "user_id": str(fan.id), "content": "let me talk"},
        status=403,
    )
    assert refused["code"] == 50013
    owner = await guild.fetch_member(_uid(created, "-owner"))
    with pytest.raises(discord.Forbidden):
        await owner.timeout(dt.timedelta(minutes=1))
    updated = bot.client.wait_for("member_update", timeout=WAIT)
    await bot.control.post(
        "/_emu/discord/timeouts",
        {
            "guild_id": created["id"],
            "user_id": str(_uid(created, "-mod")),
            "actor_id": str(owner.id),
            "seconds": 60,
        },
    )
    _, after = await updated
    assert after.id == _uid(created, "-mod") and after.is_timed_out()


async def test_channel_overwrite_stops_a_member_posting(bot: Bot) -> None:
    guild, created = await _new_guild(bot, "overwrites")
    lobby = guild.text_channels[0]
    fan = await guild.fetch_member(_uid(created, "-fan"))
    changed = bot.client.wait_for("guild_channel_update", timeout=WAIT)
    await lobby.set_permissions(fan, send_messages=False, reason="channel ban")
    _, after = await changed
    assert after.overwrites_for(fan).send_messages is False
    await bot.control.post(
        "/_emu/discord/messages",
        {"channel_id": str(lobby.id), "user_id": str(fan.id), "content": "hello?"},
        status=403,
    )
    entry = await _last_audit_entry(guild)
    assert entry.action is discord.AuditLogAction.overwrite_create
    await lobby.set_permissions(fan, overwrite=None)
    await bot.control.post(
        "/_emu/discord/messages",
        {"channel_id": str(lobby.id), "user_id": str(fan.id), "content": "hello again"},
    )


async def test_validation_and_unknown_objects_use_real_error_codes(bot: Bot) -> None:
    general = bot.channel("general")
    with pytest.raises(discord.HTTPException) as too_long:
        await general.send("x" * 2001)
    assert too_long.value.status == 400 and too_long.value.code == 50035
    with pytest.raises(discord.NotFound) as no_message:
        await general.fetch_message(1234567890123456789)
    assert no_message.value.code == 10008
    with pytest.raises(discord.NotFound) as no_channel:
        await bot.client.fetch_channel(1234567890123456789)
    assert no_channel.value.code == 10003
    route = discord.http.Route("POST", "/channels/{channel_id}/messages", channel_id=general.id)
    exclusive = {"parse": ["users"], "users": [bot.user_id("bob")]}
    with pytest.raises(discord.HTTPException) as bad_mentions:
        await bot.client.http.request(route, json={"content": "x", "allowed_mentions": exclusive})
    assert bad_mentions.value.code == 50035


async def test_deleting_other_peoples_messages_needs_manage_messages(bot: Bot) -> None:
    general = bot.channel("general")
    posted = await bot.control.post(
        "/_emu/discord/messages",
        {"channel_id": str(general.id), "user_id": bot.user_id("alice"), "content": "mine"},
    )
    path = f"/_emu/discord/messages/{posted['id']}/delete"
    refused = await bot.control.post(path, {"user_id": bot.user_id("bob")}, status=403)
    assert refused["code"] == 50013
    deleted = bot.client.wait_for("raw_message_delete", timeout=WAIT)
    await bot.control.post(path, {"user_id": bot.user_id("carol")})
    assert (await deleted).message_id == int(posted["id"])
    assert posted["id"] not in [row["id"] for row in await bot.control.view(general.id)]
