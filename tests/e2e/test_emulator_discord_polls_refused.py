"""The Discord emulator refuses the message polls Discord refuses: a question over 300
characters, an answer over 55, no answers or more than 10, a duration outside 1-768 hours, a
layout other than the default; and a vote for an answer the poll does not have."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.e2e.test_emulator_discord_support import Bot, bot, discord_at_emulator

__all__ = ["bot", "discord_at_emulator"]
# it sends what Discord refuses: those requests are contract violations on purpose
pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.allow_violations]


def _answers(*texts: str) -> list[dict[str, Any]]:
    return [{"poll_media": {"text": t}} for t in texts]


async def _send(bot: Bot, poll: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    channel = bot.channel("general").id
    url = f"{bot.control.url}/discord/api/v10/channels/{channel}/messages"
    headers = {"Authorization": f"Bot {bot.world['bot_token']}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"poll": poll}, headers=headers) as answer,
    ):
        return answer.status, await answer.json()


async def test_what_discord_refuses_is_refused(bot: Bot) -> None:
    base = {"question": {"text": "Q?"}, "answers": _answers("a", "b"), "duration": 24}
    bad = [
        {"question": {"text": "x" * 301}},
        {"answers": _answers("x" * 56)},
        {"answers": []},
        {"answers": _answers(*"abcdefghijk")},
        {"duration": 0},
        {"duration": 769},
        {"layout_type": 2},
    ]
    for change in bad:
        status, body = await _send(bot, base | change)
        assert (status, body["code"]) == (400, 50035), change
    status, made = await _send(bot, base | {"answers": _answers(*"abcdefghij")})
    assert status == 200 and len(made["poll"]["answers"]) == 10
    vote = {"channel_id": made["channel_id"], "message_id": made["id"]}
    vote |= {"user_id": bot.user_id("carol"), "answer_id": 11}
    refused = await bot.control.post("/_emu/discord/polls/vote", vote, status=400)
    assert refused["code"] == 50035
