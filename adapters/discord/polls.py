"""Polls on Discord: the poll card (an embed: the question, each option with its vote bar and
count, the deadline as Discord's own live timestamp; one button per option, custom_id
``fbpoll:<poll>:<option>``), the results message, the buttons' clicks, the ``/fangroup poll``
subcommand group (``create``, ``close``), and a fan's own Discord poll and its votes as core
events."""

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
from adapters.discord.party import answer_deferred
from adapters.discord.replies import discord_text
from adapters.discord.tab import StaticView
from bridge.events import CoreEvent, NativePollPosted, NativePollVoted
from bridge.groups.commands import row_id
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.once import PostOnce
from bridge.outcome import Outcome, Reply
from bridge.polls.card import NATIVE_NOTE, CardOption, PollCard, results_line
from bridge.ports import PermanentError

Dispatch = Callable[[CoreEvent], Awaitable[Outcome]]
Button = discord.ui.Button[discord.ui.View]
PREFIX = "fbpoll:"
CUSTOM_ID = re.compile(rf"^{PREFIX}(\d{{1,12}}):(\d{{1,2}})$")
OPEN, CLOSED = 0x5865F2, 0x808080
TITLE, FIELD, NAME, LABEL, CONTENT, VOTERS = 256, 1024, 256, 80, 2000, 600
NONE = discord.AllowedMentions.none()


# -- the card ------------------------------------------------------------------------------------
def card_embed(card: PollCard) -> discord.Embed:
    embed = discord.Embed(
        title=tab_text.clip(f"📊 {card.question}", TITLE, escape_text),
        description=_status(card),
        colour=OPEN if card.open else CLOSED,
    )
    for option in card.options:
        embed.add_field(name=_name(option), value=_value(option, card), inline=False)
    if card.native:
        embed.add_field(name="Discord's poll", value=NATIVE_NOTE, inline=False)
    kind = "anonymous" if card.anonymous else "public votes"
    blind = " · blind" if card.blind else ""
    by = tab_text.clip(card.author_name, 100, str)
    embed.set_footer(text=f"Poll #{card.poll_id} · {kind}{blind} · by {by}")
    return embed


def _status(card: PollCard) -> str:
    votes = f"{card.total} vote{'s' if card.total != 1 else ''}"
    if not card.open:
        return f"Closed · {votes}"
    if card.closes_at is None:
        return f"Open · {votes}"
    return f"Closes <t:{card.closes_at}:R> · {votes}"


def _name(option: CardOption) -> str:
    crown = "🏆 " if option.winner else ""
    return tab_text.clip(f"{crown}{option.index + 1}. {option.label}", NAME, str)


def _value(option: CardOption, card: PollCard) -> str:
    line = f"`{option.bar}` {option.votes} ({option.percent})"
    url = tab_text.safe_url(option.url or "")
    if url:
        line += f" · [listen]({url})"
    if option.voters and not card.anonymous:
        names = tab_text.clip(", ".join(option.voters), VOTERS, escape_text)
        line += f"\n{names}"
    return line[:FIELD]


def card_view(card: PollCard) -> discord.ui.View | None:
    """One button per option while the poll is open (a StaticView: clicks come to
    ``poll_clicked`` by custom_id, across restarts)."""
    if not card.buttons:
        return None
    view = StaticView()
    for option in card.options:
        label = tab_text.clip(f"{option.index + 1}. {option.label}", LABEL, str)
        view.add_item(
            Button(
                label=label, style=discord.ButtonStyle.primary, custom_id=custom_id(card, option)
            )
        )
    return view


def custom_id(card: PollCard, option: CardOption) -> str:
    return f"{PREFIX}{card.poll_id}:{option.index}"


def results_text(card: PollCard) -> str:
    return discord_text(results_line(card))[:CONTENT]


# -- the port ------------------------------------------------------------------------------------
class DiscordPollCards:
    """Posts and edits poll cards and posts results in Discord channels (REST, as the bot), for
    the outbox: failures are mapped onto its retry policy (platform_errors)."""

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
        self, channel: ChannelRef, card: PollCard, *, once: PostOnce | None = None
    ) -> str:
        async with platform_errors():
            target = await self._channel(channel)
            nonce = f"poll{card.poll_id}"[:25]  # a retry after a crash gets the card back
            view = card_view(card)
            if view is None:
                message = await target.send(
                    embed=card_embed(card), allowed_mentions=NONE, nonce=nonce
                )
            else:
                message = await target.send(
                    embed=card_embed(card), view=view, allowed_mentions=NONE, nonce=nonce
                )
        return str(message.id)

    async def update_card(self, channel: ChannelRef, card_id: str, card: PollCard) -> None:
        async with platform_errors():
            target = await self._channel(channel)
            if not isinstance(target, discord.TextChannel | discord.Thread):
                raise PermanentError(f"{channel} is not a text channel")
            await target.get_partial_message(int(card_id)).edit(
                embed=card_embed(card), view=card_view(card), allowed_mentions=NONE
            )

    async def post_results(
        self, channel: ChannelRef, card: PollCard, *, once: PostOnce | None = None
    ) -> str:
        async with platform_errors():
            target = await self._channel(channel)
            message = await target.send(
                results_text(card),
                embed=card_embed(card),
                allowed_mentions=NONE,
                nonce=f"pollres{card.poll_id}"[:25],
            )
        return str(message.id)


# -- the buttons' clicks -------------------------------------------------------------------------
def parse_custom_id(value: str) -> tuple[int, int] | None:
    """``fbpoll:<poll>:<option>``."""
    found = CUSTOM_ID.match(value)
    poll_id = row_id(found.group(1)) if found else None
    return None if found is None or poll_id is None else (poll_id, int(found.group(2)))


async def poll_clicked(interaction: discord.Interaction, dispatch: Dispatch) -> bool:
    """A poll card's button: a vote (or a change, or a withdrawal), answered to the voter only.
    False when the interaction is not one of ours."""
    data: Mapping[str, Any] = interaction.data or {}
    found = parse_custom_id(str(data.get("custom_id", "")))
    if found is None:
        return False
    poll_id, option = found
    args = {"poll": str(poll_id), "option": str(option)}
    outcome = await dispatch(command_event(interaction, ("poll", "vote"), args))
    text = discord_text(outcome.text) if isinstance(outcome, Reply) else "Done."
    await interaction.response.send_message(text[:CONTENT], ephemeral=True, allowed_mentions=NONE)
    return True


# -- a fan's own Discord poll --------------------------------------------------------------------
def native_poll_event(message: discord.Message) -> NativePollPosted | None:
    """A message with Discord's own poll, as the core event that relays it."""
    poll = message.poll
    if poll is None or message.guild is None:
        return None
    channel_id = getattr(message.channel, "parent_id", None) or message.channel.id
    guild = str(message.guild.id)
    expires = poll.expires_at
    return NativePollPosted(
        key=f"poll:{message.id}",
        channel=ChannelRef(Platform.DISCORD, guild, str(channel_id)),
        message_id=str(message.id),
        user=UserRef(Platform.DISCORD, guild, str(message.author.id)),
        question=poll.question or "",
        answers=tuple((a.id, a.text or "") for a in poll.answers),
        expires_at=expires.timestamp() if expires is not None else None,
        multiselect=poll.multiple,
        display_name=message.author.display_name,
    )


def native_vote_event(
    payload: discord.RawPollVoteActionEvent, added: bool, parent: int | None = None
) -> NativePollVoted:
    """A vote in Discord's own poll (``parent``: the channel of the thread it is in)."""
    guild = str(payload.guild_id or 0)
    return NativePollVoted(
        key="",  # counted by state: a replayed vote changes nothing
        channel=ChannelRef(Platform.DISCORD, guild, str(parent or payload.channel_id)),
        message_id=str(payload.message_id),
        user=UserRef(Platform.DISCORD, guild, str(payload.user_id)),
        answer_id=payload.answer_id,
        added=added,
    )


# -- the command ---------------------------------------------------------------------------------
def add_poll_group(fangroup: app_commands.Group, dispatch: Dispatch) -> None:
    """``/fangroup poll create|close``: the same commands as Slack's ``/fangroup poll ...``."""
    group = app_commands.Group(name="poll", description="Polls in this group", parent=fangroup)

    @group.command(name="create", description="Ask the group: a poll on every linked channel")
    @app_commands.describe(
        question="The question",
        options="2 to 10 options separated by |, e.g. Blue | Red | a music link",
        duration="How long it stays open: 1h, 2d, 1h30m (default: until closed)",
        anonymous="Hide who voted for what",
        blind="Every option a song: titles hidden until the poll closes",
    )
    async def create(
        interaction: discord.Interaction,
        question: str,
        options: str,
        duration: str = "",
        anonymous: bool = False,
        blind: bool = False,
    ) -> None:
        args = {"question": question, "options": options, "duration": duration}
        args |= {"anonymous": "true" if anonymous else "", "blind": "true" if blind else ""}
        await interaction.response.defer(thinking=True)  # music links are looked up
        event = command_event(interaction, ("poll", "create"), {k: v for k, v in args.items() if v})
        await answer_deferred(interaction, await dispatch(event))

    @group.command(name="close", description="Close a poll now and post its results")
    @app_commands.describe(id="The poll's number (on its card)")
    async def close(interaction: discord.Interaction, id: str) -> None:
        event = command_event(interaction, ("poll", "close"), {"poll": id.strip().lstrip("#")})
        await answer(interaction, await dispatch(event))
