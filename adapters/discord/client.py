"""The Discord side: a discord.py gateway client whose events become core events, the sender,
and the /fangroup slash command."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord
import yarl
from discord import app_commands

from adapters.discord import convert
from adapters.discord.adapter import DiscordChatAdapter
from adapters.discord.announce import build_announce
from adapters.discord.artist_events import interest_event
from adapters.discord.commands import build_fangroup, tab_clicked
from adapters.discord.gates import join_clicked
from adapters.discord.moderate import mod_card_clicked, timeout_event
from adapters.discord.party import party_clicked
from adapters.discord.polls import native_poll_event, native_vote_event, poll_clicked
from adapters.discord.reports import build_report_menu, report_clicked
from adapters.discord.shards import ShardKeeper
from adapters.files import FileFetcher
from adapters.pacing import (
    Pacer,
    SharedPacer,
    SharedRoutes,
    bot_authenticated,
    discord_pacer,
    pacing_trace,
)
from bridge.events import CoreEvent, MemberBanned, MemberUnbanned
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.outcome import Outcome
from bridge.pipeline.catchup.model import NoWatcher, SessionWatcher
from bridge.ports import Clock, GroupStore, LeaseStore

log = logging.getLogger(__name__)

Dispatch = Callable[[CoreEvent], Awaitable[Outcome]]
DISCORD_API = "https://discord.com/api/v10"
# READY waits this long after the last GUILD_CREATE (discord.py's default, 2 s, delayed every
# start by 2 s); a guild that comes later is still cached and served when it comes
GUILD_READY_TIMEOUT = 0.5


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
    wanted.guild_polls = True  # a fan's own poll's votes (MESSAGE_POLL_VOTE_ADD/REMOVE)
    wanted.guild_scheduled_events = True  # fans' "Interested" on artists' events
    return wanted


class BridgeClient(discord.Client):
    """One gateway shard (``shard`` given), or the adapter's REST client (``shard`` None): it
    logs in, syncs the slash commands and serves every REST call; its channel and guild
    lookups read the caches of the shards this worker holds."""

    def __init__(self, adapter: DiscordAdapter, shard: tuple[int, int] | None = None) -> None:
        options: dict[str, Any] = {}
        if shard is not None:
            options = {"shard_id": shard[0], "shard_count": shard[1]}
        super().__init__(
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            chunk_guilds_at_startup=False,
            guild_ready_timeout=GUILD_READY_TIMEOUT,
            max_messages=1000,
            http_trace=adapter.trace,
            **options,
        )
        self.adapter = adapter
        self.shard = shard
        self.tree = app_commands.CommandTree(self)
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None  # the gateway connection (shards only)
        self.leaving = False  # handed over or stopping: its disconnect loses nothing

    async def setup_hook(self) -> None:
        self.tree.add_command(build_fangroup(self.adapter.dispatch))
        self.tree.add_command(build_announce(self.adapter.dispatch))
        self.tree.add_command(build_report_menu(self.adapter.dispatch))
        if self.shard is None:  # once per worker, by the REST client
            await self.tree.sync()

    def get_channel(self, id: int, /) -> Any:
        if self.shard is not None:
            return super().get_channel(id)
        for client in list(self.adapter.shards.values()):
            found = client.get_channel(id)
            if found is not None:
                return found
        return None

    def get_guild(self, id: int, /) -> discord.Guild | None:
        if self.shard is not None:
            return super().get_guild(id)
        for client in list(self.adapter.shards.values()):
            found = client.get_guild(id)
            if found is not None:
                return found
        return None

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
        if not self.leaving:
            self.adapter.watcher.session_lost(Platform.DISCORD)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Component clicks the bridge answers itself (the music tab's buttons); application
        commands are the tree's."""
        if interaction.type is discord.InteractionType.component:
            if await join_clicked(interaction, self.adapter.dispatch):
                return
            if await mod_card_clicked(interaction, self.adapter.dispatch):
                return
            if await party_clicked(interaction, self.adapter.dispatch):
                return
            if await poll_clicked(interaction, self.adapter.dispatch):
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

    async def _is_own_post(self, guild_id: int, channel_id: int, webhook_id: int | None) -> bool:
        """Echo guard 1 for a webhook post the in-memory ids do not know: the channel's link
        names the relay webhook another worker made."""
        if webhook_id is None:
            return False
        ref = ChannelRef(Platform.DISCORD, str(guild_id), str(channel_id))
        return await self.adapter.sender.channels.is_own_webhook(ref, webhook_id)

    async def on_message(self, message: discord.Message) -> None:
        if self._is_own(message.author.id, message.webhook_id) or message.guild is None:
            return
        channel_id = getattr(message.channel, "parent_id", None) or message.channel.id
        if await self._is_own_post(message.guild.id, channel_id, message.webhook_id):
            return
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return
        poll = native_poll_event(message)
        if poll is not None:  # a fan's own poll: relayed as a poll card, its votes counted
            await self.adapter.dispatch(poll)
            return
        await self.adapter.dispatch(convert.message_posted(message))

    async def on_scheduled_event_user_add(
        self, event: discord.ScheduledEvent, user: discord.User
    ) -> None:
        await self.adapter.dispatch(interest_event(event, user, added=True))

    async def on_scheduled_event_user_remove(
        self, event: discord.ScheduledEvent, user: discord.User
    ) -> None:
        await self.adapter.dispatch(interest_event(event, user, added=False))

    async def on_raw_poll_vote_add(self, raw: discord.RawPollVoteActionEvent) -> None:
        parent = self._parent_of(raw.channel_id)
        await self.adapter.dispatch(native_vote_event(raw, added=True, parent=parent))

    async def on_raw_poll_vote_remove(self, raw: discord.RawPollVoteActionEvent) -> None:
        parent = self._parent_of(raw.channel_id)
        await self.adapter.dispatch(native_vote_event(raw, added=False, parent=parent))

    async def on_raw_message_edit(self, raw: discord.RawMessageUpdateEvent) -> None:
        author = raw.data.get("author", {}).get("id")
        webhook = raw.data.get("webhook_id")
        if self._is_own(int(author) if author else None, int(webhook) if webhook else None):
            return
        if raw.guild_id is not None and webhook:
            parent = self._parent_of(raw.channel_id) or raw.channel_id
            if await self._is_own_post(raw.guild_id, parent, int(webhook)):
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
    """Owns the REST client, the gateway shards this worker holds and the sender; hands every
    inbound event to ``dispatch``. The shards are leases (adapters/discord/shards.py): on one
    process every shard, on several workers a fair share each."""

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
        sharing: ShardSharing,
        pacing: tuple[Pacer | SharedPacer, SharedRoutes | None] | None = None,
    ) -> None:
        """``sharing``: the shard leases and this worker's id; ``pacing``: the pacer of
        every request and the shared route buckets (adapters/pacing.py
        ``shared_discord_pacing``; default: this process's own pacer)."""
        self.on_429 = on_429  # every 429 answer, also those discord.py retries on its own
        self.watcher: SessionWatcher = watcher or NoWatcher()
        self.sharing = sharing
        self.pacer, routes = pacing or (discord_pacer(), None)
        self.trace = pacing_trace(self.pacer, bot_authenticated, self._on_429, routes=routes)
        self._token = token
        self._dispatch = dispatch
        self.emulator = emulator
        self.store = store
        self.shards: dict[int, BridgeClient] = {}
        self.client = BridgeClient(self)
        self.sender = DiscordChatAdapter(self.client, store, webhooks=webhooks, fetcher=fetcher)
        self.keeper: ShardKeeper | None = None
        self.ready_within = 30.0

    def _on_429(self) -> None:
        if self.on_429 is not None:
            self.on_429()

    async def dispatch(self, event: CoreEvent) -> Outcome:
        log.debug("<= discord %s", type(event).__name__)
        return await self._dispatch(event)

    async def start(self, ready_within: float = 30.0) -> None:
        """Log in, then connect this worker's share of the shards (each READY within
        ``ready_within`` seconds)."""
        self.ready_within = ready_within
        point_at(self.emulator)
        await self.client.login(self._token)
        count = self.sharing.count
        if count is None:
            count, _, _ = await self.client.http.get_bot_gateway()
        sharing = self.sharing
        self.keeper = ShardKeeper(
            sharing.leases,
            sharing.clock,
            worker_id=sharing.worker_id,
            lease_seconds=sharing.lease_seconds,
            count=max(1, int(count)),
            connect=self._connect,
            disconnect=self._disconnect,
        )
        await self.keeper.start()

    async def _connect(self, shard: int, count: int) -> None:
        client = BridgeClient(self, (shard, count))
        self.shards[shard] = client
        try:
            await client.login(self._token)
            client.task = asyncio.create_task(client.connect(reconnect=True), name=f"shard-{shard}")
            ready = asyncio.create_task(client.ready.wait())
            done, _ = await asyncio.wait(
                {ready, client.task}, timeout=self.ready_within, return_when="FIRST_COMPLETED"
            )
            ready.cancel()
            if client.task in done:
                client.task.result()  # raises the connection error
            if ready not in done:
                raise TimeoutError(f"discord: no READY from the gateway for shard {shard}")
        except BaseException:
            await self._disconnect(shard, count)
            raise

    async def _disconnect(self, shard: int, count: int) -> None:
        client = self.shards.pop(shard, None)
        if client is None:
            return
        client.leaving = True
        await client.close()
        if client.task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await client.task
        if self.shards and all(_shard_up(c) for c in list(self.shards.values())):
            # a shard lost and then handed over holds no live event of the others any more
            self.watcher.session_resumed(Platform.DISCORD)

    @property
    def bot_name(self) -> str:
        user = self.client.user
        return user.display_name if user else ""

    def is_up(self) -> bool:
        """Logged in, and every shard this worker holds has had READY and has its gateway
        websocket open right now (not mid-reconnect)."""
        if self.client.user is None or self.client.is_closed():
            return False
        return all(_shard_up(client) for client in list(self.shards.values()))

    def held_shards(self) -> list[int]:
        return sorted(self.shards)

    async def stop(self) -> None:
        if self.keeper is not None:
            await self.keeper.stop()  # released: the other workers take the shards at once
        for shard in list(self.shards):
            await self._disconnect(shard, 0)
        await self.client.close()
        await self.pacer.close()


def _shard_up(client: BridgeClient) -> bool:
    ws = client.ws
    open_now = ws is not None and bool(ws.open)
    return client.is_ready() and not client.is_closed() and open_now


@dataclass(frozen=True)
class ShardSharing:
    """What the shard keeper needs: the leases, whose they are, how long they last, and the
    shard count (None: Discord's recommendation)."""

    leases: LeaseStore
    clock: Clock
    worker_id: str
    lease_seconds: float = 15.0
    count: int | None = None
