"""`/announce post|edit|delete` on Discord, and the announcement style of a copy: an embed
("📣 Announcement", the text, the image, the artist as its author) sent through the channel's
webhook under the artist's name and avatar, pinned when asked (the announcement part of the
chat adapter, composed in adapters/discord/adapter.py).

Discord does not let one command have both options and subcommands, so the post is
``/announce post message:... [link] [image] [pin] [group]``."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
from discord import app_commands

from adapters.discord.artist_events import add_event_commands
from adapters.discord.channels import DiscordChannels
from adapters.discord.convert import channel_ref
from adapters.discord.errors import platform_errors
from adapters.discord.markdown import parse_discord, render_discord
from adapters.discord.names import shown_name, webhook_safe
from adapters.discord.replies import discord_text
from bridge.actions import OutgoingMessage, SendResult
from bridge.announce.service import Announced
from bridge.events import AnnounceInvoked, CoreEvent
from bridge.ids import ChannelRef, MessageCopy, Platform, UserRef
from bridge.outcome import Outcome, Reply
from bridge.text import Document, Text

log = logging.getLogger(__name__)

Dispatch = Callable[[CoreEvent], Awaitable[Outcome]]
TITLE = "📣 Announcement"
COLOUR = discord.Colour(0xF1C40F)
PROGRESS_WAIT = 60.0  # seconds the command's follow-up waits for the fan-out
NONE = discord.AllowedMentions.none()


def announcement_embed(message: OutgoingMessage) -> discord.Embed:
    text, _ = render_discord(message.text, message.mention_map)
    embed = discord.Embed(title=TITLE, description=text[:4096], colour=COLOUR)
    embed.set_author(name=shown_name(message) or "artist", icon_url=message.author_avatar)
    if message.image_url:
        embed.set_image(url=message.image_url)
    if message.release is not None:
        _release_field(embed, message)
    return embed


def _release_field(embed: discord.Embed, message: OutgoingMessage) -> None:
    """A release reminder: the track/album, its links on every platform, its artwork."""
    release = message.release
    assert release is not None
    by = f" — {', '.join(release.artists)}" if release.artists else ""
    links = " · ".join(f"[{label}]({url})" for label, url in release.links)
    embed.add_field(name=f"🎵 {release.title}{by}"[:256], value=(links or "—")[:1024])
    if release.artwork_url:
        if message.image_url:
            embed.set_thumbnail(url=release.artwork_url)
        else:
            embed.set_image(url=release.artwork_url)


class DiscordAnnouncements:
    """Announcement copies: posted through the channel's webhook (the bot's own message when
    there is none), edited in place, pinned when asked."""

    def __init__(self, channels: DiscordChannels) -> None:
        self.channels = channels

    async def post(self, target: ChannelRef, message: OutgoingMessage) -> SendResult:
        embed = announcement_embed(message)
        async with platform_errors():
            webhook = await self.channels.webhook(target)
            if webhook is not None:
                sent: discord.Message = await webhook.send(
                    embed=embed,
                    username=webhook_safe(shown_name(message)) or "artist",
                    avatar_url=message.author_avatar or discord.utils.MISSING,
                    allowed_mentions=NONE,
                    wait=True,
                )
            else:
                channel = await self.channels.channel(target)
                sent = await channel.send(embed=embed, allowed_mentions=NONE, nonce=message.marker)
        if message.pin:
            await self._pin(target, sent.id)
        return SendResult((str(sent.id),))

    async def _pin(self, target: ChannelRef, message_id: int) -> None:
        """Pin the copy; a refusal (no Pin Messages, 250 pins) leaves it posted, unpinned."""
        try:
            await self.channels.client.http.pin_message(int(target.channel), message_id)
        except discord.HTTPException as exc:
            log.warning("=> %s announcement not pinned: %s", target, exc)

    async def edit(
        self, target: ChannelRef, copies: Sequence[MessageCopy], message: OutgoingMessage
    ) -> SendResult:
        copy = copies[0]
        embed = announcement_embed(message)
        async with platform_errors():
            webhook = await self.channels.webhook(target)
            mid = int(copy.platform_message_id)
            if webhook is not None:
                await webhook.edit_message(mid, embed=embed, allowed_mentions=NONE)
            else:
                channel = await self.channels.channel(target)
                partial = channel.get_partial_message(mid)  # type: ignore[attr-defined]
                await partial.edit(embed=embed, allowed_mentions=NONE)
        return SendResult((copy.platform_message_id,), copy.thread_id)


# -- the command ---------------------------------------------------------------------------
def _event(interaction: discord.Interaction, action: str, **fields: object) -> AnnounceInvoked:
    guild = str(interaction.guild_id or 0)
    return AnnounceInvoked(
        key=f"interaction:{interaction.id}",
        channel=channel_ref(interaction.guild_id, interaction.channel),
        user=UserRef(Platform.DISCORD, guild, str(interaction.user.id)),
        action=action,
        display_name=interaction.user.display_name,
        avatar_url=interaction.user.display_avatar.url,
        **fields,  # type: ignore[arg-type]
    )


async def _run(interaction: discord.Interaction, dispatch: Dispatch, event: CoreEvent) -> None:
    """Defer (posting and fanning out may take a while), then one ephemeral follow-up with the
    answer and, for a post, how far the fan-out got ("sent 3/3")."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    outcome = await dispatch(event)
    text = outcome.text if isinstance(outcome, Reply) else "Done."
    if isinstance(outcome, Announced):
        text += "\n" + await outcome.progress(PROGRESS_WAIT)
    await interaction.followup.send(
        discord_text(text)[:2000], ephemeral=True, allowed_mentions=NONE
    )


def build_announce(dispatch: Dispatch) -> app_commands.Group:
    group = app_commands.Group(name="announce", description="Announcements to your Fan Groups")

    @group.command(name="post", description="Announce to every linked channel of your groups")
    @app_commands.describe(
        message="The announcement",
        link="A music link to add",
        image="An image URL to show",
        pin="Pin the announcement in every channel",
        group="Only this group (its slug); default: every group you are an artist of",
        when="Schedule it: 2026-12-01T18:00+01:00, in 2h, tomorrow 18:00 (your zone)",
    )
    async def post(
        interaction: discord.Interaction,
        message: str,
        link: str = "",
        image: str = "",
        pin: bool = False,
        group: str = "",
        when: str = "",
    ) -> None:
        text = parse_discord(message)
        fields = {"text": text, "link": link, "image_url": image, "pin": pin, "group": group}
        await _run(interaction, dispatch, _event(interaction, "post", when=when, **fields))

    @group.command(name="edit", description="Edit an announcement everywhere")
    @app_commands.describe(id="The announcement's number", message="The new text")
    async def edit(interaction: discord.Interaction, id: int, message: str) -> None:
        fields = {"announcement_id": id, "text": parse_discord(message)}
        await _run(interaction, dispatch, _event(interaction, "edit", **fields))

    @group.command(name="delete", description="Delete an announcement everywhere")
    @app_commands.describe(id="The announcement's number")
    async def delete(interaction: discord.Interaction, id: int) -> None:
        await _run(interaction, dispatch, _event(interaction, "delete", announcement_id=id))

    @group.command(name="list", description="Your groups' scheduled and recent announcements")
    async def list_(interaction: discord.Interaction) -> None:
        await _run(interaction, dispatch, _event(interaction, "list"))

    @group.command(name="cancel", description="Cancel a scheduled announcement")
    @app_commands.describe(id="The announcement's number")
    async def cancel(interaction: discord.Interaction, id: int) -> None:
        await _run(interaction, dispatch, _event(interaction, "cancel", announcement_id=id))

    @group.command(name="party", description="Schedule a listening party in your groups")
    @app_commands.describe(
        source="top, recent, or music links (songs, an album, a playlist)",
        when="When it starts: 2026-12-01T18:00+01:00, in 2h, tomorrow 18:00 (your zone)",
        message="What the announcement says",
        group="Only this group (its slug); default: every group you are an artist of",
    )
    async def party(
        interaction: discord.Interaction, source: str, when: str, message: str = "", group: str = ""
    ) -> None:
        fields = {"link": source, "text": parse_discord(message), "group": group}
        await _run(interaction, dispatch, _event(interaction, "party", when=when, **fields))

    @group.command(name="zone", description="Your time zone for when: (e.g. Europe/Paris)")
    @app_commands.describe(zone="An IANA time zone; leave empty to see yours")
    async def zone(interaction: discord.Interaction, zone: str = "") -> None:
        text = Document((Text(zone),)) if zone else Document(())
        await _run(interaction, dispatch, _event(interaction, "zone", text=text))

    async def run(interaction: discord.Interaction, action: str, **fields: Any) -> None:
        await _run(interaction, dispatch, _event(interaction, action, **fields))

    add_event_commands(group, run)  # event, event-edit, event-cancel
    return group
