"""Reports on Discord: the message context menu "Report to moderators" and its reason modal,
the report cards in the moderator channel (an embed with buttons, custom_id ``fbrep:...``),
and the buttons' clicks."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import discord
from discord import app_commands

from adapters.discord.convert import channel_ref
from adapters.discord.errors import platform_errors
from adapters.discord.interactions import can_manage
from adapters.discord.markdown import escape_text
from bridge.events import CoreEvent, ReportActed, ReportFiled
from bridge.groups.commands import row_id
from bridge.groups.replies import platform_name
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.outcome import Outcome, Reply
from bridge.ports import PermanentError
from bridge.reports.model import ACTION_LABELS, ReportCard

log = logging.getLogger(__name__)

Dispatch = Callable[[CoreEvent], Awaitable[Outcome]]
PREFIX = "fbrep:"
MENU_NAME = "Report to moderators"
STYLES = {
    "delete": discord.ButtonStyle.danger,
    "timeout": discord.ButtonStyle.secondary,
    "ban": discord.ButtonStyle.danger,
    "dismiss": discord.ButtonStyle.secondary,
}
OPEN_COLOUR, CLOSED_COLOUR = 0xE03E3E, 0x808080
QUOTE_MAX, REASON_MAX = 1500, 1000


# -- reporting -----------------------------------------------------------------------------------
class ReportModal(discord.ui.Modal, title="Report to moderators"):
    reason: discord.ui.TextInput[ReportModal] = discord.ui.TextInput(
        label="Why should moderators look at this message?",
        style=discord.TextStyle.paragraph,
        max_length=500,
        custom_id="reason",
    )

    def __init__(self, dispatch: Dispatch, message: discord.Message) -> None:
        super().__init__(custom_id=f"{PREFIX}modal:{message.id}")
        self.dispatch = dispatch
        self.message = message

    async def on_submit(self, interaction: discord.Interaction) -> None:
        guild = str(interaction.guild_id or 0)
        event = ReportFiled(
            key=f"interaction:{interaction.id}",
            channel=channel_ref(interaction.guild_id, self.message.channel),
            message_id=str(self.message.id),
            reporter=UserRef(Platform.DISCORD, guild, str(interaction.user.id)),
            reason=self.reason.value,
        )
        await _reply(interaction, await self.dispatch(event))


def build_report_menu(dispatch: Dispatch) -> app_commands.ContextMenu:
    async def report(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_modal(ReportModal(dispatch, message))

    return app_commands.ContextMenu(name=MENU_NAME, callback=report)


async def _reply(interaction: discord.Interaction, outcome: Outcome) -> None:
    text = outcome.text if isinstance(outcome, Reply) else "Done."
    await interaction.response.send_message(
        text[:2000], ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
    )


# -- the cards' buttons --------------------------------------------------------------------------
def parse_custom_id(value: str) -> tuple[str, int] | None:
    """``fbrep:<action>:<report id>``."""
    parts = value.split(":")
    report_id = row_id(parts[2]) if len(parts) == 3 and parts[0] + ":" == PREFIX else None
    return None if report_id is None else (parts[1], report_id)


async def report_clicked(interaction: discord.Interaction, dispatch: Dispatch) -> bool:
    """A report card's button; False when the interaction is not one of ours."""
    data: Mapping[str, Any] = interaction.data or {}
    found = parse_custom_id(str(data.get("custom_id", "")))
    if found is None:
        return False
    guild = str(interaction.guild_id or 0)
    event = ReportActed(
        key=f"interaction:{interaction.id}",
        channel=channel_ref(interaction.guild_id, interaction.channel),
        report_id=found[1],
        action=found[0],
        actor=UserRef(Platform.DISCORD, guild, str(interaction.user.id)),
        actor_name=interaction.user.display_name,
        platform_moderator=can_manage(interaction),
    )
    await _reply(interaction, await dispatch(event))
    return True


# -- the cards -----------------------------------------------------------------------------------
def card_embed(card: ReportCard, guild_id: str) -> discord.Embed:
    quoted = "\n".join(f"> {line}" for line in escape_text(card.text[:QUOTE_MAX]).splitlines())
    embed = discord.Embed(
        title=f"🚩 Report #{card.report_id} in {escape_text(card.group_name)}"[:256],
        description=quoted or "> (no text)",
        colour=CLOSED_COLOUR if card.outcome else OPEN_COLOUR,
    )
    author = f"{escape_text(card.author_name)} (on {platform_name(card.author_platform)})"
    embed.add_field(name="Author", value=author[:1024], inline=True)
    embed.add_field(name="Message", value=_link(card, guild_id), inline=True)
    reason = escape_text(card.reason[:REASON_MAX]) or "(no reason given)"
    embed.add_field(name="Reason", value=reason, inline=False)
    if card.outcome:
        embed.add_field(name="Outcome", value=escape_text(card.outcome)[:1024], inline=False)
    embed.set_footer(text="Reported by a member (moderators can see who in /fangroup modlog)")
    return embed


def _link(card: ReportCard, guild_id: str) -> str:
    for channel, message_id in card.copies:
        if channel.platform is Platform.DISCORD and channel.workspace == guild_id:
            url = f"https://discord.com/channels/{guild_id}/{channel.channel}/{message_id}"
            return f"[Jump to the message]({url})"
    return "(not in this server)"


def card_view(card: ReportCard) -> discord.ui.View | None:
    """The buttons, or None once the report is closed. The view is stopped before it is sent:
    the clicks come to ``report_clicked`` by custom_id, even after a restart."""
    if not card.actions:
        return None
    view = discord.ui.View(timeout=None)
    for action in card.actions:
        button: discord.ui.Button[discord.ui.View] = discord.ui.Button(
            label=ACTION_LABELS[action],
            style=STYLES[action],
            custom_id=f"{PREFIX}{action}:{card.report_id}",
        )
        view.add_item(button)
    view.stop()
    return view


class DiscordCards:
    """Posts and updates report cards in Discord moderator channels (REST, as the bot), for the
    outbox: failures are mapped onto its retry policy (platform_errors)."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def _channel(self, channel: ChannelRef) -> discord.abc.Messageable:
        found = self.client.get_channel(int(channel.channel))
        if found is None:
            found = await self.client.fetch_channel(int(channel.channel))
        if not isinstance(found, discord.abc.Messageable):
            raise PermanentError(f"{channel} is not a text channel")
        return found

    async def post_card(self, channel: ChannelRef, card: ReportCard) -> str:
        async with platform_errors():
            target = await self._channel(channel)
            embed = card_embed(card, channel.workspace)
            none = discord.AllowedMentions.none()
            view = card_view(card)
            if view is None:
                message = await target.send(embed=embed, allowed_mentions=none)
            else:
                message = await target.send(embed=embed, view=view, allowed_mentions=none)
        return str(message.id)

    async def update_card(self, channel: ChannelRef, card_id: str, card: ReportCard) -> None:
        async with platform_errors():
            target = await self._channel(channel)
            if not isinstance(target, discord.TextChannel | discord.Thread):
                raise PermanentError(f"{channel} is not a text channel")
            await target.get_partial_message(int(card_id)).edit(
                embed=card_embed(card, channel.workspace),
                view=card_view(card),
                allowed_mentions=discord.AllowedMentions.none(),
            )
