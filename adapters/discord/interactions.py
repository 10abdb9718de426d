"""What a Discord slash command or button becomes: the core's CommandInvoked event (with the
permissions the member holds there), and the answer to the interaction (a leaf: /fangroup, the
join gates and the reports all use it)."""

from __future__ import annotations

import discord

from adapters.discord.convert import channel_ref
from adapters.discord.replies import discord_text
from adapters.discord.tab import tab_embed, tab_view
from bridge.events import CommandInvoked
from bridge.ids import Platform, UserRef
from bridge.music.tab_query import TabPage
from bridge.outcome import Outcome, Reply

CONTENT_MAX = 2000  # characters in a Discord message


def can_manage(interaction: discord.Interaction) -> bool:
    perms = interaction.permissions
    return bool(perms.manage_channels or perms.manage_guild or perms.administrator)


def can_moderate(interaction: discord.Interaction) -> bool:
    perms = interaction.permissions
    return can_manage(interaction) or bool(
        perms.manage_messages or perms.ban_members or perms.moderate_members
    )


def command_event(
    interaction: discord.Interaction, path: tuple[str, ...], args: dict[str, str]
) -> CommandInvoked:
    guild = str(interaction.guild_id or 0)
    return CommandInvoked(
        key=f"interaction:{interaction.id}",
        channel=channel_ref(interaction.guild_id, interaction.channel),
        user=UserRef(Platform.DISCORD, guild, str(interaction.user.id)),
        path=path,
        args=args,
        can_manage_channel=can_manage(interaction),
        can_moderate=can_moderate(interaction),
        display_name=interaction.user.display_name,
        channel_name=channel_name(interaction.channel),
    )


def channel_name(channel: object) -> str:
    """The linked channel's name: a thread's is its parent's ("" when not known)."""
    if isinstance(channel, discord.Thread):
        channel = channel.parent
    name = getattr(channel, "name", None)
    return name if isinstance(name, str) else ""


async def answer(interaction: discord.Interaction, outcome: Outcome) -> None:
    if isinstance(outcome, TabPage):
        await interaction.response.send_message(
            embed=tab_embed(outcome),
            view=tab_view(outcome),
            ephemeral=outcome.ephemeral,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        return
    text = discord_text(outcome.text) if isinstance(outcome, Reply) else "Done."
    ephemeral = outcome.ephemeral if isinstance(outcome, Reply) else True
    first, *more = pieces(text)  # a long answer (the help) goes in follow-ups, never clipped
    none = discord.AllowedMentions.none()
    await interaction.response.send_message(first, ephemeral=ephemeral, allowed_mentions=none)
    for piece in more:
        await interaction.followup.send(piece, ephemeral=ephemeral, allowed_mentions=none)


def pieces(text: str, limit: int = CONTENT_MAX) -> list[str]:
    """``text`` in messages of at most ``limit`` characters, cut between lines where it can."""
    found: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # a line longer than a message: cut it
            if current:
                found.append(current)
                current = ""
            found.append(line[:limit])
            line = line[limit:]
        joined = f"{current}\n{line}" if current else line
        if len(joined) > limit:
            found.append(current)
            joined = line
        current = joined
    return [*found, current] if current or not found else found
