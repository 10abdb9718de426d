"""Weekly digests on Discord: the digest as an embed (a field per section, names escaped and no
mention allowed), posted with a nonce per digest so a retry after a crash does not post it twice,
and ``/fangroup digest weekly|off|show`` (one subcommand group of /fangroup)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord
from discord import app_commands

from adapters import tab_text
from adapters.discord.errors import platform_errors
from adapters.discord.interactions import answer, command_event
from adapters.discord.markdown import escape_text
from bridge.digests import text
from bridge.digests.delivery import DigestPost
from bridge.digests.schedule import DAYS
from bridge.events import CoreEvent
from bridge.ids import ChannelRef
from bridge.once import PostOnce
from bridge.outcome import Outcome
from bridge.ports import PermanentError

Dispatch = Callable[[CoreEvent], Awaitable[Outcome]]
NONE = discord.AllowedMentions.none()
COLOUR = 0x5865F2
TITLE, FIELD, LINE, DESCRIPTION, TOTAL = 256, 1024, 300, 4096, 6000


# -- the digest ----------------------------------------------------------------------------------
def digest_embed(post: DigestPost) -> discord.Embed:
    content = post.content
    embed = discord.Embed(
        title=tab_text.clip(f"📰 {text.title(content)}", TITLE, escape_text),
        description=tab_text.clip(text.summary(content), DESCRIPTION, escape_text),
        colour=COLOUR,
    )
    archive = tab_text.safe_url(post.archive_url or "")
    if archive:
        embed.url = archive
    footer = f"Weekly digest #{post.digest_id}"
    left = TOTAL - len(embed.title or "") - len(embed.description or "") - len(footer)
    for section in text.sections(content)[:25]:
        lines = [line_markdown(line) for line in section.lines]
        value = tab_text.joined(lines, min(FIELD, left - len(section.title)), "\n")
        if not value:
            break  # Discord's 6000 characters an embed holds in all are used up
        embed.add_field(name=section.title, value=value, inline=False)
        left -= len(section.title) + len(value)
    embed.set_footer(text=footer)
    return embed


def line_markdown(line: text.Line) -> str:
    url = tab_text.safe_url(line.url or "")
    shown = tab_text.clip(line.text, LINE, escape_text)
    linked = f"[{shown}]({url})" if url else shown
    return f"{linked} {escape_text(line.note)}".rstrip()


def digest_nonce(post: DigestPost) -> str:
    """The same for every try of one digest (Discord allows 25 characters)."""
    return f"digest{post.digest_id}"[:25]


class DiscordDigests:
    """Posts digests in Discord channels (REST, as the bot), for the outbox."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def post_digest(
        self, channel: ChannelRef, post: DigestPost, *, once: PostOnce | None = None
    ) -> str:
        async with platform_errors():
            found = self.client.get_channel(int(channel.channel))
            if found is None:
                found = await self.client.fetch_channel(int(channel.channel))
            if not isinstance(found, discord.abc.Messageable):
                raise PermanentError(f"{channel} is not a text channel")
            message = await found.send(
                embed=digest_embed(post), allowed_mentions=NONE, nonce=digest_nonce(post)
            )
        return str(message.id)


# -- the command ---------------------------------------------------------------------------------
def add_digest_group(fangroup: app_commands.Group, dispatch: Dispatch) -> None:
    """``/fangroup digest weekly|off|show``: the same commands as Slack's ``/fangroup digest``."""
    group = app_commands.Group(
        name="digest", description="The group's weekly digest", parent=fangroup
    )

    async def run(interaction: discord.Interaction, path: tuple[str, ...], **args: str) -> None:
        event = command_event(interaction, path, {k: v for k, v in args.items() if v})
        await answer(interaction, await dispatch(event))

    @group.command(name="weekly", description="Post a digest every week (time in your zone)")
    @app_commands.describe(day="The day of the week", time="HH:MM in your time zone")
    @app_commands.choices(day=[app_commands.Choice(name=d, value=d) for d in DAYS])
    async def weekly(interaction: discord.Interaction, day: str, time: str) -> None:
        await run(interaction, ("digest", "weekly"), day=day, time=time)

    @group.command(name="off", description="Stop the weekly digest")
    async def off(interaction: discord.Interaction) -> None:
        await run(interaction, ("digest", "off"))

    @group.command(name="show", description="When the digest is posted")
    async def show(interaction: discord.Interaction) -> None:
        await run(interaction, ("digest", "show"))
