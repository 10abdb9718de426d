"""The Discord emulator refuses the guild scheduled events Discord refuses (the spec's
validation): a start in the past, an external event without a location or an end, an end before
the start, a name over 100 characters, a description over 1000."""

from __future__ import annotations

import datetime as dt

import discord
import pytest

from tests.e2e.test_emulator_discord_support import Bot, bot, discord_at_emulator

__all__ = ["bot", "discord_at_emulator"]
# it sends what Discord refuses: those requests are contract violations on purpose
pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.allow_violations]


def _later(hours: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)


async def test_what_discord_refuses_is_refused(bot: Bot) -> None:
    http = bot.client.http
    guild = bot.guild.id
    base = {
        "name": "Gig",
        "privacy_level": 2,
        "entity_type": 3,
        "scheduled_start_time": _later(2).isoformat(),
        "scheduled_end_time": _later(3).isoformat(),
        "entity_metadata": {"location": "Paris"},
    }
    bad = [
        {"scheduled_start_time": (_later(-1)).isoformat()},
        {"entity_metadata": {"location": ""}},
        {"scheduled_end_time": None},
        {"scheduled_end_time": _later(1).isoformat()},
        {"name": "x" * 101},
        {"description": "x" * 1001},
    ]
    for change in bad:
        with pytest.raises(discord.HTTPException) as refused:
            await http.create_guild_scheduled_event(guild, **(base | change))
        assert (refused.value.status, refused.value.code) == (400, 50035), change
    made = await http.create_guild_scheduled_event(guild, **base)
    assert made["entity_metadata"] == {"location": "Paris"} and made["status"] == 1
