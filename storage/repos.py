"""``SqlStore``: the sqlmodel implementation of ``bridge.ports.Store``, composed of repositories.

Each repository is its own object over one shared ``Database`` (engine, clock, session factory,
row cache), reachable as an attribute (``store.groups``, ``store.outbox``, ...). The store
answers the ``Store`` protocol by delegating each method to the repository that owns it
(``bridge.parts.Delegate``: typed, so mypy checks the store against the protocol). The only
repository that needs another is the chat tab, which is handed the music repository.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from bridge.parts import Composite, Delegate
from bridge.ports import Clock
from storage.base import Database
from storage.db import create_engine
from storage.migrate import upgrade
from storage.repo_announcements import AnnouncementRepo
from storage.repo_artist_events import ArtistEventRepo
from storage.repo_catchup import CatchUpRepo
from storage.repo_digest_sources import DigestSourceRepo
from storage.repo_digests import DigestRepo
from storage.repo_feed import FeedRepo
from storage.repo_gates import GateRepo
from storage.repo_groups import GroupRepo
from storage.repo_identity import IdentityRepo
from storage.repo_leases import LeaseRepo
from storage.repo_members import MemberRepo
from storage.repo_messages import MessageRepo
from storage.repo_moderation import ModerationRepo
from storage.repo_music import MusicRepo
from storage.repo_outbox import OutboxRepo
from storage.repo_party import PartyRepo
from storage.repo_polls import PollRepo
from storage.repo_reactions import ReactionRepo
from storage.repo_reports import ReportRepo
from storage.repo_spotify import SpotifyRepo
from storage.repo_tab import ChatTabRepo, WebTabRepo
from storage.repo_timeouts import TimeoutRepo


class SqlStore(Composite):
    def __init__(self, engine: AsyncEngine, clock: Clock | None = None) -> None:
        self.db = db = Database(engine, clock)
        self.groups = GroupRepo(db)
        self.members = MemberRepo(db)
        self.identity = IdentityRepo(db)
        self.messages = MessageRepo(db)
        self.outbox = OutboxRepo(db)
        self.reactions = ReactionRepo(db)
        self.music = MusicRepo(db)
        self.chat_tab = ChatTabRepo(db, self.music)
        self.web_tab = WebTabRepo(db)
        self.feed = FeedRepo(db)
        self.moderation = ModerationRepo(db)
        self.timeouts = TimeoutRepo(db)
        self.reports = ReportRepo(db)
        self.gates = GateRepo(db)
        self.spotify = SpotifyRepo(db)
        self.announcements = AnnouncementRepo(db)
        self.catchup = CatchUpRepo(db)
        self.leases = LeaseRepo(db)
        self.parties = PartyRepo(db)
        self.artist_events = ArtistEventRepo(db)
        self.polls = PollRepo(db)
        self.digests = DigestRepo(db)
        self.digest_sources = DigestSourceRepo(db)
        super().__init__(
            self.groups,
            self.members,
            self.identity,
            self.messages,
            self.outbox,
            self.reactions,
            self.music,
            self.chat_tab,
            self.web_tab,
            self.feed,
            self.moderation,
            self.timeouts,
            self.reports,
            self.gates,
            self.spotify,
            self.announcements,
            self.catchup,
            self.leases,
            self.parties,
            self.artist_events,
            self.polls,
            self.digests,
            self.digest_sources,
        )

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        clock: Clock | None = None,
        migrate: bool = True,
        schema: str | None = None,
    ) -> SqlStore:
        """Connect to ``url`` and (by default) bring the schema to the latest revision."""
        engine = create_engine(url, schema=schema)
        if migrate:
            await upgrade(engine)
        return cls(engine, clock)

    @property
    def engine(self) -> AsyncEngine:
        return self.db.engine

    @property
    def clock(self) -> Clock:
        return self.db.clock

    @property
    def session(self) -> Callable[[], AbstractAsyncContextManager[AsyncSession]]:
        """A session in one transaction (benchmarks and tests that read rows directly)."""
        return self.db.session

    async def close(self) -> None:
        await self.engine.dispose()

    # groups
    create_group = Delegate(GroupRepo, GroupRepo.create_group)
    get_group = Delegate(GroupRepo, GroupRepo.get_group)
    get_group_by_id = Delegate(GroupRepo, GroupRepo.get_group_by_id)
    list_groups = Delegate(GroupRepo, GroupRepo.list_groups)
    groups_in_workspace = Delegate(GroupRepo, GroupRepo.groups_in_workspace)
    groups_with_setting = Delegate(GroupRepo, GroupRepo.groups_with_setting)
    link_channel = Delegate(GroupRepo, GroupRepo.link_channel)
    unlink_channel = Delegate(GroupRepo, GroupRepo.unlink_channel)
    link_for_channel = Delegate(GroupRepo, GroupRepo.link_for_channel)
    links_for_group = Delegate(GroupRepo, GroupRepo.links_for_group)
    update_settings = Delegate(GroupRepo, GroupRepo.update_settings)
    set_webhook_ref = Delegate(GroupRepo, GroupRepo.set_webhook_ref)
    set_channel_name = Delegate(GroupRepo, GroupRepo.set_channel_name)
    unnamed_links = Delegate(GroupRepo, GroupRepo.unnamed_links)
    set_channel_names = Delegate(GroupRepo, GroupRepo.set_channel_names)
    # members
    upsert_account = Delegate(MemberRepo, MemberRepo.upsert_account)
    get_account = Delegate(MemberRepo, MemberRepo.get_account)
    accounts_of_member = Delegate(MemberRepo, MemberRepo.accounts_of_member)
    merge_members = Delegate(MemberRepo, MemberRepo.merge_members)
    grant_role = Delegate(MemberRepo, MemberRepo.grant_role)
    revoke_role = Delegate(MemberRepo, MemberRepo.revoke_role)
    roles_in_group = Delegate(MemberRepo, MemberRepo.roles_in_group)
    # identity
    add_link_code = Delegate(IdentityRepo, IdentityRepo.add_link_code)
    get_link_code = Delegate(IdentityRepo, IdentityRepo.get_link_code)
    use_link_code = Delegate(IdentityRepo, IdentityRepo.use_link_code)
    split_account = Delegate(IdentityRepo, IdentityRepo.split_account)
    # messages
    record_message = Delegate(MessageRepo, MessageRepo.record_message)
    record_messages = Delegate(MessageRepo, MessageRepo.record_messages)
    get_message = Delegate(MessageRepo, MessageRepo.get_message)
    add_copy = Delegate(MessageRepo, MessageRepo.add_copy)
    find_copy = Delegate(MessageRepo, MessageRepo.find_copy)
    copies_of = Delegate(MessageRepo, MessageRepo.copies_of)
    mark_edited = Delegate(MessageRepo, MessageRepo.mark_edited)
    mark_deleted = Delegate(MessageRepo, MessageRepo.mark_deleted)
    remember_event = Delegate(MessageRepo, MessageRepo.remember_event)
    forget_event = Delegate(MessageRepo, MessageRepo.forget_event)
    forget_events = Delegate(MessageRepo, MessageRepo.forget_events)
    # outbox
    enqueue = Delegate(OutboxRepo, OutboxRepo.enqueue)
    claim = Delegate(OutboxRepo, OutboxRepo.claim)
    extend_claims = Delegate(OutboxRepo, OutboxRepo.extend_claims)
    complete = Delegate(OutboxRepo, OutboxRepo.complete)
    complete_deliveries = Delegate(OutboxRepo, OutboxRepo.complete_deliveries)
    retry = Delegate(OutboxRepo, OutboxRepo.retry)
    bury = Delegate(OutboxRepo, OutboxRepo.bury)
    outbox_depth = Delegate(OutboxRepo, OutboxRepo.outbox_depth)
    outbox_oldest_pending_at = Delegate(OutboxRepo, OutboxRepo.outbox_oldest_pending_at)
    get_outbox_item = Delegate(OutboxRepo, OutboxRepo.get_outbox_item)
    delivery_failures = Delegate(OutboxRepo, OutboxRepo.delivery_failures)
    # reactions
    set_reaction = Delegate(ReactionRepo, ReactionRepo.set_reaction)
    reaction_channels = Delegate(ReactionRepo, ReactionRepo.reaction_channels)
    # music
    add_shares = Delegate(MusicRepo, MusicRepo.add_shares)
    due_links = Delegate(MusicRepo, MusicRepo.due_links)
    next_link_due = Delegate(MusicRepo, MusicRepo.next_link_due)
    mark_link = Delegate(MusicRepo, MusicRepo.mark_link)
    item_for_link = Delegate(MusicRepo, MusicRepo.item_for_link)
    find_item = Delegate(MusicRepo, MusicRepo.find_item)
    create_item = Delegate(MusicRepo, MusicRepo.create_item)
    enrich_item = Delegate(MusicRepo, MusicRepo.enrich_item)
    add_item_link = Delegate(MusicRepo, MusicRepo.add_item_link)
    get_item = Delegate(MusicRepo, MusicRepo.get_item)
    items_of_message = Delegate(MusicRepo, MusicRepo.items_of_message)
    remove_shares = Delegate(MusicRepo, MusicRepo.remove_shares)
    # chat_tab
    music_tab = Delegate(ChatTabRepo, ChatTabRepo.music_tab)
    # web_tab
    tab_items = Delegate(WebTabRepo, WebTabRepo.tab_items)
    tab_item = Delegate(WebTabRepo, WebTabRepo.tab_item)
    # feed
    recent_shares = Delegate(FeedRepo, FeedRepo.recent_shares)
    # moderation
    record_action = Delegate(ModerationRepo, ModerationRepo.record_action)
    add_effect = Delegate(ModerationRepo, ModerationRepo.add_effect)
    set_effect = Delegate(ModerationRepo, ModerationRepo.set_effect)
    modlog = Delegate(ModerationRepo, ModerationRepo.modlog)
    is_banned = Delegate(ModerationRepo, ModerationRepo.is_banned)
    get_effect = Delegate(ModerationRepo, ModerationRepo.get_effect)
    recent_messages_by = Delegate(ModerationRepo, ModerationRepo.recent_messages_by)
    # timeouts
    set_timeout = Delegate(TimeoutRepo, TimeoutRepo.set_timeout)
    lift_timeout = Delegate(TimeoutRepo, TimeoutRepo.lift_timeout)
    get_timeout = Delegate(TimeoutRepo, TimeoutRepo.get_timeout)
    timeouts_in_group = Delegate(TimeoutRepo, TimeoutRepo.timeouts_in_group)
    # leases
    claim_lease = Delegate(LeaseRepo, LeaseRepo.claim_lease)
    release_lease = Delegate(LeaseRepo, LeaseRepo.release_lease)
    live_leases = Delegate(LeaseRepo, LeaseRepo.live_leases)
    # reports
    create_report = Delegate(ReportRepo, ReportRepo.create_report)
    get_report = Delegate(ReportRepo, ReportRepo.get_report)
    claim_report = Delegate(ReportRepo, ReportRepo.claim_report)
    set_report_outcome = Delegate(ReportRepo, ReportRepo.set_report_outcome)
    add_report_card = Delegate(ReportRepo, ReportRepo.add_report_card)
    report_cards = Delegate(ReportRepo, ReportRepo.report_cards)
    # gates
    set_visibility = Delegate(GateRepo, GateRepo.set_visibility)
    add_invite = Delegate(GateRepo, GateRepo.add_invite)
    invite_group = Delegate(GateRepo, GateRepo.invite_group)
    use_invite = Delegate(GateRepo, GateRepo.use_invite)
    add_join_request = Delegate(GateRepo, GateRepo.add_join_request)
    get_join_request = Delegate(GateRepo, GateRepo.get_join_request)
    pending_join_request = Delegate(GateRepo, GateRepo.pending_join_request)
    decide_join_request = Delegate(GateRepo, GateRepo.decide_join_request)
    # spotify
    save_spotify_account = Delegate(SpotifyRepo, SpotifyRepo.save_spotify_account)
    get_spotify_account = Delegate(SpotifyRepo, SpotifyRepo.get_spotify_account)
    get_spotify_playlist = Delegate(SpotifyRepo, SpotifyRepo.get_spotify_playlist)
    save_spotify_playlist = Delegate(SpotifyRepo, SpotifyRepo.save_spotify_playlist)
    spotify_playlists = Delegate(SpotifyRepo, SpotifyRepo.spotify_playlists)
    # announcements
    create_announcement = Delegate(AnnouncementRepo, AnnouncementRepo.create_announcement)
    get_announcement = Delegate(AnnouncementRepo, AnnouncementRepo.get_announcement)
    list_announcements = Delegate(AnnouncementRepo, AnnouncementRepo.list_announcements)
    scheduled_announcements = Delegate(AnnouncementRepo, AnnouncementRepo.scheduled_announcements)
    announcements_in = Delegate(AnnouncementRepo, AnnouncementRepo.announcements_in)
    move_announcement = Delegate(AnnouncementRepo, AnnouncementRepo.move_announcement)
    member_zone = Delegate(AnnouncementRepo, AnnouncementRepo.member_zone)
    set_member_zone = Delegate(AnnouncementRepo, AnnouncementRepo.set_member_zone)
    # catchup
    links_of = Delegate(CatchUpRepo, CatchUpRepo.links_of)
    channel_marks = Delegate(CatchUpRepo, CatchUpRepo.channel_marks)
    recent_copies = Delegate(CatchUpRepo, CatchUpRepo.recent_copies)
    reactions_of = Delegate(CatchUpRepo, CatchUpRepo.reactions_of)
    get_sync_state = Delegate(CatchUpRepo, CatchUpRepo.get_sync_state)
    set_sync_state = Delegate(CatchUpRepo, CatchUpRepo.set_sync_state)
    # parties
    create_party = Delegate(PartyRepo, PartyRepo.create_party)
    get_party = Delegate(PartyRepo, PartyRepo.get_party)
    save_party = Delegate(PartyRepo, PartyRepo.save_party)
    group_parties = Delegate(PartyRepo, PartyRepo.group_parties)
    live_parties = Delegate(PartyRepo, PartyRepo.live_parties)
    playing_party = Delegate(PartyRepo, PartyRepo.playing_party)
    watch_parties = Delegate(PartyRepo, PartyRepo.watch_parties)
    add_party_card = Delegate(PartyRepo, PartyRepo.add_party_card)
    party_cards = Delegate(PartyRepo, PartyRepo.party_cards)
    card_drawn = Delegate(PartyRepo, PartyRepo.card_drawn)
    add_moment = Delegate(PartyRepo, PartyRepo.add_moment)
    party_moment_count = Delegate(PartyRepo, PartyRepo.party_moment_count)
    item_moments = Delegate(PartyRepo, PartyRepo.item_moments)
    # artist events
    create_artist_event = Delegate(ArtistEventRepo, ArtistEventRepo.create_artist_event)
    get_artist_event = Delegate(ArtistEventRepo, ArtistEventRepo.get_artist_event)
    save_artist_event = Delegate(ArtistEventRepo, ArtistEventRepo.save_artist_event)
    group_artist_events = Delegate(ArtistEventRepo, ArtistEventRepo.group_artist_events)
    pending_artist_events = Delegate(ArtistEventRepo, ArtistEventRepo.pending_artist_events)
    add_event_copy = Delegate(ArtistEventRepo, ArtistEventRepo.add_event_copy)
    event_copies = Delegate(ArtistEventRepo, ArtistEventRepo.event_copies)
    set_event_copy_drawn = Delegate(ArtistEventRepo, ArtistEventRepo.set_event_copy_drawn)
    find_event_copy = Delegate(ArtistEventRepo, ArtistEventRepo.find_event_copy)
    set_event_interest = Delegate(ArtistEventRepo, ArtistEventRepo.set_event_interest)
    event_interest = Delegate(ArtistEventRepo, ArtistEventRepo.event_interest)
    watch_artist_events = Delegate(ArtistEventRepo, ArtistEventRepo.watch_artist_events)
    live_artist_events = Delegate(ArtistEventRepo, ArtistEventRepo.live_artist_events)
    interested_accounts = Delegate(ArtistEventRepo, ArtistEventRepo.interested_accounts)
    # polls
    create_poll = Delegate(PollRepo, PollRepo.create_poll)
    get_poll = Delegate(PollRepo, PollRepo.get_poll)
    save_poll = Delegate(PollRepo, PollRepo.save_poll)
    group_polls = Delegate(PollRepo, PollRepo.group_polls)
    open_polls = Delegate(PollRepo, PollRepo.open_polls)
    native_poll = Delegate(PollRepo, PollRepo.native_poll)
    member_vote = Delegate(PollRepo, PollRepo.member_vote)
    set_vote = Delegate(PollRepo, PollRepo.set_vote)
    set_native_vote = Delegate(PollRepo, PollRepo.set_native_vote)
    poll_counts = Delegate(PollRepo, PollRepo.poll_counts)
    add_poll_card = Delegate(PollRepo, PollRepo.add_poll_card)
    poll_cards = Delegate(PollRepo, PollRepo.poll_cards)
    watch_polls = Delegate(PollRepo, PollRepo.watch_polls)
    # digests
    claim_digest = Delegate(DigestRepo, DigestRepo.claim_digest)
    get_digest = Delegate(DigestRepo, DigestRepo.get_digest)
    group_digests = Delegate(DigestRepo, DigestRepo.group_digests)
    top_shared = Delegate(DigestRepo, DigestRepo.top_shared)
    top_reacted = Delegate(DigestRepo, DigestRepo.top_reacted)
    top_curators = Delegate(DigestRepo, DigestRepo.top_curators)
    share_count = Delegate(DigestRepo, DigestRepo.share_count)
    new_members = Delegate(DigestRepo, DigestRepo.new_members)
    shares_by_week = Delegate(DigestRepo, DigestRepo.shares_by_week)
    top_artists = Delegate(DigestRepo, DigestRepo.top_artists)
    closed_polls = Delegate(DigestSourceRepo, DigestSourceRepo.closed_polls)
    poll_turnout = Delegate(DigestSourceRepo, DigestSourceRepo.poll_turnout)
    upcoming_events = Delegate(DigestSourceRepo, DigestSourceRepo.upcoming_events)
