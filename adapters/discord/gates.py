"""Join gates on Discord: `/fangroup visibility|invite|join`, the join request card with its
Approve / Deny buttons (custom_id ``fbjoin:<approve|deny>:<request>``), and admission: a
"<group> fans" role (made once per guild) that may view and write in the group's channels."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import discord
from discord import app_commands

from adapters.discord.errors import platform_errors
from adapters.discord.interactions import answer, command_event
from adapters.discord.replies import discord_text
from adapters.discord.tab import StaticView
from bridge.events import CoreEvent
from bridge.gates.check import Grant
from bridge.ids import ChannelRef, UserRef
from bridge.outcome import Outcome, Reply
from bridge.ports import GroupStore, PermanentError
from bridge.records import FanGroup

log = logging.getLogger(__name__)

Dispatch = Callable[[CoreEvent], Awaitable[Outcome]]
Run = Callable[..., Awaitable[None]]
JOIN_PREFIX = "fbjoin:"
FAN_ROLES = "discord_fan_roles"  # group.settings: {guild id: role id}
ALLOW = discord.Permissions(view_channel=True, send_messages=True, read_message_history=True)
NONE = discord.AllowedMentions.none()
REFUSED = (discord.Forbidden, discord.NotFound)  # anything else is retried or refused whole


def add_gate_commands(group: app_commands.Group, run: Run) -> None:
    @group.command(name="visibility", description="Who may join this channel's group")
    @app_commands.describe(value="public, invite (codes) or approval (moderators decide)")
    @app_commands.choices(
        value=[app_commands.Choice(name=v, value=v) for v in ("public", "invite", "approval")]
    )
    async def visibility(interaction: discord.Interaction, value: str) -> None:
        await run(interaction, ("visibility",), value=value)

    @group.command(name="invite", description="Make an invite code for this channel's group")
    @app_commands.describe(uses="How many fans it admits (1)", expiry="e.g. 12h, 7d (7d)")
    async def invite(
        interaction: discord.Interaction,
        uses: app_commands.Range[int, 1, 1000] = 1,
        expiry: str = "",
    ) -> None:
        await run(interaction, ("invite",), uses=str(uses), expiry=expiry)

    @group.command(name="join", description="Join a group with a code, or ask to join")
    @app_commands.describe(code="An invite code, or a group's slug to ask its moderators")
    async def join(interaction: discord.Interaction, code: str = "") -> None:
        await run(interaction, ("join",), code=code)


def parse_join_id(value: str) -> tuple[str, str] | None:
    """``fbjoin:approve:12`` as ("approve", "12")."""
    if not value.startswith(JOIN_PREFIX):
        return None
    decision, _, request = value[len(JOIN_PREFIX) :].partition(":")
    return (decision, request) if request.isdigit() else None


async def join_clicked(interaction: discord.Interaction, dispatch: Dispatch) -> bool:
    """Approve or Deny on a join request card: the decision replaces the card; a refusal is
    shown to the presser only. False when the interaction is not one of ours."""
    data: Mapping[str, Any] = interaction.data or {}
    found = parse_join_id(str(data.get("custom_id", "")))
    if found is None:
        return False
    decision, request = found
    outcome = await dispatch(command_event(interaction, ("join", decision), {"request": request}))
    if isinstance(outcome, Reply) and not outcome.ephemeral:
        await interaction.response.edit_message(
            content=discord_text(outcome.text)[:2000], view=None, allowed_mentions=NONE
        )
    else:
        await answer(interaction, outcome)
    return True


def request_view(request_id: int) -> discord.ui.View:
    view = StaticView()
    for decision, label, style in (
        ("approve", "Approve", discord.ButtonStyle.success),
        ("deny", "Deny", discord.ButtonStyle.danger),
    ):
        cid = f"{JOIN_PREFIX}{decision}:{request_id}"
        view.add_item(discord.ui.Button(label=label, custom_id=cid, style=style))
    return view


class DiscordGates:
    """The gate port on Discord, for the outbox: a refusal (403/404) fails a grant, an outage
    or a rate limit raises (platform_errors) so the outbox retries it."""

    def __init__(self, client: discord.Client, store: GroupStore) -> None:
        self.client = client
        self.store = store

    async def post_request(self, channel: ChannelRef, text: str, request_id: int) -> None:
        async with platform_errors():
            target = self.client.get_channel(int(channel.channel))
            if target is None:
                target = await self.client.fetch_channel(int(channel.channel))
            if not isinstance(target, discord.abc.Messageable):
                raise PermanentError(f"{channel} is not a text channel")
            await target.send(text[:2000], view=request_view(request_id), allowed_mentions=NONE)

    async def admit(
        self, group: FanGroup, user: UserRef, channels: Sequence[ChannelRef]
    ) -> list[Grant]:
        async with platform_errors():
            return await self._admit(group, user, channels)

    async def _admit(
        self, group: FanGroup, user: UserRef, channels: Sequence[ChannelRef]
    ) -> list[Grant]:
        try:
            role = await self._fan_role(group, user.workspace)
        except REFUSED as exc:
            why = f"could not make the fans role: {exc.text}"
            return [Grant(c, "failed", why) for c in channels]
        grants = [await self._open(channel, role) for channel in channels]
        try:
            await self._give_role(user, role)
        except REFUSED as exc:
            why = f"could not give the role: {exc.text}"
            return [Grant(g.channel, "failed", why) for g in grants]
        return grants

    async def _fan_role(self, group: FanGroup, guild_id: str) -> int:
        """The guild's "<group> fans" role, made the first time (its id kept in the group)."""
        fresh = await self.store.get_group_by_id(group.id)
        roles: dict[str, Any] = dict((fresh or group).settings.get(FAN_ROLES) or {})
        if guild_id in roles:
            return int(roles[guild_id])
        made = await self.client.http.create_role(
            int(guild_id), name=f"{group.name} fans"[:100], reason="fanbridge: join gate"
        )
        roles[guild_id] = str(made["id"])
        await self.store.update_settings(group.id, {FAN_ROLES: roles})
        return int(made["id"])

    async def _open(self, channel: ChannelRef, role: int) -> Grant:
        """An overwrite letting the role view and write in the channel (idempotent)."""
        try:
            await self.client.http.edit_channel_permissions(
                int(channel.channel), role, str(ALLOW.value), "0", 0, reason="fanbridge: join gate"
            )
        except REFUSED as exc:
            return Grant(channel, "failed", exc.text or str(exc))
        return Grant(channel, "done", "the fans role may view and write here")

    async def _give_role(self, user: UserRef, role: int) -> None:
        guild, member = int(user.workspace), int(user.user)
        current = await self.client.http.get_member(guild, member)
        roles = [str(r) for r in current.get("roles", [])]
        if str(role) not in roles:
            await self.client.http.edit_member(
                guild, member, roles=[*roles, str(role)], reason="fanbridge: admitted to the group"
            )
