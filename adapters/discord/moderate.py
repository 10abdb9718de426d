"""Discord's part of bans, timeouts, kicks, guild bans and the moderation suggestion cards:
the moderation part of the chat adapter (composed in adapters/discord/adapter.py), the card's
buttons (custom_id ``fbmod:``), a timeout seen in the audit log, and the `/fangroup
timeout|untimeout|kick|policy|banscope|kickscope` subcommands."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

import aiohttp
import discord
from discord import app_commands

from adapters.discord.channels import DiscordChannels
from adapters.discord.errors import platform_errors
from bridge.events import CoreEvent, MemberTimedOut, ModCardClicked
from bridge.groups.commands import row_id
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.outcome import Handled, Outcome, Reply
from bridge.ports import PermanentError

log = logging.getLogger(__name__)
Dispatch = Callable[[CoreEvent], Awaitable[Outcome]]
Run = Callable[..., Awaitable[None]]
PREFIX = "fbmod:"
NO_MENTIONS = discord.AllowedMentions.none()
BANNED = discord.Permissions(view_channel=True, send_messages=True)  # denied by a group ban


def card_view(card: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    apply = discord.ui.Button[discord.ui.View](
        label="Apply", style=discord.ButtonStyle.danger, custom_id=f"{PREFIX}apply:{card}"
    )
    dismiss = discord.ui.Button[discord.ui.View](
        label="Dismiss", style=discord.ButtonStyle.secondary, custom_id=f"{PREFIX}dismiss:{card}"
    )
    view.add_item(apply)
    view.add_item(dismiss)
    return view


class DiscordModeration:
    """What the outbox's moderation effects do on Discord."""

    def __init__(self, channels: DiscordChannels) -> None:
        self.channels = channels
        self.client = channels.client

    async def ban(self, target: ChannelRef, user: str, *, reason: str) -> None:
        """A channel-scoped group ban: a member overwrite denying view and send."""
        async with platform_errors():
            await self.client.http.edit_channel_permissions(
                int(target.channel), int(user), "0", str(BANNED.value), 1, reason=reason
            )

    async def unban(self, target: ChannelRef, user: str, *, reason: str) -> None:
        async with platform_errors():
            await self.client.http.delete_channel_permissions(
                int(target.channel), int(user), reason=reason
            )

    async def timeout(self, target: ChannelRef, user: str, *, until: float | None) -> None:
        when = dt.datetime.fromtimestamp(until, dt.UTC).isoformat() if until else None
        async with platform_errors():
            await self.client.http.edit_member(
                int(target.workspace),
                int(user),
                reason="fanbridge: Fan Group timeout",
                communication_disabled_until=when,
            )

    async def kick(self, target: ChannelRef, user: str, *, scope: str, reason: str) -> None:
        if scope != "guild":
            raise PermanentError("Discord channels have no membership; use ban")
        async with platform_errors():
            await self.client.http.kick(int(user), int(target.workspace), reason=reason)

    async def guild_ban(self, target: ChannelRef, user: str, *, add: bool, reason: str) -> None:
        guild, member = int(target.workspace), int(user)
        async with platform_errors():
            if add:
                await self.client.http.ban(member, guild, 0, reason=reason)
            else:
                await self.client.http.unban(member, guild, reason=reason)

    async def post_card(self, target: ChannelRef, text: str, *, card: int) -> None:
        async with platform_errors():
            channel = await self.channels.channel(target)
            await channel.send(text[:2000], view=card_view(card), allowed_mentions=NO_MENTIONS)

    async def user_exists(self, user: UserRef) -> bool | None:
        """GET /users/{id}: False on 10013 Unknown User; None when Discord cannot tell now."""
        if not user.user.isdecimal():
            return False
        try:
            await self.client.fetch_user(int(user.user))
        except discord.NotFound:
            return False
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning("discord: user %s could not be looked up: %r", user.user, exc)
            return None
        return True


async def mod_card_clicked(interaction: discord.Interaction, dispatch: Dispatch) -> bool:
    """A card's "Apply" / "Dismiss": the core decides; the card shows what was decided."""
    data: Mapping[str, Any] = interaction.data or {}
    raw = str(data.get("custom_id", ""))
    if not raw.startswith(PREFIX):
        return False
    choice, _, card = raw.removeprefix(PREFIX).partition(":")
    card_id = row_id(card)
    if card_id is None or interaction.channel_id is None:
        return True
    guild = str(interaction.guild_id or 0)
    perms = interaction.permissions
    event = ModCardClicked(
        key=f"interaction:{interaction.id}",
        channel=ChannelRef(Platform.DISCORD, guild, str(interaction.channel_id)),
        user=UserRef(Platform.DISCORD, guild, str(interaction.user.id)),
        card=card_id,
        choice=choice,
        platform_moderator=bool(perms.moderate_members or perms.manage_channels),
    )
    outcome = await dispatch(event)
    if isinstance(outcome, Handled):
        await interaction.response.edit_message(content=outcome.detail[:2000], view=None)
    else:
        text = outcome.text if isinstance(outcome, Reply) else "Nothing to do."
        await interaction.response.send_message(text, ephemeral=True)
    return True


def timeout_event(entry: discord.AuditLogEntry, bot_id: int | None) -> MemberTimedOut | None:
    """A timeout set or lifted by someone other than the bot, from the audit log."""
    if entry.action is not discord.AuditLogAction.member_update or entry.user_id == bot_id:
        return None
    if not hasattr(entry.after, "timed_out_until") or entry.target is None:
        return None
    until: dt.datetime | None = entry.after.timed_out_until
    workspace = str(entry.guild.id)
    actor = UserRef(Platform.DISCORD, workspace, str(entry.user_id)) if entry.user_id else None
    return MemberTimedOut(
        key=f"audit:{entry.id}",
        platform=Platform.DISCORD,
        workspace=workspace,
        target=UserRef(Platform.DISCORD, workspace, str(entry.target.id)),
        until=until.timestamp() if until else 0.0,
        actor=actor,
        reason=entry.reason or "",
    )


def add_more_moderation_commands(group: app_commands.Group, run: Run) -> None:
    @group.command(name="timeout", description="Stop relaying someone for a while, everywhere")
    @app_commands.describe(
        user="Who", duration="e.g. 10m, 2h, 1d; off lifts their timeout", reason="Why"
    )
    async def timeout(
        interaction: discord.Interaction, user: discord.User, duration: str, reason: str = ""
    ) -> None:
        """``duration:off`` is Slack's ``/fangroup untimeout`` (Discord allows 25 subcommands
        a command, and /fangroup needs its room for more)."""
        args = {"user": str(user.id), "user_name": user.display_name}
        if duration.strip().lower() == "off":
            await run(interaction, ("untimeout",), **args)
            return
        await run(interaction, ("timeout",), **args, duration=duration, reason=reason)

    @group.command(name="kick", description="Remove someone from the group's channels")
    async def kick(interaction: discord.Interaction, user: discord.User, reason: str = "") -> None:
        args = {"user": str(user.id), "user_name": user.display_name}
        await run(interaction, ("kick",), **args, reason=reason)

    @group.command(name="policy", description="How moderation carries over, and its scopes")
    @app_commands.describe(
        value="mirror, suggest or log: what moderation on one platform does on the other",
        banscope="A group ban on Discord: channel overwrites or a guild ban",
        kickscope="A group kick on Discord: nothing (channel) or a guild kick",
    )
    async def policy(
        interaction: discord.Interaction,
        value: Literal["mirror", "suggest", "log"] | None = None,
        banscope: Literal["channel", "guild"] | None = None,
        kickscope: Literal["channel", "guild"] | None = None,
    ) -> None:
        args = {"value": value or "", "banscope": banscope or "", "kickscope": kickscope or ""}
        await run(interaction, ("policy",), **args)
