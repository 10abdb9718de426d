"""The Discord emulator's message features with the real discord.py client: edits, deletes,
replies, reactions, pins, threads, attachments, components, modals, replays, re-IDENTIFY and
the MESSAGE_CONTENT intent."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands

from tests.e2e.test_emulator_discord_support import WAIT, Bot, bot, discord_at_emulator

__all__ = ["bot", "discord_at_emulator"]
pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _post(
    bot: Bot, channel: discord.abc.Snowflake, user: str, content: str
) -> dict[str, Any]:
    posted: dict[str, Any] = await bot.control.post(
        "/_emu/discord/messages",
        {"channel_id": str(channel.id), "user_id": bot.user_id(user), "content": content},
    )
    return posted


async def test_edits_and_deletes_flow_both_ways(bot: Bot) -> None:
    general = bot.channel("general")
    posted = await _post(bot, general, "bob", "frist")
    edited = bot.client.wait_for("raw_message_edit", timeout=WAIT)
    await bot.control.post(f"/_emu/discord/messages/{posted['id']}/edit", {"content": "first"})
    assert (await edited).data["content"] == "first"

    mine = await general.send("typo")
    await mine.edit(content="fixed")
    row = next(r for r in await bot.control.view(general.id) if r["id"] == str(mine.id))
    assert row["content"] == "fixed" and row["edited"] is True
    other = await general.send("second")
    bulk = bot.client.wait_for("raw_bulk_message_delete", timeout=WAIT)
    await general.delete_messages([mine, other])
    assert (await bulk).message_ids == {mine.id, other.id}
    ids = [r["id"] for r in await bot.control.view(general.id)]
    assert str(mine.id) not in ids and posted["id"] in ids


async def test_replies_ping_the_author_unless_told_not_to(bot: Bot) -> None:
    general = bot.channel("general")
    posted = await _post(bot, general, "carol", "question?")
    original = await general.fetch_message(int(posted["id"]))
    loud = await original.reply("answer")
    quiet = await original.reply("answer", mention_author=False)
    rows = {r["id"]: r for r in await bot.control.view(general.id)}
    carol = bot.user_id("carol")
    assert rows[str(loud.id)]["pinged"] == [carol]
    assert rows[str(quiet.id)]["pinged"] == []
    assert rows[str(loud.id)]["message_reference"]["message_id"] == posted["id"]
    assert loud.reference is not None and loud.reference.message_id == original.id


async def test_reactions_from_people_and_the_bot(bot: Bot) -> None:
    music = bot.channel("music")
    sent = await music.send("vote!")
    added = bot.client.wait_for("raw_reaction_add", timeout=WAIT)
    await bot.control.post(
        f"/_emu/discord/messages/{sent.id}/reactions",
        {"user_id": bot.user_id("bob"), "emoji": "🔥"},
    )
    event = await added
    assert str(event.emoji) == "🔥" and event.user_id == int(bot.user_id("bob"))
    await sent.add_reaction("🔥")
    row = next(r for r in await bot.control.view(music.id) if r["id"] == str(sent.id))
    assert row["reactions"][0]["emoji"] == "🔥"
    assert row["reactions"][0]["count"] == 2 and row["reactions"][0]["me"] is True
    with pytest.raises(discord.HTTPException) as unknown:
        await sent.add_reaction("thumbsup")
    assert unknown.value.code == 10014
    removed = bot.client.wait_for("raw_reaction_remove", timeout=WAIT)
    await bot.control.post(
        f"/_emu/discord/messages/{sent.id}/reactions",
        {"user_id": bot.user_id("bob"), "emoji": "🔥", "remove": True},
    )
    assert (await removed).user_id == int(bot.user_id("bob"))


async def test_pins_threads_and_attachments(bot: Bot) -> None:
    music = bot.channel("music")
    sent = await music.send("pin me", file=discord.File(io.BytesIO(b"hello"), "notes.txt"))
    assert sent.attachments[0].filename == "notes.txt"
    async with aiohttp.ClientSession() as session, session.get(sent.attachments[0].url) as got:
        assert await got.read() == b"hello"
    await sent.pin()
    assert [m.id for m in await music.pins()] == [sent.id]
    rows = await bot.control.view(music.id)
    assert rows[-1]["type"] == 6 and rows[-2]["pinned"] is True

    created = bot.client.wait_for("thread_create", timeout=WAIT)
    thread = await sent.create_thread(name="pin talk")
    assert (await created).id == thread.id == sent.id
    await _post(bot, thread, "dave", "in the thread")
    assert (await bot.next_message(content="in the thread")).channel.id == thread.id
    hook = await music.create_webhook(name="Thread relay")
    await hook.send("relayed into thread", thread=thread, username="Frank (Slack)", wait=True)
    rows = await bot.control.view(thread.id)
    assert [(r["author"], r["content"]) for r in rows][-1] == (
        "Frank (Slack)",
        "relayed into thread",
    )
    parent_row = next(r for r in await bot.control.view(music.id) if r["id"] == str(sent.id))
    assert parent_row["thread"] == {"id": str(thread.id), "name": "pin talk"}


class Vote(discord.ui.View):
    @discord.ui.button(label="Yes", custom_id="vote-yes")
    async def yes(self, interaction: discord.Interaction, button: discord.ui.Button[Vote]) -> None:
        await interaction.response.edit_message(content=f"yes from {interaction.user.name}")


class Feedback(discord.ui.Modal, title="Feedback"):
    text: discord.ui.TextInput[Feedback] = discord.ui.TextInput(label="Text", custom_id="text")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.text.value}", ephemeral=True)


async def test_buttons_and_modals(bot: Bot) -> None:
    @app_commands.command(name="feedback", description="Send feedback")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Feedback(custom_id="feedback-modal"))

    bot.tree.add_command(feedback, guild=bot.guild)
    await bot.tree.sync(guild=bot.guild)
    general = bot.channel("general")
    sent = await general.send("Vote now", view=Vote(timeout=None))
    clicked = await bot.control.post(
        "/_emu/discord/components",
        {"message_id": str(sent.id), "user_id": bot.user_id("alice"), "custom_id": "vote-yes"},
    )
    assert clicked["type"] == 7 and clicked["data"]["content"] == "yes from alice"
    opened = await bot.control.post(
        "/_emu/discord/commands",
        {"channel_id": str(general.id), "user_id": bot.user_id("bob"), "name": "feedback"},
    )
    assert opened["type"] == 9 and opened["data"]["custom_id"] == "feedback-modal"
    submitted = await bot.control.post(
        "/_emu/discord/components",
        {
            "channel_id": str(general.id),
            "user_id": bot.user_id("bob"),
            "custom_id": "feedback-modal",
            "fields": {"text": "great"},
        },
    )
    assert submitted["data"]["content"] == "thanks: great" and submitted["ephemeral"] is True
    ids = [r["id"] for r in await bot.control.view(general.id)]
    assert submitted["message"]["id"] not in ids


async def test_unknown_and_unanswered_commands(bot: Bot) -> None:
    general = bot.channel("general")
    unknown = await bot.control.post(
        "/_emu/discord/commands",
        {"channel_id": str(general.id), "user_id": bot.user_id("bob"), "name": "nope"},
        status=400,
    )
    assert "nope" in unknown["error"]

    @app_commands.command(name="ghost", description="Registered, then forgotten by the bot")
    async def ghost(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("boo")

    bot.tree.add_command(ghost, guild=bot.guild)
    await bot.tree.sync(guild=bot.guild)
    bot.tree.remove_command("ghost", guild=bot.guild)
    failed = await bot.control.post(
        "/_emu/discord/commands",
        {
            "channel_id": str(general.id),
            "user_id": bot.user_id("bob"),
            "name": "ghost",
            "timeout": 0.3,
        },
        status=504,
    )
    assert failed["error"] == "interaction failed"


async def test_replay_delivers_duplicates_with_new_sequence_numbers(bot: Bot) -> None:
    general = bot.channel("general")
    bot.drain()
    posted = await _post(bot, general, "alice", "say it twice")
    first = await bot.next_message(content="say it twice")
    replayed = await bot.control.post("/_emu/discord/gateway/replay", {"last": 1})
    assert replayed["replayed"] == 1
    second = await bot.next_message(content="say it twice")
    assert first.id == second.id == int(posted["id"])


async def test_invalidated_session_identifies_again(bot: Bot) -> None:
    bot.event("ready").clear()
    dropped = await bot.control.post("/_emu/discord/gateway/drop", {"resume": False})
    assert dropped["dropped"] == 1
    await asyncio.wait_for(bot.event("ready").wait(), WAIT)
    general = bot.channel("general")
    await _post(bot, general, "dave", "after identify")
    assert (await bot.next_message(content="after identify")).author.name == "dave"


async def test_without_message_content_intent_content_is_empty(bot: Bot) -> None:
    intents = discord.Intents.default()
    plain = discord.Client(intents=intents, guild_ready_timeout=0.05)
    seen: asyncio.Queue[discord.Message] = asyncio.Queue()
    ready = asyncio.Event()
    plain.event(_setter("on_ready", ready))
    plain.event(_putter("on_message", seen))
    task = asyncio.create_task(plain.start(bot.world["bot_token"]))
    try:
        await asyncio.wait_for(ready.wait(), WAIT)
        general = bot.channel("general")
        await _post(bot, general, "bob", "secret words")
        await _post(bot, general, "bob", f"<@{bot.world['bot_user_id']}> for the bot")
        hidden = await asyncio.wait_for(seen.get(), WAIT)
        mention = await asyncio.wait_for(seen.get(), WAIT)
        assert hidden.content == "" and mention.content.endswith("for the bot")
    finally:
        await plain.close()
        await asyncio.wait_for(task, WAIT)


def _setter(name: str, event: asyncio.Event):  # type: ignore[no-untyped-def]
    async def handler() -> None:
        event.set()

    handler.__name__ = name
    return handler


def _putter(name: str, queue: asyncio.Queue[discord.Message]):  # type: ignore[no-untyped-def]
    async def handler(message: discord.Message) -> None:
        await queue.put(message)

    handler.__name__ = name
    return handler


async def test_reset_restores_the_world_and_clients_identify_again(bot: Bot) -> None:
    general = bot.channel("general")
    await _post(bot, general, "bob", "before reset")
    bot.event("ready").clear()
    await bot.control.post("/_emu/reset")
    await asyncio.wait_for(bot.event("ready").wait(), WAIT)
    assert await bot.control.view(general.id) == []
    world = await bot.control.get("/_emu/world")
    assert world["discord"]["guilds"][0]["channels"][0]["id"] == str(general.id)
    assert [g.name for g in bot.client.guilds] == ["Fan Club"]
