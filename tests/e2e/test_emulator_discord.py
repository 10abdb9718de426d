"""The Discord emulator against the real discord.py client: connect, events, sends, webhooks,
slash commands, RESUME, rate limits, bad tokens and allowed_mentions."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import discord
import pytest
from discord import app_commands

from emulators.server import ThreadedEmulator
from tests.e2e.test_emulator_discord_support import (
    WAIT,
    Bot,
    bot,
    discord_at_emulator,
)
from tests.emulation import running_emulator

__all__ = ["bot", "discord_at_emulator"]
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def emulator() -> Iterator[ThreadedEmulator]:
    """This module's emulator runs rate-limit windows at a fifth of real time (a channel's 5
    sends per 5 s become 5 per second): wide enough that a burst of sends meets the limit even
    on a busy machine, short enough that waiting it out stays quick."""
    with running_emulator(time_scale=0.2) as emu:
        yield emu


async def test_client_reaches_ready_with_the_world(bot: Bot) -> None:
    assert bot.client.user is not None
    assert str(bot.client.user.id) == bot.world["bot_user_id"]
    assert bot.guild.name == "Fan Club"
    assert [c.name for c in bot.guild.text_channels] == ["general", "music", "announcements"]


async def test_message_posted_by_a_user_reaches_on_message(bot: Bot) -> None:
    general = bot.channel("general")
    posted = await bot.control.post(
        "/_emu/discord/messages",
        {"channel_id": str(general.id), "user_id": bot.user_id("alice"), "content": "hello fans"},
    )
    message = await bot.next_message(content="hello fans")
    assert str(message.id) == posted["id"]
    assert message.author.name == "alice"
    assert message.channel.id == general.id
    assert isinstance(message.author, discord.Member)


async def test_channel_send_and_webhook_send_show_in_the_channel(bot: Bot) -> None:
    music = bot.channel("music")
    sent = await music.send("from the bot")
    webhook = await music.create_webhook(name="Bridge relay")
    listed = await music.webhooks()
    assert [w.id for w in listed] == [webhook.id]
    relayed = await listed[0].send("from slack", username="Erin (Slack)", wait=True)
    assert relayed.id and relayed.webhook_id == webhook.id

    rows = await bot.control.view(music.id)
    by_id = {row["id"]: row for row in rows}
    assert by_id[str(sent.id)]["content"] == "from the bot"
    assert by_id[str(relayed.id)]["author"] == "Erin (Slack)"
    assert by_id[str(relayed.id)]["webhook_id"] == str(webhook.id)


async def test_slash_command_is_answered_through_the_control_api(bot: Bot) -> None:
    fangroup = app_commands.Group(name="fangroup", description="Fan groups")
    account = app_commands.Group(name="account", description="Accounts", parent=fangroup)

    @account.command(name="link", description="Link an account")
    async def link(interaction: discord.Interaction, user: discord.Member, code: int) -> None:
        await interaction.response.send_message(f"linked {user.name} with {code}")

    @app_commands.command(name="slow", description="Deferred answer")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("done thinking")

    bot.tree.add_command(fangroup)
    bot.tree.add_command(slow)
    bot.tree.copy_global_to(guild=bot.guild)
    synced = await bot.tree.sync(guild=bot.guild)
    assert {c.name for c in synced} == {"fangroup", "slow"}

    general = bot.channel("general")
    answer = await bot.control.post(
        "/_emu/discord/commands",
        {
            "channel_id": str(general.id),
            "user_id": bot.user_id("carol"),
            "name": "fangroup account link",
            "options": {"user": bot.user_id("bob"), "code": 42},
        },
    )
    assert answer["type"] == 4
    assert answer["data"]["content"] == "linked bob with 42"
    assert answer["message"]["author"] == bot.world["bot_username"]
    assert answer["message"]["id"] in [row["id"] for row in await bot.control.view(general.id)]
    deferred = await bot.control.post(
        "/_emu/discord/commands",
        {"channel_id": str(general.id), "user_id": bot.user_id("dave"), "name": "slow"},
    )
    assert deferred["type"] == 5
    assert deferred["data"]["content"] == "done thinking"


async def test_resume_replays_missed_events_exactly_once(bot: Bot) -> None:
    general = bot.channel("general")
    bot.drain()
    bot.event("resumed").clear()
    # The blocking calls freeze the bot's loop, so both messages are posted while it is
    # disconnected: they can only arrive through the RESUME replay.
    dropped = bot.control.post_blocking("/_emu/discord/gateway/drop", {"resume": True})
    assert dropped["dropped"] == 1
    for text in ("missed one", "missed two"):
        bot.control.post_blocking(
            "/_emu/discord/messages",
            {"channel_id": str(general.id), "user_id": bot.user_id("bob"), "content": text},
        )
    await asyncio.wait_for(bot.event("resumed").wait(), WAIT)
    await bot.control.post(
        "/_emu/discord/messages",
        {"channel_id": str(general.id), "user_id": bot.user_id("bob"), "content": "live again"},
    )
    received: list[str] = []
    while not received or received[-1] != "live again":
        received.append((await bot.next_message()).content)
    assert received == ["missed one", "missed two", "live again"]


async def test_rate_limited_sends_are_retried_by_discord_py(bot: Bot) -> None:
    """8 sends in a row to one channel (limit 5 per window) all succeed. One client reads the
    X-RateLimit headers and paces itself; a second process on the same token (a worker, a
    restart overlap) does not share those buckets, so the channel's limit answers 429s, which
    discord.py honours (retry_after) until everything is sent."""
    channel = bot.channel("announcements")
    other = discord.Client(intents=discord.Intents.none())
    await other.login(bot.world["bot_token"])
    try:
        same_channel = await other.fetch_channel(channel.id)
        assert isinstance(same_channel, discord.TextChannel)
        sends = [channel.send(f"burst {i}") for i in range(4)]
        sends += [same_channel.send(f"burst {i}") for i in range(4, 8)]
        sent = await asyncio.gather(*sends)
    finally:
        await other.close()
    assert len({m.id for m in sent}) == 8
    path = f"/discord/api/v10/channels/{channel.id}/messages"
    statuses = [r["status"] for r in await bot.control.requests() if r["path"] == path]
    assert statuses.count(200) == 8
    assert 429 in statuses
    assert set(statuses) == {200, 429}
    contents = [row["content"] for row in await bot.control.view(channel.id)]
    assert sorted(c for c in contents if c.startswith("burst")) == [f"burst {i}" for i in range(8)]


async def test_injected_429_is_honoured(bot: Bot) -> None:
    channel = bot.channel("music")
    await bot.control.post(
        "/_emu/faults",
        {
            "platform": "discord",
            "method": "POST",
            "path_glob": f"/channels/{channel.id}/messages",
            "status": 429,
            "retry_after": 0.05,
            "count": 2,
        },
    )
    sent = await channel.send("after two 429s")
    path = f"/discord/api/v10/channels/{channel.id}/messages"
    statuses = [r["status"] for r in await bot.control.requests() if r["path"] == path]
    assert statuses[-3:] == [429, 429, 200]
    assert (await bot.control.view(channel.id))[-1]["id"] == str(sent.id)


async def test_bad_token_is_a_login_failure(discord_at_emulator: ThreadedEmulator) -> None:
    client = discord.Client(intents=discord.Intents.default())
    with pytest.raises(discord.LoginFailure):
        await client.login("not-the-token")
    await client.close()


async def test_allowed_mentions_decide_who_is_pinged(bot: Bot) -> None:
    general = bot.channel("general")
    bob = bot.user_id("bob")
    quiet = await general.send(
        f"@everyone <@{bob}>", allowed_mentions=discord.AllowedMentions.none()
    )
    loud = await general.send(f"hey <@{bob}> and @here")
    only_users = await general.send(
        f"@everyone <@{bob}>", allowed_mentions=discord.AllowedMentions(everyone=False)
    )
    by_user = await bot.control.post(
        "/_emu/discord/messages",
        {"channel_id": str(general.id), "user_id": bot.user_id("alice"), "content": "@everyone!"},
    )
    rows = {row["id"]: row for row in await bot.control.view(general.id)}
    assert rows[str(quiet.id)]["pinged"] == []
    assert sorted(rows[str(loud.id)]["pinged"]) == sorted(["@here", bob])
    assert rows[str(only_users.id)]["pinged"] == [bob]
    assert rows[by_user["id"]]["pinged"] == ["@everyone"]
    assert quiet.mention_everyone is False and loud.mention_everyone is True
