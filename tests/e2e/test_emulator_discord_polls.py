"""The Discord emulator's message polls with the real discord.py client: a poll sent with a
message, people's votes reaching the bot as MESSAGE_POLL_VOTE_ADD / REMOVE (a single-choice
poll moves a vote), an answer's voters, the author ending it early, and nobody else."""

from __future__ import annotations

import asyncio
import datetime as dt

import discord
import pytest

from tests.e2e.test_emulator_discord_support import (
    WAIT,
    Bot,
    FastClient,
    bot,
    discord_at_emulator,
)

__all__ = ["bot", "discord_at_emulator"]
pytestmark = [pytest.mark.asyncio(loop_scope="module")]


def _poll() -> discord.Poll:
    poll = discord.Poll(question="Tour city?", duration=dt.timedelta(hours=2))
    poll.add_answer(text="Paris")
    poll.add_answer(text="Berlin")
    return poll


async def test_votes_reach_the_bot_and_the_voters_are_listed(bot: Bot) -> None:
    general = bot.channel("general")
    message = await general.send(poll=_poll())
    assert message.poll is not None and [a.text for a in message.poll.answers] == [
        "Paris",
        "Berlin",
    ]
    assert message.poll.expires_at is not None
    carol = bot.user_id("carol")
    vote = {"channel_id": str(general.id), "message_id": str(message.id), "user_id": carol}

    added = bot.client.wait_for("raw_poll_vote_add", timeout=WAIT)
    await bot.control.post("/_emu/discord/polls/vote", vote | {"answer_id": 1})
    heard = await added
    assert (heard.user_id, heard.message_id, heard.answer_id) == (int(carol), message.id, 1)

    removed = bot.client.wait_for("raw_poll_vote_remove", timeout=WAIT)
    moved = bot.client.wait_for("raw_poll_vote_add", timeout=WAIT)
    answer = await bot.control.post("/_emu/discord/polls/vote", vote | {"answer_id": 2})
    assert (await removed).answer_id == 1 and (await moved).answer_id == 2  # single choice
    assert answer["poll"]["results"]["answer_counts"] == [{"id": 2, "count": 1, "me_voted": True}]

    fetched = await general.fetch_message(message.id)
    assert fetched.poll is not None
    berlin = fetched.poll.get_answer(2)
    assert berlin is not None and [u.id async for u in berlin.voters()] == [int(carol)]
    paris = fetched.poll.get_answer(1)
    assert paris is not None and [u.id async for u in paris.voters()] == []


async def test_the_author_ends_a_poll_and_votes_stop(bot: Bot) -> None:
    general = bot.channel("general")
    message = await general.send(poll=_poll())
    ended = await message.end_poll()
    assert ended.poll is not None and ended.poll.is_finalised()
    vote = {"channel_id": str(general.id), "message_id": str(message.id), "answer_id": 1}
    refused = await bot.control.post(
        "/_emu/discord/polls/vote", vote | {"user_id": bot.user_id("carol")}, status=400
    )
    assert refused["code"] == 520001


async def test_people_post_polls_that_only_they_may_end(bot: Bot) -> None:
    general = bot.channel("general")
    body = {
        "channel_id": str(general.id),
        "user_id": bot.user_id("alice"),
        "poll": {
            "question": {"text": "Encore?"},
            "answers": [{"poll_media": {"text": "Yes"}}, {"poll_media": {"text": "No"}}],
        },
    }
    posted = await bot.control.post("/_emu/discord/messages", body)
    message = await general.fetch_message(int(posted["id"]))
    assert message.poll is not None and message.poll.question == "Encore?"
    with pytest.raises(discord.Forbidden):
        await message.end_poll()


async def test_a_session_without_the_polls_intent_hears_no_votes(bot: Bot) -> None:
    intents = discord.Intents.default()
    intents.guild_polls = False
    intents.message_content = True
    other = FastClient(intents=intents, guild_ready_timeout=0.05, chunk_guilds_at_startup=False)
    heard: list[str] = []
    ready, marker = asyncio.Event(), asyncio.Event()

    @other.event
    async def on_ready() -> None:
        ready.set()

    @other.event
    async def on_raw_poll_vote_add(payload: discord.RawPollVoteActionEvent) -> None:
        heard.append("vote")

    @other.event
    async def on_message(message: discord.Message) -> None:
        if message.content == "after the vote":
            marker.set()

    task = asyncio.create_task(other.start(bot.world["bot_token"]))
    try:
        await asyncio.wait_for(ready.wait(), WAIT)
        general = bot.channel("general")
        message = await general.send(poll=_poll())
        vote = {"channel_id": str(general.id), "message_id": str(message.id), "answer_id": 1}
        added = bot.client.wait_for("raw_poll_vote_add", timeout=WAIT)
        await bot.control.post("/_emu/discord/polls/vote", vote | {"user_id": bot.user_id("bob")})
        await added  # the session with the intent heard it
        await general.send("after the vote")  # events come in order: this one after the vote's
        await asyncio.wait_for(marker.wait(), WAIT)
        assert heard == []
    finally:
        await other.close()
        await asyncio.wait_for(task, WAIT)
