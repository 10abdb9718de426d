"""The composition root: builds storage, the core services, the platform adapters and the web
server from the config, starts them in order and stops them in reverse."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import logging
import math
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from adapters.artist_events import ArtistEvents, build_artist_events
from adapters.channel_names import DiscordNames, Namer, NamingSettings, fill_channel_names
from adapters.config import Config
from adapters.digests import Digests, build_digests
from adapters.files import FileFetcher
from adapters.gates import connect_gates
from adapters.music.http import GuardedHttp
from adapters.music.playlist_sync import PlaylistSync, SyncTiming
from adapters.music.registry import build_providers, isrc_searchers
from adapters.music.spotify_user import SpotifyEndpoints, SpotifyUserClient, warn_missing_scopes
from adapters.music.tracklists import ProviderTracks
from adapters.parties import Parties, build_parties
from adapters.polls import Polls, build_polls
from adapters.scheduler import ApScheduler, job_store
from adapters.seed import seed_groups
from adapters.slack.turns import Turns
from adapters.sqlite_lock import SqliteLock
from adapters.startup_errors import StartupFailed
from adapters.web.metrics import PrometheusMetrics, metrics_handler
from adapters.web.signing import GroupLinks, web_secret
from adapters.workers import WorkerRegistry
from bridge.announce.schedule import ScheduledAnnouncements
from bridge.announce.service import AnnounceService, AnnounceSettings
from bridge.events import CoreEvent
from bridge.gates.commands import GateService
from bridge.gates.delivery import gate_handlers
from bridge.groups.commands import GroupCommands
from bridge.groups.web_links import WebLinks
from bridge.ids import ChannelRef, Platform
from bridge.moderation.delivery import moderation_handlers
from bridge.music.resolve import Resolver
from bridge.music.service import MusicService
from bridge.outcome import Outcome
from bridge.party.announce import ArtistParties
from bridge.pipeline.catchup.gate import LiveGate
from bridge.pipeline.catchup.service import CatchUp, CatchUpSettings
from bridge.pipeline.compose import Composer, NamePolicy
from bridge.pipeline.echo import EchoGuard
from bridge.pipeline.outbox import OutboxSettings, OutboxWorker
from bridge.pipeline.router import Router, merge_handlers
from bridge.ports import ChatAdapter, Clock, SystemClock
from bridge.records import FanGroup
from bridge.relay.service import RelayService
from bridge.reports.delivery import report_handlers
from bridge.reports.service import ReportService
from storage.notify import ChangeListener
from storage.repos import SqlStore

if TYPE_CHECKING:
    from apscheduler.jobstores.base import BaseJobStore

    from adapters.web.app import WebServer
    from adapters.web.pages import PlaylistView

# a worker that finds another running for two leases joins a live bridge (catch-up reads only
# the last lease plus CATCH_UP_MARGIN seconds: what a dead holder of a shard had received but
# not recorded came within its last lease); workers started together each read it all
CATCH_UP_MARGIN = 30.0
ANSWERED_WITHIN = 2.0  # /readyz: a statement the database ran this recently says it answers
HELD_FRESH = 1.0  # /readyz: this worker's leases as read at most this long ago
HELD_WAIT = 0.2  # /readyz: seconds to wait for this worker's leases before showing the last read

log = logging.getLogger(__name__)

# Start-up imports these only once the platforms are up (or in the Slack connection's own task):
# they are imported in a thread while Discord and Slack connect, when the process mostly waits
# on the network and on Discord's quiet time after the last guild (see _start_platforms).
SLACK_MODULES = (
    "adapters.slack.app",
    "adapters.slack.history",
    "adapters.slack.names",
    "adapters.slack.party",
    "adapters.slack.reports",
    "adapters.slack.polls",
    "adapters.slack.digest",
)
DISCORD_MODULES = (
    "adapters.discord.history",
    "adapters.discord.party",
    "adapters.discord.reports",
    "adapters.discord.polls",
    "adapters.discord.digest",
)
WEB_MODULES = ("adapters.web.app", "adapters.web.pages")


class Runtime:
    def __init__(
        self,
        config: Config,
        *,
        web_port: int | None = None,
        outbox: OutboxSettings | None = None,
        playlist_timing: SyncTiming | None = None,
        clock: Clock | None = None,
        naming: NamingSettings | None = None,
    ) -> None:
        """``outbox`` overrides the delivery loop's timings (tests shorten the backoff);
        ``[relay] outbox_max_attempts`` still applies. ``naming``: Slack's read budget for the
        channel-naming pass (tests shorten the tier's minute)."""
        self.config = config
        settings = replace(
            outbox or OutboxSettings(), max_attempts=config.relay.outbox_max_attempts
        )
        if outbox is None and config.database.url.startswith("postgres"):
            # workers: a dead worker's claims are free again four worker leases after its last
            # extension (a live one extends them every third of that while it delivers)
            settings = replace(settings, lease=4 * config.workers.lease_seconds)
        self.outbox_settings = settings
        self.clock: Clock = clock or SystemClock()  # tests pass a manual clock
        self.web_port = config.web.port if web_port is None else web_port
        self.store: SqlStore | None = None
        self.listener: ChangeListener | None = None  # PostgreSQL: the other workers' writes
        self.sqlite_lock = SqliteLock.for_url(config.database.url)  # SQLite: one process
        self.workers: WorkerRegistry | None = None  # this process as a worker (its leases)
        self.router: Router | None = None
        self.worker: OutboxWorker | None = None
        self.web: WebServer | None = None
        self.discord: Any = None
        self.slack: Any = None
        self.names = NamePolicy()
        self.fetcher: FileFetcher | None = None
        self.music_http: GuardedHttp | None = None
        self.resolver: Resolver | None = None
        self.reports: ReportService | None = None
        self.gates: GateService | None = None
        self.announce: AnnounceService | None = None
        self.parties: Parties | None = None
        self.polls: Polls | None = None
        self.digests: Digests | None = None
        self.artist_events: ArtistEvents | None = None
        self.scheduler: ApScheduler | None = None
        self.scheduled: ScheduledAnnouncements | None = None
        self._job_store: asyncio.Task[BaseJobStore] | None = None  # made while the database opens
        self.metrics = PrometheusMetrics()  # this runtime's own registry
        self.links = GroupLinks(config.web.public_url, web_secret(config))
        self.playlists: PlaylistSync | None = None  # "Play all on Spotify"
        self.playlist_timing = playlist_timing
        self._tasks: list[asyncio.Task[None]] = []
        self.gate: LiveGate | None = None
        self.catchup: CatchUp | None = None
        self.starting = ""  # the part being started (named by StartupFailed)
        self.naming = naming or NamingSettings()
        self.channel_names: asyncio.Task[None] | None = None  # the naming pass, once started
        self._held: list[str] = []  # this worker's leases as last read (/readyz), and when
        self._held_at = -math.inf
        self._reading_held: asyncio.Task[None] | None = None

    async def dispatch(self, event: CoreEvent) -> Outcome:
        """Every inbound event: through the catch-up gate (a channel's live events wait while
        its history is read back), then the router."""
        assert self.gate is not None
        return await self.gate.handle(event)

    async def start(self) -> None:
        """Start every part in order. When one fails, what was started is stopped again (no
        task, socket or session left behind) and ``StartupFailed`` names the part."""
        self.starting = "database"
        try:
            await self._start()
        except BaseException as exc:
            part = self.starting
            with contextlib.suppress(Exception):
                await self.stop()
            if isinstance(exc, Exception):
                raise StartupFailed(part, exc) from exc
            raise
        self.starting = ""

    async def _start(self) -> None:
        database = self.config.database
        # apscheduler's job store is a sync engine of its own (on PostgreSQL, psycopg's import
        # and dialect): made in a thread while the database opens, the process mostly waiting
        made = asyncio.to_thread(job_store, database.url, database.schema_name)
        self._job_store = asyncio.create_task(made, name="job-store")
        if self.sqlite_lock is not None:
            self.sqlite_lock.acquire()
        self.store = await SqlStore.open(database.url, schema=database.schema_name)
        await self._listen()
        if self.sqlite_lock is not None:
            await self._forget_dead_leases()
        self.workers = WorkerRegistry(self.store, lease_seconds=self.config.workers.lease_seconds)
        await self.workers.start()
        self.starting = "the bridge"
        await seed_groups(self.store, self.config.groups)
        echo = EchoGuard(self.clock)
        composer = Composer(self.store, self.names, self.config.relay.max_attachment_bytes)
        adapters: dict[Platform, ChatAdapter] = {}
        self.worker = OutboxWorker(
            store=self.store,
            adapters=adapters,
            composer=composer,
            echo=echo,
            clock=self.clock,
            settings=self.outbox_settings,
            metrics=self.metrics,
        )
        music = self._build_music()
        relay = RelayService(self.store, self.clock, self.worker.wake, music, handoff=self.worker)
        relay.moderation.directory = adapters  # who exists, asked of the platforms once connected
        self.reports = ReportService(
            self.store, self.store, relay.moderation, self.clock, wake=self.worker.wake
        )
        commands = GroupCommands(self.store, self.link_health, relay.moderation, self.reports)
        self.gates = GateService(self.store, self.clock, wake=self.worker.wake)  # join gates
        commands.add_subcommands(self.gates.commands())
        web_links = WebLinks(self.store, self.clock, self.links.personal, self.links.page)
        commands.add_subcommands(web_links.commands())  # /fangroup web
        assert self._job_store is not None
        self.announce = self._build_announce(adapters, await self._job_store)
        self.worker.on_delivered = self.announce.delivered
        self.parties = parties = self._build_parties()
        relay.moments = parties.stamper  # timed comments, recorded with their messages
        commands.add_subcommands(parties.commands.commands())  # /fangroup party
        self.announce.add_actions(ArtistParties(self.announce, parties.commands).actions())
        self.polls = polls = build_polls(
            self.store, self.clock, self.worker.wake, resolver=self.resolver
        )
        commands.add_subcommands(polls.commands.commands())  # /fangroup poll
        self.digests = digests = build_digests(
            self.store,
            self.clock,
            self.worker.wake,
            page=self.links.page,
            default_zone=self.config.announce.timezone,
        )
        commands.add_subcommands(digests.commands.commands())  # /fangroup digest
        self.artist_events = events = build_artist_events(
            self.store, self.clock, self.worker.wake, self.announce, page=self.links.page
        )
        self.announce.add_actions(events.commands.actions())  # /announce event
        handlers = merge_handlers(
            relay.handlers(),
            relay.moderation.handlers(),
            commands.handlers(),
            self.reports.handlers(),
            self.announce.handlers(),
            polls.native.handlers(),  # a fan's own Discord poll and its votes
            events.service.handlers(),  # fans' interest in artists' events
        )
        self.router = Router(
            store=self.store, handlers=handlers, echo=echo, clock=self.clock, metrics=self.metrics
        )
        self._build_catchup()
        await self._join_live_deployment()
        await self._start_platforms(adapters)
        self._wire_cards()
        self._wire_digests()
        events.connect(
            self.discord.client if self.discord else None, self.slack.client if self.slack else None
        )
        connect_gates(self.gates, self.store, self.discord, self.slack)
        self.worker.register(moderation_handlers(self.store))  # timeouts, kicks, guild bans, cards
        self.worker.register(report_handlers(self.reports))
        self.worker.register(gate_handlers(self.gates))
        self.worker.register(parties.drawer.handlers())  # now-playing cards, notices
        self.worker.register(polls.drawer.handlers())  # poll cards, their redraws, results
        self.worker.register(digests.delivery.handlers())  # weekly digests
        self.worker.register(events.drawer.handlers())  # artists' events and their reminders
        self.starting = "web"
        await self._start_web()
        self.starting = "scheduler"
        await self._start_scheduler()
        self.starting = "the bridge"
        self._tasks.append(asyncio.create_task(self.worker.run(), name="outbox"))
        assert self.resolver is not None
        self._tasks.append(asyncio.create_task(self.resolver.run(), name="music-resolver"))
        self._tasks.append(asyncio.create_task(self._housekeeping(), name="housekeeping"))
        self._tasks.append(parties.start_timer())
        self._tasks.append(polls.start_timer())
        self._tasks.append(digests.start_timer())
        self._tasks.append(events.start_timer())
        await self._start_playlists(music)
        log.info("fanbridge running: %s", ", ".join(p.value for p in adapters) or "no platforms")
        await self._read_held(self.workers)  # what /readyz shows while the database is busy
        assert self.catchup is not None
        self.catchup.begin()
        self.channel_names = asyncio.create_task(self._name_channels(), name="channel-names")
        self._tasks.append(self.channel_names)  # once started: it never delays the start

    async def _join_live_deployment(self) -> None:
        """Workers on PostgreSQL: when another worker has been running for a while, this one
        joins a live bridge. Its Slack connection missed nothing (Slack sent every event to
        the other workers' connections meanwhile): no catch-up. Its Discord shard sessions
        (at start and the shards it takes over later) missed only what came since another
        worker stopped receiving them: their catch-up reads the last lease plus 30 s."""
        assert self.store is not None and self.workers is not None and self.catchup is not None
        if self.store.engine.dialect.name != "postgresql":
            return
        lease = self.config.workers.lease_seconds
        for other in await self.store.live_leases("worker:"):
            started = other.info.get("started")
            if other.holder == self.workers.id or not isinstance(started, int | float):
                continue
            if time.time() - started > 2 * lease:
                self.catchup.live_deployment_reach = lease + CATCH_UP_MARGIN
                self.catchup.received_elsewhere.add(Platform.SLACK)
                log.info("joining live workers: catch-up reads the last %.0fs", lease + 30)
                return

    async def _held_released(self, event: CoreEvent) -> None:
        """A live event the catch-up held is handled now: a Slack one's turn ends."""
        channel = getattr(event, "channel", None)  # the gate holds channel events only
        if self.slack is not None and getattr(channel, "platform", None) is Platform.SLACK:
            await self.slack.turns.released(event)

    def _slack_turns(self) -> Turns:
        """Several workers (PostgreSQL): a Slack channel's messages wait for the earlier ones
        another worker is handling (adapters/slack/turns.py); one process needs none."""
        assert self.store is not None and self.workers is not None
        if self.store.engine.dialect.name != "postgresql":
            return Turns(None, self.workers.id)
        from storage.repo_turns import TurnRepo  # PostgreSQL's own SQL: not loaded on SQLite

        return Turns(TurnRepo(self.store.db), self.workers.id)

    async def _forget_dead_leases(self) -> None:
        """SQLite: the file's lock says no other process runs, so every lease in it is a
        dead process's (killed before it could release them): free them at once rather than
        waiting for them to expire (its Discord shards first of all)."""
        assert self.store is not None
        for lease in await self.store.live_leases():
            await self.store.release_lease(lease.name, holder=lease.holder)

    async def _listen(self) -> None:
        """On PostgreSQL, where workers share the database: hear their writes (the row cache
        drops what they change) and their enqueues (the outbox worker wakes): storage/notify.py."""
        assert self.store is not None
        if self.store.engine.dialect.name != "postgresql":
            return
        cache = self.store.db.cache
        self.listener = ChangeListener(self.store.engine, cache, on_outbox=self._wake_outbox)
        await self.listener.start()

    def _build_catchup(self) -> None:
        """Catch-up and its gate: live events of each platform wait from the start until its
        channels' histories have been read (the adapters report their sessions)."""
        assert self.store is not None and self.router is not None
        self.gate = LiveGate(self.router.handle)
        self.gate.on_released = self._held_released
        window = self.config.relay.catch_up_hours * 3600
        self.catchup = CatchUp(
            store=self.store,
            route=self.router.handle,
            gate=self.gate,
            clock=self.clock,
            settings=CatchUpSettings(window=window),
            metrics=self.metrics,
            wake=self._wake_outbox,
        )
        self.catchup.defer()  # the passes begin once the bridge runs: they never delay ready
        if self.config.discord is not None:
            self.gate.hold(Platform.DISCORD)
        if self.config.slack is not None:
            self.gate.hold(Platform.SLACK)

    def _build_music(self) -> MusicService:
        """Shares in the relay, and the resolver behind them (its own task: resolution never
        delays the relay of a message)."""
        assert self.store is not None and self.worker is not None
        emulator = self.config.network.emulator
        self.music_http = GuardedHttp(emulator)
        spotify = self.config.spotify
        creds = (spotify.client_id, spotify.client_secret) if spotify is not None else None
        providers = build_providers(self.music_http, emulator=emulator, spotify=creds)
        music = MusicService(self.store, self.clock, lambda: self._wake_resolver())
        music.wake_outbox = self.worker.wake
        self.resolver = Resolver(
            store=self.store,
            providers=providers,
            searchers=isrc_searchers(providers, self.music_http),
            expander=self.music_http,
            clock=self.clock,
            on_resolved=music.resolved,
            metrics=self.metrics,
        )
        return music

    async def _start_playlists(self, music: MusicService) -> None:
        """The Spotify playlist sync: only with [spotify] configured and playlist_sync on; it
        starts once a login is stored (``fanbridge spotify login``, also while the bridge runs:
        the stored login is looked at every ``SyncTiming.check`` seconds)."""
        spotify = self.config.spotify
        if spotify is None or not spotify.playlist_sync or self.store is None:
            return
        if not await self._check_spotify_login(music):
            log.info("spotify playlists: off until `fanbridge spotify login` is run")
        watch = self._watch_spotify_login(music)
        self._tasks.append(asyncio.create_task(watch, name="spotify-login"))

    async def _watch_spotify_login(self, music: MusicService) -> None:
        check = (self.playlist_timing or SyncTiming()).check
        while True:
            await asyncio.sleep(check)
            try:
                await self._check_spotify_login(music)
            except Exception:  # a database hiccup: look again next time
                log.warning("spotify playlists: could not read the stored login", exc_info=True)

    async def _check_spotify_login(self, music: MusicService) -> bool:
        """Start the sync when a login is stored; a newer login (run again, maybe as another
        account) replaces the refresh token in use. True when the sync runs."""
        spotify = self.config.spotify
        assert spotify is not None and self.store is not None
        account = await self.store.get_spotify_account()
        if account is None:
            return self.playlists is not None
        if self.playlists is not None:
            if self.playlists.client.use_refresh_token(account.refresh_token):
                log.info("spotify playlists: a new login is stored; using it")
                warn_missing_scopes(account.scopes)
                self.playlists.wake()
            return True
        store = self.store

        async def keep(refresh_token: str) -> None:
            current = await store.get_spotify_account() or account
            await store.save_spotify_account(replace(current, refresh_token=refresh_token))

        client = SpotifyUserClient(
            client_id=spotify.client_id,
            client_secret=spotify.client_secret,
            refresh_token=account.refresh_token,
            endpoints=SpotifyEndpoints.for_emulator(self.config.network.emulator),
            on_new_refresh_token=keep,
        )
        self.playlists = PlaylistSync(
            store=store, client=client, clock=self.clock, timing=self.playlist_timing
        )
        music.on_shares_changed = self.playlists.wake
        self._tasks.append(asyncio.create_task(self.playlists.run(), name="spotify-playlists"))
        log.info("spotify playlists: syncing as %s", account.display_name or account.user_id)
        warn_missing_scopes(account.scopes)
        return True

    async def spotify_playlist(self, group: FanGroup) -> PlaylistView | None:
        """The group's "Play all on Spotify" link once its playlist exists, and the shared
        tracks that are not in it."""
        if self.store is None or self.config.spotify is None:
            return None
        state = await self.store.get_spotify_playlist(group.id)
        from adapters.web.pages import PlaylistView

        return PlaylistView(state.url, state.unmatched) if state is not None else None

    def _wake_outbox(self) -> None:
        if self.worker is not None:
            self.worker.wake()

    def _wake_resolver(self) -> None:
        if self.resolver is not None:
            self.resolver.wake()

    async def _start_platforms(self, adapters: dict[Platform, ChatAdapter]) -> None:
        emulator = self.config.network.emulator
        assert self.store is not None
        later = list(WEB_MODULES)
        if self.config.discord is not None:
            importlib.import_module("adapters.discord.client")  # first: Discord's login needs it
            later = [*DISCORD_MODULES, *later]
        preload(later)  # the loop goes on with Discord meanwhile
        slack_token = self.config.slack.bot_token if self.config.slack else None
        tokens = self._slack_tokens()  # Slack files are fetched with their workspace's token
        team = tokens.token if tokens is not None else None
        self.fetcher = FileFetcher(emulator=emulator, slack_token=slack_token, team_token=team)
        # Slack connects while Discord waits for its guilds (start-up takes the longer of the two)
        slack_up = None
        if self.config.slack is not None:
            slack_up = asyncio.create_task(self._start_slack(tokens), name="slack-start")
        try:
            await self._start_discord(adapters)
            if slack_up is not None:
                self.starting = "slack"
                await slack_up
                adapters[Platform.SLACK] = self.slack.sender
        except BaseException:
            if slack_up is not None:
                slack_up.cancel()
                with contextlib.suppress(BaseException):
                    await slack_up
            raise

    async def _start_discord(self, adapters: dict[Platform, ChatAdapter]) -> None:
        assert self.store is not None
        emulator = self.config.network.emulator
        if self.config.discord is not None:
            from adapters.discord.client import DiscordAdapter, ShardSharing
            from adapters.pacing import shared_discord_pacing

            assert self.workers is not None
            sharing = ShardSharing(
                self.store,
                self.clock,
                self.workers.id,
                lease_seconds=self.config.workers.lease_seconds,
                count=self.config.discord.shard_count,
            )
            self.discord = DiscordAdapter(
                token=self.config.discord.token,
                dispatch=self.dispatch,
                store=self.store,
                webhooks=self.config.discord.webhooks,
                emulator=emulator,
                fetcher=self.fetcher,
                on_429=lambda: self.metrics.platform_429("discord"),
                watcher=self.catchup,
                sharing=sharing,
                pacing=shared_discord_pacing(self.store),  # PostgreSQL: one for all workers
            )
            from adapters.discord.history import DiscordHistory

            assert self.catchup is not None
            history = DiscordHistory(self.discord.client, self.discord.sender, self.store)
            self.catchup.readers[Platform.DISCORD] = history
            self.discord.sender.max_parts = self.config.relay.max_parts
            self.discord.sender.metrics = self.metrics
            self.starting = "discord"
            await self.discord.start()
            adapters[Platform.DISCORD] = self.discord.sender
            self.names.reserve([self.discord.bot_name])

    async def _start_slack(self, tokens: Any) -> None:
        assert self.config.slack is not None
        await asyncio.to_thread(import_all, SLACK_MODULES)  # Discord connects meanwhile
        from adapters.pacing import shared_windows
        from adapters.slack.app import SlackAdapter

        slack = self.config.slack
        emulator = self.config.network.emulator
        self.slack = SlackAdapter(
            bot_token=slack.bot_token,
            app_token=slack.app_token,
            signing_secret=slack.signing_secret,
            mode=slack.mode,
            dispatch=self.dispatch,
            emulator=emulator,
            fetcher=self.fetcher,
            on_429=lambda: self.metrics.platform_429("slack"),
            watcher=self.catchup,
            tokens=tokens,
            turns=self._slack_turns(),
            rate_windows=shared_windows(self.store),  # PostgreSQL: one tier for all workers
        )
        from adapters.slack.history import SlackHistory

        assert self.catchup is not None
        self.catchup.readers[Platform.SLACK] = SlackHistory(self.slack.client, self.slack)
        self.slack.sender.max_parts = self.config.relay.max_parts
        self.slack.sender.metrics = self.metrics
        await self.slack.start()
        if slack.mode == "http":  # no session to report: read the history once at start
            self.catchup.session_new(Platform.SLACK)
        self.names.reserve([self.slack.bot_name])

    async def _name_channels(self) -> None:
        """The names of linked channels that have none (config-seeded links), once the
        platforms are connected: in the background, paced, resumed at the next start."""
        assert self.store is not None
        namers: dict[Platform, Namer] = {}
        if self.discord is not None:
            namers[Platform.DISCORD] = DiscordNames(self.discord.client, self.store)
        if self.slack is not None:
            from adapters.slack.names import SlackNames

            holder = self.workers.id if self.workers is not None else "fanbridge"
            namers[Platform.SLACK] = SlackNames(
                self.slack.client, self.store, self.naming, holder=holder
            )
        await fill_channel_names(self.store, namers)

    def _build_parties(self) -> Parties:
        """Listening parties (adapters/parties.py): songs from the resolver (an album's or a
        playlist's tracks from their platform), times in the announcements' zone."""
        assert self.store is not None and self.worker is not None
        resolver = self.resolver
        return build_parties(
            self.store,
            self.clock,
            self.worker.wake,
            page=self.links.page,
            resolver=resolver,
            lister=ProviderTracks(resolver.providers) if resolver is not None else None,
            default_zone=self.config.announce.timezone,
        )

    def _wire_cards(self) -> None:
        """Each platform's cards: the moderator channels' (reports) and the parties'."""
        assert self.reports is not None and self.parties is not None
        if self.discord is not None:
            from adapters.discord.party import DiscordPartyCards
            from adapters.discord.reports import DiscordCards

            self.reports.cards[Platform.DISCORD] = DiscordCards(self.discord.client)
            self.parties.cards[Platform.DISCORD] = DiscordPartyCards(self.discord.client)
            if self.polls is not None:
                from adapters.discord.polls import DiscordPollCards

                self.polls.cards[Platform.DISCORD] = DiscordPollCards(self.discord.client)
        if self.slack is not None:
            from adapters.slack.party import SlackPartyCards
            from adapters.slack.reports import SlackCards

            self.reports.cards[Platform.SLACK] = SlackCards(self.slack.client)
            self.parties.cards[Platform.SLACK] = SlackPartyCards(self.slack.client)
            if self.polls is not None:
                from adapters.slack.polls import SlackPollCards

                self.polls.cards[Platform.SLACK] = SlackPollCards(self.slack.client)

    def _wire_digests(self) -> None:
        """Each platform's digest poster (adapters/discord/digest.py, adapters/slack/digest.py)."""
        assert self.digests is not None
        if self.discord is not None:
            from adapters.discord.digest import DiscordDigests

            self.digests.posters[Platform.DISCORD] = DiscordDigests(self.discord.client)
        if self.slack is not None:
            from adapters.slack.digest import SlackDigests

            self.digests.posters[Platform.SLACK] = SlackDigests(self.slack.client)

    async def _start_web(self) -> None:
        from adapters.web.app import WebServer, build_web_app
        from adapters.web.pages import PageSettings

        handler = None
        if self.slack is not None and self.slack.mode == "http":
            from adapters.slack.app import HttpEvents

            handler = HttpEvents(self.slack.app)
        metrics = metrics_handler(
            self.metrics, lambda: self.store, self.clock.now, worker=lambda: self.workers
        )
        assert self.store is not None
        pages = PageSettings(
            store=self.store,
            secret=self.links.secret,
            spotify_playlist=self.spotify_playlist,
            now=self.clock.now,
        )
        app = build_web_app(
            ready_checks=self.ready_checks,
            slack_handler=handler,
            slack_install=self._slack_install(),
            metrics=metrics,
            pages=pages,
            store=self.store,
            public_url=self.config.web.public_url,
            worker=self.worker_status,
            parties=self.parties,
        )
        self.web = WebServer(app, self.config.web.host, self.web_port)
        await self.web.start()

    def _slack_tokens(self) -> Any:
        """With Add to Slack, each workspace's own token (else the configured one for all)."""
        if self.config.slack is None or not self.config.slack.oauth:
            return None
        from adapters.slack.tokens import TeamTokens
        from storage.repo_slack_installs import SlackInstallRepo

        assert self.store is not None
        repo = SlackInstallRepo(self.store.db)
        return TeamTokens(repo, self.clock, self.config.slack.bot_token)

    def _slack_install(self) -> Any:
        """Add to Slack (``/slack/install``, ``/slack/oauth_redirect``) when configured."""
        tokens = self.slack.tokens if self.slack is not None else None
        if tokens is None:
            return None
        from adapters.slack.oauth import install_flow

        return install_flow(self.config, tokens.repo, self.clock, tokens.installed)

    async def worker_status(self) -> dict[str, Any]:
        """This process as a worker, for ``/readyz``: its id and the leases it holds, as read
        from the database at most ``HELD_FRESH`` seconds ago (read as the start ends, then
        again when a call finds the last read older). A read that takes longer than
        ``HELD_WAIT`` (SQLite's one connection busy with the work after a start) goes on for
        the next call, and this one shows the leases read last: /readyz answers at once rather
        than after that work."""
        workers = self.workers
        if workers is None:
            return {}
        if time.monotonic() - self._held_at > HELD_FRESH:
            reading = self._reading_held
            if reading is None or reading.done():
                reading = self._reading_held = asyncio.create_task(self._read_held(workers))
            await asyncio.wait({reading}, timeout=HELD_WAIT)
        return {"id": workers.id, "leases": list(self._held)}

    async def _read_held(self, workers: WorkerRegistry) -> None:
        try:
            self._held = [lease.name for lease in await workers.held()]
        except Exception:  # the database is away: the checks say so
            self._held = []
        self._held_at = time.monotonic()

    async def ready_checks(self) -> dict[str, bool]:
        checks: dict[str, bool] = {}
        if self.store is not None:
            checks["database"] = await self._database_answers()
        if self.discord is not None:
            checks["discord"] = self.discord.is_up()
        if self.slack is not None:
            checks["slack"] = self.slack.is_up()
        if self.workers is not None and self.store is not None:
            # a worker whose lease renewals fail may see its shards taken: not ready
            checks["worker lease"] = self.workers.holding(self.store.clock.now())
        return checks

    async def _database_answers(self) -> bool:
        """The database ran one of the bridge's own statements within the last
        ``ANSWERED_WITHIN`` seconds, or answers a query now. On SQLite the bridge has one
        connection, which the work after a start (catch-up, naming channels) keeps busy for
        seconds: a query of its own would wait its turn behind that work (over a second measured
        with 10,000 groups, past a probe's usual 1 s timeout) to tell what that work shows."""
        assert self.store is not None
        if time.monotonic() - self.store.db.answered_at < ANSWERED_WITHIN:
            return True
        try:
            await self.store.outbox_depth()
        except Exception:  # any database failure means "not ready"
            return False
        return True

    async def link_health(self, channel: ChannelRef) -> str:
        """A linked channel's state for `/fangroup info` (adapters/link_health.py)."""
        tokens = self.slack.tokens if self.slack is not None else None
        if tokens is not None and channel.platform is Platform.SLACK:
            paused: str = await tokens.paused(channel.workspace)  # the app was removed there
            if paused:
                return paused
        catching_up = self.catchup.describe(channel) if self.catchup is not None else ""
        if catching_up:
            return catching_up
        store = self.store
        assert store is not None
        from adapters import link_health  # with discord.py and slack_sdk: not before ready

        health = link_health.checker(
            self, lambda: link_health.build(store, self.clock, self.discord, self.slack)
        )
        return await health.describe(channel)

    def _build_announce(
        self, adapters: dict[Platform, ChatAdapter], jobs: BaseJobStore
    ) -> AnnounceService:
        """Announcements, and apscheduler (its job store in our database) for scheduled ones."""
        assert self.store is not None and self.worker is not None
        settings = AnnounceSettings(
            default_zone=self.config.announce.timezone,
            grace=self.config.announce.grace_minutes * 60,
        )
        self.scheduler = ApScheduler(jobs, self.clock)
        service = AnnounceService(
            self.store,
            self.clock,
            self.worker.wake,
            adapters,
            scheduler=self.scheduler,
            settings=settings,
        )
        self.scheduled = ScheduledAnnouncements(service, process=self.scheduler.owner)
        return service

    async def _start_scheduler(self) -> None:
        """Start the timer, send what fell due while the bridge was down (within the grace;
        the rest is reported missed), then re-check every minute for posts another bridge
        process scheduled in the shared database."""
        assert self.scheduler is not None and self.scheduled is not None
        await self.scheduler.start(self.scheduled)
        counts = await self.scheduled.recover(resume_cut_off=True)
        if counts:
            log.info("scheduled announcements at start-up: %s", counts)
        self._tasks.append(asyncio.create_task(self._replan(), name="announcements"))

    async def _replan(self) -> None:
        while True:
            await asyncio.sleep(60)
            if self.scheduled is not None:
                with contextlib.suppress(Exception):
                    await self.scheduled.recover()

    async def _housekeeping(self) -> None:
        while True:
            assert self.router is not None
            with contextlib.suppress(Exception):
                await self.router.housekeeping()
            await asyncio.sleep(600)

    async def stop(self) -> None:
        """Stop in reverse order; also after a failed start (each part only if it exists, and a
        part that fails to stop does not keep the others running)."""
        if self._job_store is not None:  # done by now, unless the start failed before its use
            with contextlib.suppress(Exception):
                await self._job_store
            self._job_store = None
        if self.scheduler is not None:
            with contextlib.suppress(Exception):
                await self.scheduler.stop()
            self.scheduler = None
        await self._stop_outbox()
        if self.catchup is not None:
            await self.catchup.stop()
        if self._reading_held is not None:
            self._tasks.append(self._reading_held)
            self._reading_held = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        for part in (self.web, self.slack, self.discord):
            if part is not None:
                with contextlib.suppress(Exception):
                    await part.stop()
        for closing in (self.fetcher, self.music_http):
            if closing is not None:
                with contextlib.suppress(Exception):
                    await closing.close()
        if self.playlists is not None:
            with contextlib.suppress(Exception):
                await self.playlists.client.close()
        if self.workers is not None:
            await self.workers.stop()  # released: it leaves `fanbridge workers` at once
            self.workers = None
        if self.listener is not None:
            await self.listener.stop()
            self.listener = None
        if self.store is not None:
            await self.store.close()
            self.store = None
        if self.sqlite_lock is not None:
            self.sqlite_lock.release()

    async def _stop_outbox(self, grace: float = 10.0) -> None:
        """Let the deliveries in flight finish and be recorded before anything is cancelled."""
        outbox = [t for t in self._tasks if t.get_name() == "outbox" and not t.done()]
        if self.worker is None or not outbox:
            return
        self.worker.stop()
        _, pending = await asyncio.wait(outbox, timeout=grace)
        if pending:
            log.warning("outbox: deliveries still in flight after %.0fs; cancelling", grace)


def import_all(names: Sequence[str]) -> None:
    """Import ``names`` in order. A module that fails to import is left for the place that
    uses it, whose import raises the error where it belongs."""
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:
            log.debug("importing %s ahead failed", name, exc_info=True)
            return


def preload(names: Sequence[str]) -> None:
    """Import ``names`` in a thread of their own, so they are there when start-up needs them;
    the code that uses them imports them as usual (it waits for a module the thread is still
    importing, never imports one twice)."""
    threading.Thread(target=import_all, args=(names,), name="preload", daemon=True).start()


async def run_forever(config: Config) -> None:
    """Run until cancelled (Ctrl+C) or SIGTERM (systemd, containers): both end in the same clean
    stop (the outbox drained, the sessions closed, the database closed)."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):  # no signals: Windows, threads
        loop.add_signal_handler(signal.SIGTERM, stopping.set)
    try:
        runtime = Runtime(config)
        await runtime.start()
        gc.enable()  # `fanbridge run` starts with it off (adapters/cli.py: cmd_run)
        try:
            await stopping.wait()
            log.info("fanbridge: SIGTERM received, stopping")
        finally:
            await runtime.stop()
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGTERM)


async def upgrade_database(url: str, schema: str | None = None) -> str | None:
    from storage.migrate import current_revision

    store = await SqlStore.open(url, schema=schema)
    try:
        return await current_revision(store.engine)
    finally:
        await store.close()
