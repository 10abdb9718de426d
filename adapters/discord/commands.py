"""The /fangroup slash command: each subcommand becomes a core CommandInvoked event; the reply
comes back from the core and is sent as the interaction response."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

import discord
from discord import app_commands

from adapters.discord.digest import add_digest_group
from adapters.discord.gates import add_gate_commands
from adapters.discord.interactions import answer, command_event
from adapters.discord.moderate import add_more_moderation_commands
from adapters.discord.party import add_party_group
from adapters.discord.polls import add_poll_group
from adapters.discord.tab import parse_custom_id, tab_embed, tab_view
from bridge.events import CoreEvent
from bridge.music.tab_query import TabPage
from bridge.outcome import Outcome

log = logging.getLogger(__name__)

Dispatch = Callable[[CoreEvent], Awaitable[Outcome]]


async def tab_clicked(interaction: discord.Interaction, dispatch: Dispatch) -> bool:
    """A music tab button (custom_id ``fbtab:...``): show the page it names in place.
    False when the interaction is not one of ours."""
    data: Mapping[str, Any] = interaction.data or {}
    request = parse_custom_id(str(data.get("custom_id", "")))
    if request is None:
        return False
    args = {"sort": request.sort, "page": str(request.page)}
    outcome = await dispatch(command_event(interaction, ("music",), args))
    if isinstance(outcome, TabPage):
        await interaction.response.edit_message(
            embed=tab_embed(outcome),
            view=tab_view(outcome),
            allowed_mentions=discord.AllowedMentions.none(),
        )
    else:
        await answer(interaction, outcome)
    return True


def build_fangroup(dispatch: Dispatch) -> app_commands.Group:
    group = app_commands.Group(name="fangroup", description="Fan Group bridge commands")

    async def run(interaction: discord.Interaction, path: tuple[str, ...], **args: str) -> None:
        outcome = await dispatch(
            command_event(interaction, path, {k: v for k, v in args.items() if v})
        )
        await answer(interaction, outcome)

    @group.command(name="create", description="Create a Fan Group and link this channel")
    @app_commands.describe(name="The group's name", kind="artist, genre or topic")
    async def create(interaction: discord.Interaction, name: str, kind: str = "") -> None:
        await run(interaction, ("create",), name=name, kind=kind)

    @group.command(name="link", description="Link this channel to an existing Fan Group")
    @app_commands.describe(group="The group's slug or name (see /fangroup info)")
    async def link(interaction: discord.Interaction, group: str) -> None:
        await run(interaction, ("link",), group=group)

    @group.command(name="unlink", description="Stop bridging this channel")
    async def unlink(interaction: discord.Interaction) -> None:
        await run(interaction, ("unlink",))

    @group.command(name="info", description="This channel's group and its linked channels")
    async def info(interaction: discord.Interaction) -> None:
        await run(interaction, ("info",))

    @group.command(name="music", description="The music this group has shared")
    @app_commands.describe(sort="Order of the tab", page="Page number (5 items a page)")
    async def music(
        interaction: discord.Interaction,
        sort: Literal["recent", "top", "reacted"] = "recent",
        page: app_commands.Range[int, 1, 10_000] = 1,
    ) -> None:
        await run(interaction, ("music",), sort=sort, page=str(page))

    @group.command(name="links", description="Add a song's other-service links to copies")
    @app_commands.describe(value="on or off")
    @app_commands.choices(
        value=[
            app_commands.Choice(name="on", value="on"),
            app_commands.Choice(name="off", value="off"),
        ]
    )
    async def links(interaction: discord.Interaction, value: str) -> None:
        await run(interaction, ("links",), value=value)

    @group.command(name="web", description="The group's web pages (a personal link if private)")
    @app_commands.describe(group="A group's slug or name (default: this channel's group)")
    async def web(interaction: discord.Interaction, group: str = "") -> None:
        await run(interaction, ("web",), group=group)

    @group.command(name="help", description="What fanbridge can do")
    async def help_(interaction: discord.Interaction) -> None:
        await run(interaction, ("help",))

    add_identity_commands(group, run)
    add_artist_commands(group, run)
    add_moderation_commands(group, run)
    add_gate_commands(group, run)
    add_more_moderation_commands(group, run)
    add_party_group(group, dispatch)  # /fangroup party ...
    add_poll_group(group, dispatch)  # /fangroup poll ...
    add_digest_group(group, dispatch)  # /fangroup digest ...
    return group


Run = Callable[..., Awaitable[None]]


def add_identity_commands(group: app_commands.Group, run: Run) -> None:
    """``/fangroup account link|confirm|unlink``, ``/fangroup mod add|remove`` and
    ``/fangroup roles``."""
    account = app_commands.Group(
        name="account", description="Link your Discord and Slack accounts", parent=group
    )
    mod = app_commands.Group(name="mod", description="The group's moderators", parent=group)

    @account.command(name="link", description="Get a one-time code for your other account")
    async def account_link(interaction: discord.Interaction) -> None:
        await run(interaction, ("account", "link"))

    @account.command(name="confirm", description="Enter the code from your other account")
    @app_commands.describe(code="The code /fangroup account link gave you on the other platform")
    async def account_confirm(interaction: discord.Interaction, code: str) -> None:
        await run(interaction, ("account", "confirm"), code=code)

    @account.command(name="unlink", description="Make this account a fan of its own again")
    async def account_unlink(interaction: discord.Interaction) -> None:
        await run(interaction, ("account", "unlink"))

    @mod.command(name="add", description="Make someone a moderator of this channel's group")
    @app_commands.describe(user="Who becomes a moderator")
    async def mod_add(interaction: discord.Interaction, user: discord.User) -> None:
        await run(interaction, ("mod", "add"), user=str(user.id), user_name=user.display_name)

    @mod.command(name="remove", description="Remove a moderator of this channel's group")
    @app_commands.describe(user="Who stops being a moderator")
    async def mod_remove(interaction: discord.Interaction, user: discord.User) -> None:
        await run(interaction, ("mod", "remove"), user=str(user.id), user_name=user.display_name)

    @group.command(name="roles", description="The group's owners, moderators and artists")
    async def roles(interaction: discord.Interaction) -> None:
        await run(interaction, ("roles",))


def add_artist_commands(group: app_commands.Group, run: Run) -> None:
    """``/fangroup artist add|remove @user`` and ``/fangroup artist list``."""
    artist = app_commands.Group(name="artist", description="The group's artists", parent=group)

    @artist.command(name="add", description="Verify someone as an artist of this group")
    @app_commands.describe(user="Who is verified (with their linked accounts)")
    async def artist_add(interaction: discord.Interaction, user: discord.User) -> None:
        await run(interaction, ("artist", "add"), user=str(user.id), user_name=user.display_name)

    @artist.command(name="remove", description="Remove an artist of this group")
    @app_commands.describe(user="Who stops being an artist of the group")
    async def artist_remove(interaction: discord.Interaction, user: discord.User) -> None:
        args = {"user": str(user.id), "user_name": user.display_name}
        await run(interaction, ("artist", "remove"), **args)

    @artist.command(name="list", description="This group's verified artists")
    async def artist_list(interaction: discord.Interaction) -> None:
        await run(interaction, ("artist", "list"))


def add_moderation_commands(group: app_commands.Group, run: Run) -> None:
    """``/fangroup ban @user [reason]``, ``/fangroup unban @user``, ``/fangroup modlog``."""

    @group.command(name="ban", description="Ban someone from this channel's group everywhere")
    @app_commands.describe(
        user="Who is banned",
        reason="Why (shown in the modlog)",
        purge="Also delete their messages of the last e.g. 10m everywhere",
    )
    async def ban(
        interaction: discord.Interaction, user: discord.User, reason: str = "", purge: str = ""
    ) -> None:
        args = {"user": str(user.id), "user_name": user.display_name, "reason": reason}
        await run(interaction, ("ban",), **args, purge=purge)

    @group.command(name="unban", description="Lift someone's ban from this channel's group")
    @app_commands.describe(user="Whose ban is lifted")
    async def unban(interaction: discord.Interaction, user: discord.User) -> None:
        await run(interaction, ("unban",), user=str(user.id), user_name=user.display_name)

    @group.command(name="modchannel", description="Post the group's reports in this channel")
    @app_commands.describe(value="The group's slug (or clear to stop)")
    async def modchannel(interaction: discord.Interaction, value: str = "") -> None:
        await run(interaction, ("modchannel",), value=value)

    @group.command(name="modlog", description="The group's last moderation actions")
    @app_commands.describe(user="Only the actions about this person")
    async def modlog(interaction: discord.Interaction, user: discord.User | None = None) -> None:
        args = {"user": str(user.id), "user_name": user.display_name} if user else {}
        await run(interaction, ("modlog",), **args)
