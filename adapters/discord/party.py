"""Listening parties on Discord: the now-playing card (an embed whose elapsed time is Discord's
own live timestamp, with Pause/Resume, Skip and Stop buttons, custom_id
``fbparty:<action>:<party id>``), the parties' notices, the buttons' clicks, and the
``/fangroup party`` subcommands."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import discord
from discord import app_commands

from adapters import tab_text
from adapters.discord.errors import platform_errors
from adapters.discord.interactions import answer, command_event
from adapters.discord.markdown import escape_text
from adapters.discord.replies import discord_text
from adapters.discord.tab import StaticView
from bridge.events import CoreEvent
from bridge.groups.commands import row_id
from bridge.ids import ChannelRef
from bridge.once import PostOnce
from bridge.outcome import Outcome, Reply
from bridge.party.card import CardState, NowPlayingCard, PartyNotice, clock_text
from bridge.ports import PermanentError

Dispatch = Callable[[CoreEvent], Awaitable[Outcome]]
Run = Callable[..., Awaitable[None]]
Button = discord.ui.Button[discord.ui.View]
PREFIX = "fbparty:"
ACTIONS = ("pause", "resume", "skip", "stop")
COLOURS = {CardState.PLAYING: 0x1DB954, CardState.PAUSED: 0xF2C744, CardState.PLAYED: 0x808080}
# within Discord's 6000 characters an embed holds in all
TITLE, ARTISTS, NAME, FIELD, CONTENT = 256, 1000, 200, 1024, 2000
NONE = discord.AllowedMentions.none()
SLOW = ("start", "add")  # songs are looked up (links resolved): may take Discord's 3 s


# -- the card ------------------------------------------------------------------------------------
def card_embed(card: NowPlayingCard) -> discord.Embed:
    embed = discord.Embed(
        title=tab_text.clip(f"🎧 {card.title}", TITLE, escape_text),
        description=_description(card),
        colour=COLOURS[card.state],
    )
    queued = tab_text.clip(card.queued_by, NAME, escape_text) + (" 🎤" if card.by_artist else "")
    host = tab_text.clip(card.host_name, NAME, escape_text)
    embed.add_field(name="Queued by", value=queued or "-", inline=True)
    embed.add_field(name="Host", value=host or "-", inline=True)
    listen = _listen(card)
    if listen:
        embed.add_field(name="Listen along", value=listen, inline=False)
    room = tab_text.safe_url(card.room_url or "")
    if room:
        embed.add_field(name="Room", value=f"[Open the room]({room})", inline=True)
    if card.next_title:
        embed.add_field(name="Next", value=tab_text.clip(card.next_title, NAME, escape_text))
    artwork = tab_text.safe_url(card.artwork_url or "")
    if artwork:
        embed.set_thumbnail(url=artwork)
    place = f"song {card.index + 1}/{card.queue_length}"
    embed.set_footer(text=f"Listening party #{card.party_id} · {place}")
    return embed


def _description(card: NowPlayingCard) -> str:
    artists = tab_text.clip(", ".join(card.artists), ARTISTS, escape_text)
    return f"{artists}\n{status_line(card)}" if artists else status_line(card)


def status_line(card: NowPlayingCard) -> str:
    """The elapsed time counts on by itself: Discord shows ``<t:…:R>`` as "2 minutes ago"."""
    length = clock_text(card.length_ms)
    if card.state is CardState.PAUSED:
        return f"⏸ paused at {clock_text(card.position_ms)} / {length}"
    if card.state is CardState.PLAYED:
        return f"✓ played · {length}"
    return f"▶ started <t:{card.zero_at}:R> · {length}"


def _listen(card: NowPlayingCard) -> str:
    links = [
        f"[{escape_text(link.label)}]({url})"
        for link in card.listen
        if (url := tab_text.safe_url(link.url))
    ]
    return tab_text.joined(links, FIELD)


def card_view(card: NowPlayingCard) -> discord.ui.View | None:
    """The buttons while the track is current (None once played). A StaticView: the clicks come
    to ``party_clicked`` by custom_id, across restarts."""
    if not card.controls:
        return None
    view = StaticView()
    toggle = "resume" if card.state is CardState.PAUSED else "pause"
    styles = {"pause": discord.ButtonStyle.secondary, "resume": discord.ButtonStyle.success}
    styles |= {"skip": discord.ButtonStyle.primary, "stop": discord.ButtonStyle.danger}
    for action in (toggle, "skip", "stop"):
        label = action.title()
        view.add_item(Button(label=label, style=styles[action], custom_id=custom_id(action, card)))
    room = tab_text.safe_url(card.room_url or "")
    if room:
        view.add_item(Button(label="Open the room", url=room))
    return view


def card_nonce(card: NowPlayingCard) -> str:
    """The same for every try of one song's card (Discord allows 25 characters)."""
    return f"party{card.party_id}.{card.index}"[:25]


def custom_id(action: str, card: NowPlayingCard) -> str:
    return f"{PREFIX}{action}:{card.party_id}"


# -- the notices ---------------------------------------------------------------------------------
def notice_text(notice: PartyNotice) -> str:
    room = tab_text.safe_url(notice.room_url or "")
    text = discord_text(notice.text)
    if room:
        text += f"\n🎧 Room: <{room}>"
    return text[:CONTENT]


# -- the port ------------------------------------------------------------------------------------
class DiscordPartyCards:
    """Posts and edits now-playing cards and posts notices in Discord channels (REST, as the
    bot), for the outbox: failures are mapped onto its retry policy (platform_errors)."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def _channel(self, channel: ChannelRef) -> discord.abc.Messageable:
        found = self.client.get_channel(int(channel.channel))
        if found is None:
            found = await self.client.fetch_channel(int(channel.channel))
        if not isinstance(found, discord.abc.Messageable):
            raise PermanentError(f"{channel} is not a text channel")
        return found

    async def post_card(
        self, channel: ChannelRef, card: NowPlayingCard, *, once: PostOnce | None = None
    ) -> str:
        async with platform_errors():
            target = await self._channel(channel)
            view = card_view(card)
            # the nonce is enforced: a retry after a crash gets the card already posted back
            nonce = card_nonce(card)
            if view is None:
                message = await target.send(
                    embed=card_embed(card), allowed_mentions=NONE, nonce=nonce
                )
            else:
                message = await target.send(
                    embed=card_embed(card), view=view, allowed_mentions=NONE, nonce=nonce
                )
        return str(message.id)

    async def update_card(self, channel: ChannelRef, card_id: str, card: NowPlayingCard) -> None:
        async with platform_errors():
            target = await self._channel(channel)
            if not isinstance(target, discord.TextChannel | discord.Thread):
                raise PermanentError(f"{channel} is not a text channel")
            await target.get_partial_message(int(card_id)).edit(
                embed=card_embed(card), view=card_view(card), allowed_mentions=NONE
            )

    async def post_notice(
        self, channel: ChannelRef, notice: PartyNotice, *, once: PostOnce | None = None
    ) -> str:
        async with platform_errors():
            target = await self._channel(channel)
            # the item's marker as an enforced nonce: a retry after a crash gets it back
            text = notice_text(notice)
            if once is not None:
                message = await target.send(text, allowed_mentions=NONE, nonce=once.marker[:25])
            else:
                message = await target.send(text, allowed_mentions=NONE)
        return str(message.id)


# -- the buttons' clicks -------------------------------------------------------------------------
CUSTOM_ID = re.compile(rf"^{PREFIX}({'|'.join(ACTIONS)}):(\d+)$")


def parse_custom_id(value: str) -> tuple[str, int] | None:
    """``fbparty:<action>:<party id>``."""
    found = CUSTOM_ID.match(value)
    party_id = row_id(found.group(2)) if found else None
    return None if found is None or party_id is None else (found.group(1), party_id)


async def party_clicked(interaction: discord.Interaction, dispatch: Dispatch) -> bool:
    """A now-playing card's button: the same command as ``/party <action>`` for the party the
    card is of, answered to the clicker only. False when the interaction is not one of ours."""
    data: Mapping[str, Any] = interaction.data or {}
    found = parse_custom_id(str(data.get("custom_id", "")))
    if found is None:
        return False
    action, party_id = found
    event = command_event(interaction, ("party", action), {"party": str(party_id)})
    outcome = await dispatch(event)
    text = discord_text(outcome.text) if isinstance(outcome, Reply) else "Done."
    await interaction.response.send_message(text[:CONTENT], ephemeral=True, allowed_mentions=NONE)
    return True


# -- the command ---------------------------------------------------------------------------------
def add_party_group(fangroup: app_commands.Group, dispatch: Dispatch) -> None:
    """``/fangroup party ...``: the same commands as Slack's ``/fangroup party ...``."""
    group = app_commands.Group(
        name="party", description="Listening parties in this group", parent=fangroup
    )

    async def run(interaction: discord.Interaction, path: tuple[str, ...], **args: str) -> None:
        event = command_event(interaction, path, {k: v for k, v in args.items() if v})
        if path[-1] not in SLOW:
            await answer(interaction, await dispatch(event))
            return
        await interaction.response.defer(thinking=True)
        await answer_deferred(interaction, await dispatch(event))

    add_party_commands(group, run)


async def answer_deferred(interaction: discord.Interaction, outcome: Outcome) -> None:
    """The answer in place of "thinking…": in the channel when the core says so, else the
    thinking message goes and the answer is shown to the caller only."""
    text = (discord_text(outcome.text) if isinstance(outcome, Reply) else "Done.")[:CONTENT]
    if isinstance(outcome, Reply) and not outcome.ephemeral:
        await interaction.edit_original_response(content=text, allowed_mentions=NONE)
        return
    await interaction.delete_original_response()
    await interaction.followup.send(text, ephemeral=True, allowed_mentions=NONE)


def add_party_commands(group: app_commands.Group, run: Run) -> None:
    """start, pause, resume, skip, stop, queue, add, adds: each the core's ("party", <sub>)."""

    @group.command(name="start", description="Start a listening party in this group")
    @app_commands.describe(
        source="top, recent, or music links",
        when="Schedule it: in 2h, tomorrow 18:00, 2026-12-01T18:00+01:00 (your zone)",
    )
    async def start(interaction: discord.Interaction, source: str, when: str = "") -> None:
        await run(interaction, ("party", "start"), source=source, when=when)

    @group.command(name="add", description="Add a song to the party's queue")
    @app_commands.describe(source="A music link")
    async def add(interaction: discord.Interaction, source: str) -> None:
        await run(interaction, ("party", "add"), source=source)

    @group.command(name="adds", description="Let fans add songs to the party, or not")
    @app_commands.describe(value="on or off")
    @app_commands.choices(
        value=[
            app_commands.Choice(name="on", value="on"),
            app_commands.Choice(name="off", value="off"),
        ]
    )
    async def adds(interaction: discord.Interaction, value: str) -> None:
        await run(interaction, ("party", "adds"), value=value)

    _add_plain(group, run)


def _add_plain(group: app_commands.Group, run: Run) -> None:
    """The subcommands without options."""
    described = {
        "pause": "Pause the party (everyone's position stops)",
        "resume": "Resume the paused party",
        "skip": "Skip to the next song",
        "stop": "End the party",
        "queue": "The party's queue and where it is",
    }
    for name, description in described.items():
        group.add_command(_plain(name, description, run))


def _plain(name: str, description: str, run: Run) -> app_commands.Command[Any, ..., None]:
    async def callback(interaction: discord.Interaction) -> None:
        await run(interaction, ("party", name))

    return app_commands.Command(name=name, description=description, callback=callback)
