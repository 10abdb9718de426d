"""Artist events on Discord: each linked server gets the event as a Guild Scheduled Event
(EXTERNAL with the place and an end time; VOICE or STAGE when ``online`` links one of the
server's voice or stage channels), whose description carries the links and the interest counted
across platforms; an edit changes it, a cancel sets its status CANCELED. Fans' own "Interested"
arrives as GUILD_SCHEDULED_EVENT_USER_ADD / REMOVE; reminders are plain messages. Also the
``/announce event``, ``event-edit`` and ``event-cancel`` subcommands."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import discord
from discord import app_commands

from adapters.discord.errors import platform_errors
from adapters.discord.replies import discord_text
from bridge.artist_events.card import EventCard, description, marker
from bridge.events import EventInterestChanged
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.once import PostOnce
from bridge.ports import PermanentError
from bridge.text import Document, Text

STAGE, VOICE, EXTERNAL = 1, 2, 3
CANCELED = 4
NAME, LOCATION, CONTENT = 100, 100, 2000
CHANNEL_LINK = re.compile(r"^https://(?:\w+\.)?discord(?:app)?\.com/channels/(\d+)/(\d+)/?$")
NONE = discord.AllowedMentions.none()


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat()


def voice_channel(card: EventCard, guild_id: str, kinds: dict[int, int]) -> tuple[int, int] | None:
    """(entity type, channel id) when ``online`` links a voice or stage channel of this server
    (``kinds``: the server's channel ids and their Discord types)."""
    found = CHANNEL_LINK.match(card.online.strip())
    if found is None or found.group(1) != guild_id:
        return None
    channel_id = int(found.group(2))
    kind = {discord.ChannelType.voice.value: VOICE, discord.ChannelType.stage_voice.value: STAGE}
    entity = kind.get(kinds.get(channel_id, -1))
    return (entity, channel_id) if entity is not None else None


def event_payload(card: EventCard, voice: tuple[int, int] | None, *, times: bool) -> dict[str, Any]:
    """The scheduled event's fields (``times``: false once it started, when Discord refuses a
    start in the past)."""
    payload: dict[str, Any] = {
        "name": card.title[:NAME] or "Event",
        "description": description(card),
        "privacy_level": 2,
    }
    if times:
        payload["scheduled_start_time"] = _iso(card.starts_at)
        payload["scheduled_end_time"] = _iso(card.ends_at)
    if voice is not None:
        payload |= {"entity_type": voice[0], "channel_id": str(voice[1]), "entity_metadata": None}
        return payload
    location = card.place or card.online or "Online"
    payload |= {
        "entity_type": EXTERNAL,
        "channel_id": None,
        "entity_metadata": {"location": location[:LOCATION]},
    }
    if not times:  # an external event keeps its end; Discord wants it with the type
        payload["scheduled_end_time"] = _iso(card.ends_at)
    return payload


class DiscordEventCopies:
    """Scheduled events in the linked servers and the events' notices, for the outbox: failures
    are mapped onto its retry policy (platform_errors)."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def _kinds(self, guild_id: int) -> dict[int, int]:
        guild = self.client.get_guild(guild_id)
        if guild is not None:
            return {c.id: c.type.value for c in guild.channels}
        channels = await self.client.http.get_all_guild_channels(guild_id)
        return {int(c["id"]): int(c["type"]) for c in channels}

    async def _payload(
        self, channel: ChannelRef, card: EventCard, *, times: bool
    ) -> dict[str, Any]:
        voice = None
        if CHANNEL_LINK.match(card.online.strip()):
            kinds = await self._kinds(int(channel.workspace))
            voice = voice_channel(card, channel.workspace, kinds)
        return event_payload(card, voice, times=times)

    async def post_event(
        self, channel: ChannelRef, card: EventCard, *, once: PostOnce | None = None
    ) -> str:
        """The scheduled event; one made by an earlier try (a crash before its id was kept)
        is found by the marker ending its description and used instead of a second one."""
        async with platform_errors():
            made_before = await self._made_before(int(channel.workspace), card.event_id)
            if made_before is not None:
                return made_before
            guild_id, reason = int(channel.workspace), f"artist event #{card.event_id}"

            async def create(payload: dict[str, Any]) -> Any:
                return await self.client.http.create_guild_scheduled_event(
                    guild_id, reason=reason, **payload
                )

            made = await self._send(create, channel, card, times=True)
        return str(made["id"])

    async def _send(
        self,
        call: Callable[[dict[str, Any]], Awaitable[Any]],
        channel: ChannelRef,
        card: EventCard,
        *,
        times: bool,
    ) -> Any:
        """A voice or stage event the bot may not make there (a stage event needs Mute and
        Move Members) is made an external one, with the link as its location."""
        payload = await self._payload(channel, card, times=times)
        try:
            return await call(payload)
        except discord.Forbidden:
            if payload.get("entity_type") == EXTERNAL:
                raise
            return await call(event_payload(card, None, times=times))

    async def _made_before(self, guild_id: int, event_id: int) -> str | None:
        mine = self.client.user.id if self.client.user is not None else None
        for found in await self.client.http.get_scheduled_events(guild_id, False):
            text = found.get("description") or ""
            if text.endswith(marker(event_id)) and str(found.get("creator_id")) == str(mine):
                return str(found["id"])
        return None

    async def update_event(self, channel: ChannelRef, copy_id: str, card: EventCard) -> None:
        guild_id = int(channel.workspace)
        async with platform_errors():
            if card.cancelled:
                await self.client.http.edit_scheduled_event(
                    guild_id, int(copy_id), status=CANCELED, description=description(card)
                )
                return
            started = card.starts_at <= datetime.now(UTC).timestamp()

            async def edit(payload: dict[str, Any]) -> Any:
                return await self.client.http.edit_scheduled_event(
                    guild_id, int(copy_id), **payload
                )

            await self._send(edit, channel, card, times=not started)

    async def interested(self, channel: ChannelRef, copy_id: str) -> list[tuple[str, str]] | None:
        """The scheduled event's users (GET .../users, 100 a page), as (id, name)."""
        found: list[tuple[str, str]] = []
        after: int | None = None
        async with platform_errors():
            while True:
                page = await self.client.http.get_scheduled_event_users(
                    int(channel.workspace), int(copy_id), 100, False, after=after
                )
                found += [
                    (str(u["user"]["id"]), u["user"].get("global_name") or u["user"]["username"])
                    for u in page
                ]
                if len(page) < 100:
                    return found
                after = int(page[-1]["user"]["id"])

    async def post_event_notice(
        self, channel: ChannelRef, text: str, *, once: PostOnce | None = None
    ) -> None:
        async with platform_errors():
            target = self.client.get_channel(int(channel.channel))
            if target is None:
                target = await self.client.fetch_channel(int(channel.channel))
            if not isinstance(target, discord.abc.Messageable):
                raise PermanentError(f"{channel} is not a text channel")
            content = discord_text(text)[:CONTENT]
            if once is not None:  # the item's marker as an enforced nonce: a retry gets it back
                await target.send(content, allowed_mentions=NONE, nonce=once.marker[:25])
            else:
                await target.send(content, allowed_mentions=NONE)


def interest_event(
    event: discord.ScheduledEvent, user: discord.User | discord.Member, *, added: bool
) -> EventInterestChanged:
    """A fan's own "Interested" on a scheduled event (or its withdrawal)."""
    guild = str(event.guild_id)
    return EventInterestChanged(
        key="",
        channel=ChannelRef(Platform.DISCORD, guild, guild),
        user=UserRef(Platform.DISCORD, guild, str(user.id)),
        interested=added,
        copy_id=str(event.id),
        display_name=user.display_name,
    )


# -- the commands ----------------------------------------------------------------------------------
Run = Callable[..., Awaitable[None]]  # (interaction, action, **AnnounceInvoked fields)
WHEN = "When: 2026-12-01T20:00+01:00, in 3d, tomorrow 20:00 (your zone)"


def _fields(title: str, **options: str) -> dict[str, Any]:
    text = Document((Text(title),)) if title else Document(())
    return {"text": text, "options": tuple((k, v) for k, v in options.items() if v)}


def add_event_commands(group: app_commands.Group, run: Run) -> None:
    """``/announce event``, ``event-edit`` and ``event-cancel`` (Slack: ``/announce event ...``)."""
    described = {
        "place": "Where: venue, city",
        "tickets": "A link to buy tickets",
        "merch": "A link to the merch",
        "online": "A stream link, or a voice/stage channel of this server",
    }

    @group.command(name="event", description="Announce an event: a concert, a signing, a stream")
    @app_commands.describe(title="The event's name", when=WHEN, group="Only this group (slug)")
    @app_commands.describe(**described)
    async def event(
        interaction: discord.Interaction,
        title: str,
        when: str,
        place: str = "",
        tickets: str = "",
        merch: str = "",
        online: str = "",
        group: str = "",
    ) -> None:
        fields = _fields(title, place=place, tickets=tickets, merch=merch, online=online)
        await run(interaction, "event", when=when, group=group, **fields)

    @group.command(name="event-edit", description="Change an event everywhere")
    @app_commands.describe(id="The event's number", title="A new name", when=WHEN)
    @app_commands.describe(**{k: v + " (none: remove it)" for k, v in described.items()})
    async def event_edit(
        interaction: discord.Interaction,
        id: int,
        title: str = "",
        when: str = "",
        place: str = "",
        tickets: str = "",
        merch: str = "",
        online: str = "",
    ) -> None:
        fields = _fields(title, place=place, tickets=tickets, merch=merch, online=online)
        await run(interaction, "event_edit", announcement_id=id, when=when, **fields)

    @group.command(name="event-cancel", description="Cancel an event everywhere")
    @app_commands.describe(id="The event's number")
    async def event_cancel(interaction: discord.Interaction, id: int) -> None:
        await run(interaction, "event_cancel", announcement_id=id)
