"""The Discord emulator's guild scheduled events with the real discord.py client: create, get,
list, modify, cancel and delete; who is interested (the control API's "Interested" reaches the
bot as GUILD_SCHEDULED_EVENT_USER_ADD / REMOVE and the users route lists them); a status that
cannot follow is refused."""

from __future__ import annotations

import datetime as dt

import discord
import pytest

from tests.e2e.test_emulator_discord_support import WAIT, Bot, bot, discord_at_emulator

__all__ = ["bot", "discord_at_emulator"]
pytestmark = [pytest.mark.asyncio(loop_scope="module")]


def _later(hours: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)


async def _gig(bot: Bot, name: str = "Live at the Roundhouse") -> discord.ScheduledEvent:
    return await bot.guild.create_scheduled_event(
        name=name,
        start_time=_later(25),
        end_time=_later(28),
        entity_type=discord.EntityType.external,
        location="Roundhouse, London",
        privacy_level=discord.PrivacyLevel.guild_only,
        description="Tickets: https://tickets.example/rh",
    )


async def test_an_external_event_is_created_listed_edited_and_cancelled(bot: Bot) -> None:
    created = bot.client.wait_for("scheduled_event_create", timeout=WAIT)
    event = await _gig(bot)
    heard = await created
    assert heard.id == event.id and heard.location == "Roundhouse, London"
    assert event.status is discord.EventStatus.scheduled
    fetched = await bot.guild.fetch_scheduled_event(event.id)
    assert fetched.name == "Live at the Roundhouse" and fetched.end_time is not None
    listed = await bot.guild.fetch_scheduled_events()
    assert event.id in [e.id for e in listed]

    updated = bot.client.wait_for("scheduled_event_update", timeout=WAIT)
    edited = await event.edit(name="Live at the Roundhouse (late show)", location="Roundhouse")
    _, after = await updated
    assert edited.name == after.name == "Live at the Roundhouse (late show)"
    assert after.location == "Roundhouse"

    cancelled = await edited.cancel()
    assert cancelled.status is discord.EventStatus.cancelled
    with pytest.raises(discord.HTTPException) as refused:
        await bot.client.http.edit_scheduled_event(bot.guild.id, event.id, status=2)
    assert refused.value.status == 400


async def test_interest_reaches_the_bot_and_the_users_route(bot: Bot) -> None:
    event = await _gig(bot, "Signing at Rough Trade")
    await bot.client.wait_for(
        "scheduled_event_create", check=lambda e: e.id == event.id, timeout=WAIT
    )
    fan = bot.user_id("bob")
    added = bot.client.wait_for("scheduled_event_user_add", timeout=WAIT)
    marked = await bot.control.post(
        "/_emu/discord/scheduled-events/interest", {"user": "bob", "event_id": str(event.id)}
    )
    assert marked == {"changed": True, "user_count": 1}
    heard, user = await added
    assert heard.id == event.id and str(user.id) == fan
    users = [u async for u in event.users()]
    assert [str(u.id) for u in users] == [fan]
    counted = await bot.guild.fetch_scheduled_event(event.id, with_counts=True)
    assert counted.user_count == 1
    removed = bot.client.wait_for("scheduled_event_user_remove", timeout=WAIT)
    await bot.control.post(
        "/_emu/discord/scheduled-events/interest",
        {"user": "bob", "event_id": str(event.id), "interested": False},
    )
    await removed
    assert [u async for u in event.users()] == []

    deleted = bot.client.wait_for("scheduled_event_delete", timeout=WAIT)
    await event.delete()
    assert (await deleted).id == event.id
    with pytest.raises(discord.NotFound) as gone:
        await bot.guild.fetch_scheduled_event(event.id)
    assert gone.value.code == 10070
