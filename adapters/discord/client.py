"""The Discord side: a discord.py gateway client whose events become core events, the sender,
and the /fangroup slash command."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
import yarl
from discord import app_commands

from adapters.discord import convert
from adapters.discord.adapter import DiscordChatAdapter
from adapters.discord.announce import build_announce
from adapters.discord.commands import build_fangroup, tab_clicked
from adapters.discord.gates import join_clicked
from adapters.discord.moderate import mod_card_clicked, timeout_event
from adapters.discord.reports import build_report_menu, report_clicked
from adapters.files import FileFetcher
from adapters.pacing import bot_authenticated, discord_pacer, pacing_trace
from bridge.events import CoreEvent, MemberBanned, MemberUnbanned
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.outcome import Outcome
from bridge.pipeline.catchup.model import NoWatcher, SessionWatcher
from bridge.ports import GroupStore

log = logging.getLogger(__name__)

Dispatch = Callable[[CoreEvent], Awaitable[Outcome]]
DISCORD_API = "https://discord.com/api/v10"


def point_at(emulator: str | None) -> None:
    """Aim discord.py at an emulator (the two class attributes NOTES.md names), or at Discord."""
    if emulator is None:
        discord.http.Route.BASE = DISCORD_API
        return
    origin = yarl.URL(emulator)
    discord.http.Route.BASE = f"{emulator}/discord/api/v10"
    gateway = origin.with_scheme("wss" if origin.scheme == "https" else "ws") / "discord/gateway"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


def intents() -> discord.Intents:
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.message_content = True  # privileged: enable it in the developer portal
    wanted.guild_reactions = True
    wanted.members = True  # privileged: bans, timeouts and display names
    wanted.moderation = True
    wanted.webhooks = True
    return wanted


class BridgeClient(discord.Client):
    def __init__(self, adapter: DiscordAdapter) -> None:
        super().__init__(
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            chunk_guilds_at_startup=False,
            max_messages=1000,
            http_trace=pacing_trace(discord_pacer(), bot_authenticated, adapter.on_429),
        )
        self.adapter = adapter
        self.tree = app_commands.CommandTree(self)
        self.ready = asyncio.Event()

    async def setup_hook(self) -> None:
        self.tree.add_command(build_fangroup(self.adapter.dispatch))
        self.tree.add_command(build_announce(self.adapter.dispatch))
        self.tree.add_command(build_report_menu(self.adapter.dispatch))
        await self.tree.sync()

    async def on_ready(self) -> None:
        """A new gateway session (at start, or after one that could not be resumed): what
        happened meanwhile is read back from the history."""
        log.info("discord: connected as %s", self.user)
        self.ready.set()
        self.adapter.watcher.session_new(Platform.DISCORD)

    async def on_resumed(self) -> None:
        """The session resumed: Discord replayed what was missed."""
        log.info("discord: session resumed")
        self.adapter.watcher.session_resumed(Platform.DISCORD)

    async def on_disconnect(self) -> None:
        self.adapter.watcher.session_lost(Platform.DISCORD)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Component clicks the bridge answers itself (the music tab's buttons); application
        commands are the tree's."""
        if interaction.type is discord.InteractionType.component:
            if await join_clicked(interaction, self.adapter.dispatch):
                return
            if await mod_card_clicked(interaction, self.adapter.dispatch):
                return
            if not await tab_clicked(interaction, self.adapter.dispatch):
                await report_clicked(interaction, self.adapter.dispatch)

    async def on_audit_log_entry_create(self, entry: discord.AuditLogEntry) -> None:
        """A Discord timeout set or lifted by a moderator (not the bot) becomes a group one."""
        event = timeout_event(entry, self.user.id if self.user else None)
        if event is not None:
            await self.adapter.dispatch(event)

    def _is_own(self, author_id: int | None, webhook_id: int | None) -> bool:
        """Echo guard 1: the bot's own messages and its webhooks, by id, never by name."""
        if webhook_id is not None and webhook_id in self.adapter.sender.own_webhook_ids:
            return True
        return self.user is not None and author_id == self.user.id

    async def on_message(self, message: discord.Message) -> None:
        if self._is_own(message.author.id, message.webhook_id) or message.guild is None:
            return
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return
        await self.adapter.dispatch(convert.message_posted(message))

    async def on_raw_message_edit(self, raw: discord.RawMessageUpdateEvent) -> None:
        author = raw.data.get("author", {}).get("id")
        webhook = raw.data.get("webhook_id")
        if self._is_own(int(author) if author else None, int(webhook) if webhook else None):
            return
        event = convert.message_edited(raw)
        if event is not None:
            await self.adapter.dispatch(event)

    async def on_raw_message_delete(self, raw: discord.RawMessageDeleteEvent) -> None:
        if self.adapter.sender.deleted_by_us(str(raw.message_id)):
            return  # echo guard: the bot's own delete, never a moderator's
        await self.adapter.dispatch(convert.message_deleted(raw, self._parent_of(raw.channel_id)))

    async def on_member_ban(
        self, guild: discord.Guild, user: discord.User | discord.Member
    ) -> None:
        fields = await self._ban_fields("ban", guild, user, discord.AuditLogAction.ban)
        if fields is not None:
            await self.adapter.dispatch(MemberBanned(**fields))

    async def on_member_unban(self, guild: discord.Guild, user: discord.User) -> None:
        fields = await self._ban_fields("unban", guild, user, discord.AuditLogAction.unban)
        if fields is not None:
            await self.adapter.dispatch(MemberUnbanned(**fields))

    async def _ban_fields(
        self,
        kind: str,
        guild: discord.Guild,
        user: discord.User | discord.Member,
        action: discord.AuditLogAction,
    ) -> dict[str, Any] | None:
        """A guild ban as the core sees it; who banned and why come from the audit log (the
        gateway event does not say). None for the bot's own ban: never propagated again."""
        workspace = str(guild.id)
        fields: dict[str, Any] = {
            "key": f"{kind}:{guild.id}:{user.id}:{discord.utils.utcnow().timestamp():.3f}",
            "platform": Platform.DISCORD,
            "workspace": workspace,
            "target": UserRef(Platform.DISCORD, workspace, str(user.id)),
        }
        entry = await _audit_entry(guild, user.id, action)
        if entry is not None and entry.user is not None:
            if self.user is not None and entry.user.id == self.user.id:
                return None
            fields["actor"] = UserRef(Platform.DISCORD, workspace, str(entry.user.id))
            fields["reason"] = entry.reason or ""
        return fields

    async def on_raw_reaction_add(self, raw: discord.RawReactionActionEvent) -> None:
        await self._reaction(raw, added=True)

    async def on_raw_reaction_remove(self, raw: discord.RawReactionActionEvent) -> None:
        await self._reaction(raw, added=False)

    async def _reaction(self, raw: discord.RawReactionActionEvent, *, added: bool) -> None:
        if self.user is not None and raw.user_id == self.user.id:
            return
        parent = self._parent_of(raw.channel_id)
        await self.adapter.dispatch(convert.reaction_changed(raw, parent, added))

    async def on_guild_channel_update(
        self, before: discord.abc.GuildChannel, after: discord.abc.GuildChannel
    ) -> None:
        """A renamed channel: its name as linked channels show it (web pages, info)."""
        if before.name != after.name:
            ref = ChannelRef(Platform.DISCORD, str(after.guild.id), str(after.id))
            if await self.adapter.store.set_channel_name(ref, after.name):
                log.info("discord: linked channel %s renamed #%s", after.id, after.name)

    def _parent_of(self, channel_id: int) -> int | None:
        channel = self.get_channel(channel_id)
        return getattr(channel, "parent_id", None) if isinstance(channel, discord.Thread) else None


async def _audit_entry(
    guild: discord.Guild, user_id: int, action: discord.AuditLogAction
) -> discord.AuditLogEntry | None:
    """The newest audit log entry of ``action`` on ``user_id`` (None without View Audit Log)."""
    try:
        async for entry in guild.audit_logs(limit=10, action=action):
            if getattr(entry.target, "id", None) == user_id:
                return entry
    except discord.HTTPException as exc:
        log.debug("discord: no audit log for %s: %s", guild.id, exc)
    return None


class DiscordAdapter:
    """Owns the gateway client and the sender; hands every inbound event to ``dispatch``."""

    def __init__(
        self,
        *,
        token: str,
        dispatch: Dispatch,
        store: GroupStore,
        webhooks: bool = True,
        emulator: str | None = None,
        fetcher: FileFetcher | None = None,
        on_429: Callable[[], None] | None = None,
        watcher: SessionWatcher | None = None,
    ) -> None:
        self.on_429 = on_429  # every 429 answer, also those discord.py retries on its own
        self.watcher: SessionWatcher = watcher or NoWatcher()
        self._token = token
        self._dispatch = dispatch
        self.emulator = emulator
        self.store = store
        self.client = BridgeClient(self)
        self.sender = DiscordChatAdapter(self.client, store, webhooks=webhooks, fetcher=fetcher)
        self._task: asyncio.Task[None] | None = None

    async def dispatch(self, event: CoreEvent) -> Outcome:
        log.debug("<= discord %s", type(event).__name__)
        return await self._dispatch(event)

    async def start(self, ready_within: float = 30.0) -> None:
        point_at(self.emulator)
        await self.client.login(self._token)
        self._task = asyncio.create_task(self.client.connect(reconnect=True), name="discord")
        ready = asyncio.create_task(self.client.ready.wait())
        done, _ = await asyncio.wait(
            {ready, self._task}, timeout=ready_within, return_when="FIRST_COMPLETED"
        )
        if self._task in done:
            ready.cancel()
            self._task.result()  # raises the connection error
        if ready not in done:
            ready.cancel()
            raise TimeoutError("discord: no READY from the gateway")

    @property
    def bot_name(self) -> str:
        user = self.client.user
        return user.display_name if user else ""

    def is_up(self) -> bool:
        """READY received and the gateway websocket open right now (not mid-reconnect)."""
        ws = self.client.ws
        open_now = ws is not None and bool(ws.open)
        return self.client.is_ready() and not self.client.is_closed() and open_now

    async def stop(self) -> None:
        await self.client.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
