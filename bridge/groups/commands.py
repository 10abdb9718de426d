"""`/fangroup`: create, link, unlink, info, help. Same behaviour on both platforms."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Protocol

from bridge.errors import ChannelAlreadyLinked, GroupExists
from bridge.events import CommandInvoked, HomeOpened
from bridge.groups.artists import ArtistService, is_artist_anywhere
from bridge.groups.identity import IdentityService
from bridge.groups.mentions import is_user_id, target_id, too_large
from bridge.groups.replies import NOT_LINKED, no_group, owners_only, platform_name, safe_name
from bridge.groups.roles import GroupRoles, RoleCommands
from bridge.groups.usage import find_group, missing_argument, second_word_typo, unknown, usage
from bridge.ids import ChannelRef, GroupKind, Role, UserRef
from bridge.moderation.service import ModerationService
from bridge.music.tab_query import TabPage, page_count
from bridge.outcome import EventHandlers, HomeTabs, Outcome, Reply
from bridge.ports import IdentityStore, MusicStore, RosterStore
from bridge.records import FanGroup, TabEntry
from bridge.reports.service import ReportService
from bridge.text import repair_text

HELP = (
    "*/fangroup* commands:\n"
    "• `create <name> [kind:artist|genre|topic]` — create a Fan Group and link this channel "
    "to it (`kind:artist` by a verified artist makes them its artist too)\n"
    "• `link <group>` — link this channel to an existing group (its slug or its name)\n"
    "• `unlink` — stop bridging this channel\n"
    "• `info` — this channel's group and every linked channel\n"
    "• `music [recent|top|reacted] [page]` — the group's music tab\n"
    "• `links on|off` — add a shared song's links on other services to relayed copies\n"
    "• `account link` / `account confirm <code>` / `account unlink` — make your Discord and "
    "Slack accounts one fan (mentions and roles follow)\n"
    "• `mod add|remove @user` — make someone a moderator of the group (owners, admins)\n"
    "• `artist add|remove @user` / `artist list` — the group's verified artists (owners, "
    "admins)\n"
    "• `roles` — the group's owners, moderators and artists\n"
    "• `ban @user [reason]` / `unban @user` — ban someone from the group on every platform "
    "(moderators)\n"
    "• `modlog [@user]` — the last moderation actions and what each did (moderators)\n"
    "• `timeout @user 10m` / `untimeout @user` / `kick @user [reason]` — (moderators); "
    "`ban @user [reason] purge 10m` also deletes their last 10 minutes everywhere\n"
    "• `policy mirror|suggest|log`, `banscope channel|guild`, `kickscope channel|guild` — "
    "how moderation carries over to the other platform (owners; on Discord the scopes are "
    "options of `/fangroup policy`)\n"
    "• `modchannel [group|clear]` — post the group's reports in this channel (owners)\n"
    "• `visibility public|invite|approval` — who may join the group (owners)\n"
    "• `invite [uses] [expiry]` — an invite code, e.g. `invite 5 2d` (moderators)\n"
    "• `join [code|group]` — join with an invite code, or ask the moderators to let you in\n"
    "• `web [group]` — the group's web pages (a private group's: a personal 7-day link)\n"
    "• `party start <top|recent|links> [when:<time>]`, `party pause|resume|skip|stop|queue`, "
    "`party add <link>`, `party adds on|off` — a listening party: the songs in turn with a "
    "now-playing card in every linked channel\n"
    "• `poll <question> | <a> | <b> ... [duration:2d] [anonymous] [blind]`, `poll close <id>` "
    "— a poll in every linked channel, one vote per fan\n"
    "• `digest weekly <day> <HH:MM>`, `digest off`, `digest` — the week's digest in every "
    "linked channel at that time in your zone (owners)"
)
PAGE_SIZE = 5
MAX_PAGE = 10_000  # as the Discord command's page option allows
SORTS = ("recent", "top", "reacted")
NUMBER = re.compile(r"[0-9]{1,30}")
MAX_ROW_ID = 2**31 - 1  # the bridge's own ids (cards, join requests) are INTEGER columns

LinkHealth = Callable[[ChannelRef], Awaitable[str]]


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:50] or "group"


class GroupCommandStore(RosterStore, IdentityStore, MusicStore, Protocol):
    """What `/fangroup` reads and writes itself and through its parts (accounts, roles,
    artists): groups, links, people, identity links, the music tab."""


class GroupCommands:
    def __init__(
        self,
        store: GroupCommandStore,
        health: LinkHealth | None = None,
        moderation: ModerationService | None = None,
        reports: ReportService | None = None,
    ) -> None:
        self.store = store
        self.health = health
        self.identity = IdentityService(store)
        self.roles = RoleCommands(store)
        self.rules = GroupRoles(store)
        self.artists = ArtistService(store, self.rules)
        self._table: dict[str, Callable[[CommandInvoked], Awaitable[Outcome]]] = {
            "create": self._create,
            "link": self._link,
            "unlink": self._unlink,
            "info": self._info,
            "music": self._music,
            "links": self._links,
            "account": self.identity.account,
            "mod": self.roles.mod,
            "roles": self.roles.roles,
            "artist": self.artists.artist,
            "help": self._help,
        }
        if moderation is not None:
            self._table |= moderation.commands()
        if reports is not None:
            self._table["modchannel"] = reports.modchannel_command

    def add_subcommands(
        self, handlers: dict[str, Callable[[CommandInvoked], Awaitable[Outcome]]]
    ) -> None:
        """Subcommands of a service built elsewhere (the join gates)."""
        self._table |= handlers

    def handlers(self) -> EventHandlers:
        """/fangroup commands and the home view."""
        return {CommandInvoked: self.handle, HomeOpened: self.home}

    async def handle(self, event: CommandInvoked) -> Outcome:
        name = event.path[0] if event.path else "help"
        handler = self._table.get(name)
        if handler is None:
            return Reply(unknown(name, self._table))
        event = repaired(event)
        refusal = second_word_typo(event.path) or user_id_refusal(event)
        refusal = refusal or missing_argument(event)
        if refusal is not None:
            return Reply(refusal)
        await self._note_channel_name(event)
        return await handler(event)

    async def _note_channel_name(self, event: CommandInvoked) -> None:
        """A linked channel's name as the command shows it now (it may have been renamed)."""
        if not event.channel_name:
            return
        link = await self.store.link_for_channel(event.channel)
        if link is not None and link.channel_name != event.channel_name:
            await self.store.set_channel_name(event.channel, event.channel_name)

    async def _help(self, _: CommandInvoked) -> Outcome:
        return Reply(HELP)

    async def is_moderator(self, group: FanGroup, user: UserRef) -> bool:
        """An owner or moderator of ``group`` (through any of the person's linked accounts)."""
        return await self.rules.is_moderator(group, user)

    async def _create(self, event: CommandInvoked) -> Outcome:
        artist = event.args.get("kind") == GroupKind.ARTIST
        if artist and not await self._may_create_artist_group(event):
            return Reply(
                "Sorry, only a verified artist (or someone who may manage this channel) may "
                "create an artist group."
            )
        if not (event.can_manage_channel or artist):
            return Reply(owners_only("create a group here"))
        name = event.args.get("name", "").strip()
        if not name:
            return Reply(usage("create"))
        if (existing := await self.store.link_for_channel(event.channel)) is not None:
            group = await self.store.get_group_by_id(existing.group_id)
            return Reply(f"This channel is already linked to *{group.name if group else '?'}*.")
        group = await self._new_group(name, event)
        await self.store.link_channel(
            group_id=group.id,
            channel=event.channel,
            linked_by=str(event.user),
            channel_name=event.channel_name or None,
        )
        await self._grant_creator(
            event, group, [Role.OWNER, Role.ARTIST] if artist else [Role.OWNER]
        )
        return Reply(
            f"Created Fan Group *{group.name}* (`{group.slug}`, {group.kind.value}) and linked "
            f"this channel. Link more channels with `/fangroup link {group.slug}`.",
            ephemeral=False,
        )

    async def _may_create_artist_group(self, event: CommandInvoked) -> bool:
        return event.can_manage_channel or await is_artist_anywhere(self.store, event.user)

    async def _grant_creator(
        self, event: CommandInvoked, group: FanGroup, roles: list[Role]
    ) -> None:
        account = await self.store.upsert_account(
            user=event.user, display_name=event.display_name or event.user.user
        )
        for role in roles:
            await self.store.grant_role(
                group_id=group.id,
                member_id=account.member_id,
                role=role,
                granted_by=str(event.user),
            )

    async def _new_group(self, name: str, event: CommandInvoked) -> FanGroup:
        base = slugify(name)
        kind = GroupKind(event.args["kind"]) if event.args.get("kind") in set(GroupKind) else None
        for n in range(1, 100):
            slug = base if n == 1 else f"{base}-{n}"
            try:
                return await self.store.create_group(
                    slug=slug, name=name, kind=kind or GroupKind.TOPIC, created_by=str(event.user)
                )
            except GroupExists:
                continue
        raise GroupExists(base)

    async def _link(self, event: CommandInvoked) -> Outcome:
        word = event.args.get("group", "").strip()
        group = await find_group(self.store, word)
        if group is None:
            return Reply(no_group(word))
        if not await self.rules.may_manage(event, group):
            return Reply(owners_only("link this channel"))
        try:
            await self.store.link_channel(
                group_id=group.id,
                channel=event.channel,
                linked_by=str(event.user),
                channel_name=event.channel_name or None,
            )
        except ChannelAlreadyLinked as exc:
            other = await self.store.get_group_by_id(exc.group_id)
            return Reply(f"This channel is already linked to *{other.name if other else '?'}*.")
        return Reply(f"Linked this channel to *{group.name}*.", ephemeral=False)

    async def _links(self, event: CommandInvoked) -> Outcome:
        link = await self.store.link_for_channel(event.channel)
        group = await self.store.get_group_by_id(link.group_id) if link else None
        if group is None:
            return Reply(NOT_LINKED)
        if not await self.rules.may_manage(event, group):
            return Reply(owners_only("change this group's settings"))
        value = event.args.get("value", "").lower()
        if value not in ("on", "off"):
            state = "on" if group.settings.get("music_links", True) else "off"
            return Reply(f"Music links on copies are {state}. Use `/fangroup links on|off`.")
        await self.store.update_settings(group.id, {"music_links": value == "on"})
        return Reply(f"Music links on relayed copies are now {value} for *{group.name}*.")

    async def _unlink(self, event: CommandInvoked) -> Outcome:
        link = await self.store.link_for_channel(event.channel)
        if link is None:
            return Reply(NOT_LINKED)
        group = await self.store.get_group_by_id(link.group_id)
        allowed = await self.rules.may_manage(event, group) if group else event.can_manage_channel
        if not allowed:
            return Reply(owners_only("unlink this channel"))
        await self.store.unlink_channel(event.channel)
        return Reply(f"Unlinked this channel from *{group.name if group else '?'}*.", False)

    async def _music(self, event: CommandInvoked) -> Outcome:
        link = await self.store.link_for_channel(event.channel)
        group = await self.store.get_group_by_id(link.group_id) if link else None
        if group is None:
            return Reply(NOT_LINKED)
        sort = event.args.get("sort", "recent")
        page = event.args.get("page", "")
        number = min(int(page), MAX_PAGE) if NUMBER.fullmatch(page) else 1
        return await self._tab_page(group, sort, number)

    async def _tab_page(self, group: FanGroup, sort: str, page: int) -> TabPage[TabEntry]:
        """One page of the group's tab, shown in the channel: the group's tab is shared, and
        anyone there may page it."""
        sort = sort if sort in SORTS else "recent"
        page = max(1, page)
        entries, total = await self.store.music_tab(
            group.id, sort=sort, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
        pages = page_count(total, PAGE_SIZE)
        if page > pages:  # past the end (the tab shrank): show the last page
            page = pages
            entries, total = await self.store.music_tab(
                group.id, sort=sort, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
            )
        return TabPage(
            group.slug, group.name, sort, page, pages, total, tuple(entries), ephemeral=False
        )

    async def home(self, event: HomeOpened) -> Outcome:
        """The first page (recent) of every group linked to a channel of the person's
        workspace on their platform."""
        tabs: list[TabPage[TabEntry]] = []
        for group in await self.store.list_groups():
            links = await self.store.links_for_group(group.id)
            if any(_same_workspace(link.channel, event.user) for link in links):
                tabs.append(await self._tab_page(group, "recent", 1))
        return HomeTabs(tuple(tabs))

    async def _info(self, event: CommandInvoked) -> Outcome:
        link = await self.store.link_for_channel(event.channel)
        group = await self.store.get_group_by_id(link.group_id) if link else None
        if link is None or group is None:
            return Reply(NOT_LINKED)
        lines = [f"*{group.name}* (`{group.slug}`, {group.kind.value}, {group.visibility.value})"]
        for other in await self.store.links_for_group(group.id):
            health = await self.health(other.channel) if self.health else "unknown"
            here = " (this channel)" if other.channel == event.channel else ""
            name = f" #{other.channel_name}" if other.channel_name else ""
            lines.append(
                f"• {other.channel.platform.value} {other.channel.workspace}/"
                f"{other.channel.channel}{name} [{other.direction.value}] — {health}{here}"
            )
        return Reply("\n".join(lines))


def repaired(event: CommandInvoked) -> CommandInvoked:
    """The command with text the store accepts (a lone surrogate or a NUL is U+FFFD)."""
    return replace(
        event,
        args={key: repair_text(value) for key, value in event.args.items()},
        display_name=repair_text(event.display_name),
        channel_name=repair_text(event.channel_name),
    )


def user_id_refusal(event: CommandInvoked) -> str | None:
    """Why the user the command names (``user``: an id or a mention) cannot be anyone on the
    invoker's platform, in one line; None when it may be."""
    found = target_id(event.args.get("user", ""))
    platform = event.user.platform
    if not found or is_user_id(platform, found):
        return None
    shown = safe_name(found[:40]) + ("…" if len(found) > 40 else "")
    why = ": it is too large" if too_large(platform, found) else ""
    return f"`{shown}` is not a {platform_name(platform)} user id{why}. Nothing was done."


def row_id(raw: str) -> int | None:
    """One of the bridge's own ids (a card's, a join request's) as a button carries it; None
    for text no such id can be (a number too large for the database is never looked up)."""
    found = int(raw) if NUMBER.fullmatch(raw) else 0
    return found if 0 < found <= MAX_ROW_ID else None


def _same_workspace(channel: ChannelRef, user: UserRef) -> bool:
    return channel.platform is user.platform and channel.workspace == user.workspace
