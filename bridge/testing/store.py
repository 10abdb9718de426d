"""``MemoryStore``: the whole store in memory, one slice per concern over shared tables. It
passes the same contract suite as the SQL store (tests/contract), so a service's decisions can
be unit-tested with it in milliseconds."""

from __future__ import annotations

from bridge.parts import Composite, Delegate
from bridge.ports.clock import Clock, SystemClock
from bridge.ports.store import Store
from bridge.testing.announcements import MemoryAnnouncements
from bridge.testing.artist_events import MemoryArtistEvents
from bridge.testing.catchup import MemoryCatchUp
from bridge.testing.digests import MemoryDigests, MemoryDigestSources
from bridge.testing.gates import MemoryGates
from bridge.testing.groups import MemoryGroups
from bridge.testing.identity import MemoryIdentity
from bridge.testing.leases import MemoryLeases
from bridge.testing.members import MemoryMembers
from bridge.testing.messages import MemoryEvents, MemoryMessages
from bridge.testing.moderation import MemoryModeration
from bridge.testing.music import MemoryMusic
from bridge.testing.outbox import MemoryOutbox
from bridge.testing.parties import MemoryParties
from bridge.testing.polls import MemoryPolls
from bridge.testing.reactions import MemoryReactions
from bridge.testing.reports import MemoryReports
from bridge.testing.spotify import MemorySpotify
from bridge.testing.tab import MemoryTab
from bridge.testing.tables import Tables
from bridge.testing.timeouts import MemoryTimeouts


class MemoryStore(Composite):
    def __init__(self, clock: Clock | None = None) -> None:
        self.tables = Tables(clock or SystemClock())
        t = self.tables
        polls, events = MemoryPolls(t), MemoryArtistEvents(t)
        super().__init__(
            MemoryGroups(t), MemoryMembers(t), MemoryIdentity(t), MemoryMessages(t),
            MemoryEvents(t), MemoryOutbox(t), MemoryReactions(t), MemoryMusic(t), MemoryTab(t),
            MemoryModeration(t), MemoryGates(t), MemoryReports(t), MemoryAnnouncements(t),
            MemorySpotify(), MemoryCatchUp(t), MemoryTimeouts(t), MemoryLeases(t),
            MemoryParties(t), events, polls, MemoryDigests(t), MemoryDigestSources(polls, events),
        )  # fmt: skip

    async def close(self) -> None:
        pass

    # groups
    create_group = Delegate(MemoryGroups, MemoryGroups.create_group)
    get_group = Delegate(MemoryGroups, MemoryGroups.get_group)
    get_group_by_id = Delegate(MemoryGroups, MemoryGroups.get_group_by_id)
    list_groups = Delegate(MemoryGroups, MemoryGroups.list_groups)
    groups_in_workspace = Delegate(MemoryGroups, MemoryGroups.groups_in_workspace)
    groups_with_setting = Delegate(MemoryGroups, MemoryGroups.groups_with_setting)
    link_channel = Delegate(MemoryGroups, MemoryGroups.link_channel)
    unlink_channel = Delegate(MemoryGroups, MemoryGroups.unlink_channel)
    link_for_channel = Delegate(MemoryGroups, MemoryGroups.link_for_channel)
    links_for_group = Delegate(MemoryGroups, MemoryGroups.links_for_group)
    set_webhook_ref = Delegate(MemoryGroups, MemoryGroups.set_webhook_ref)
    set_channel_name = Delegate(MemoryGroups, MemoryGroups.set_channel_name)
    unnamed_links = Delegate(MemoryGroups, MemoryGroups.unnamed_links)
    set_channel_names = Delegate(MemoryGroups, MemoryGroups.set_channel_names)
    update_settings = Delegate(MemoryGroups, MemoryGroups.update_settings)
    # members
    upsert_account = Delegate(MemoryMembers, MemoryMembers.upsert_account)
    get_account = Delegate(MemoryMembers, MemoryMembers.get_account)
    accounts_of_member = Delegate(MemoryMembers, MemoryMembers.accounts_of_member)
    merge_members = Delegate(MemoryMembers, MemoryMembers.merge_members)
    grant_role = Delegate(MemoryMembers, MemoryMembers.grant_role)
    revoke_role = Delegate(MemoryMembers, MemoryMembers.revoke_role)
    roles_in_group = Delegate(MemoryMembers, MemoryMembers.roles_in_group)
    # identity
    add_link_code = Delegate(MemoryIdentity, MemoryIdentity.add_link_code)
    get_link_code = Delegate(MemoryIdentity, MemoryIdentity.get_link_code)
    use_link_code = Delegate(MemoryIdentity, MemoryIdentity.use_link_code)
    split_account = Delegate(MemoryIdentity, MemoryIdentity.split_account)
    # messages
    record_message = Delegate(MemoryMessages, MemoryMessages.record_message)
    record_messages = Delegate(MemoryMessages, MemoryMessages.record_messages)
    get_message = Delegate(MemoryMessages, MemoryMessages.get_message)
    add_copy = Delegate(MemoryMessages, MemoryMessages.add_copy)
    find_copy = Delegate(MemoryMessages, MemoryMessages.find_copy)
    copies_of = Delegate(MemoryMessages, MemoryMessages.copies_of)
    mark_edited = Delegate(MemoryMessages, MemoryMessages.mark_edited)
    mark_deleted = Delegate(MemoryMessages, MemoryMessages.mark_deleted)
    # events
    remember_event = Delegate(MemoryEvents, MemoryEvents.remember_event)
    forget_event = Delegate(MemoryEvents, MemoryEvents.forget_event)
    forget_events = Delegate(MemoryEvents, MemoryEvents.forget_events)
    # outbox
    enqueue = Delegate(MemoryOutbox, MemoryOutbox.enqueue)
    claim = Delegate(MemoryOutbox, MemoryOutbox.claim)
    extend_claims = Delegate(MemoryOutbox, MemoryOutbox.extend_claims)
    complete = Delegate(MemoryOutbox, MemoryOutbox.complete)
    complete_deliveries = Delegate(MemoryOutbox, MemoryOutbox.complete_deliveries)
    retry = Delegate(MemoryOutbox, MemoryOutbox.retry)
    bury = Delegate(MemoryOutbox, MemoryOutbox.bury)
    outbox_depth = Delegate(MemoryOutbox, MemoryOutbox.outbox_depth)
    outbox_oldest_pending_at = Delegate(MemoryOutbox, MemoryOutbox.outbox_oldest_pending_at)
    get_outbox_item = Delegate(MemoryOutbox, MemoryOutbox.get_outbox_item)
    delivery_failures = Delegate(MemoryOutbox, MemoryOutbox.delivery_failures)
    # reactions
    set_reaction = Delegate(MemoryReactions, MemoryReactions.set_reaction)
    reaction_channels = Delegate(MemoryReactions, MemoryReactions.reaction_channels)
    reactions_of = Delegate(MemoryReactions, MemoryReactions.reactions_of)
    # music
    add_shares = Delegate(MemoryMusic, MemoryMusic.add_shares)
    due_links = Delegate(MemoryMusic, MemoryMusic.due_links)
    next_link_due = Delegate(MemoryMusic, MemoryMusic.next_link_due)
    mark_link = Delegate(MemoryMusic, MemoryMusic.mark_link)
    item_for_link = Delegate(MemoryMusic, MemoryMusic.item_for_link)
    find_item = Delegate(MemoryMusic, MemoryMusic.find_item)
    create_item = Delegate(MemoryMusic, MemoryMusic.create_item)
    enrich_item = Delegate(MemoryMusic, MemoryMusic.enrich_item)
    add_item_link = Delegate(MemoryMusic, MemoryMusic.add_item_link)
    get_item = Delegate(MemoryMusic, MemoryMusic.get_item)
    items_of_message = Delegate(MemoryMusic, MemoryMusic.items_of_message)
    remove_shares = Delegate(MemoryMusic, MemoryMusic.remove_shares)
    music_tab = Delegate(MemoryMusic, MemoryMusic.music_tab)
    # tab
    tab_items = Delegate(MemoryTab, MemoryTab.tab_items)
    tab_item = Delegate(MemoryTab, MemoryTab.tab_item)
    recent_shares = Delegate(MemoryTab, MemoryTab.recent_shares)
    # moderation
    record_action = Delegate(MemoryModeration, MemoryModeration.record_action)
    add_effect = Delegate(MemoryModeration, MemoryModeration.add_effect)
    set_effect = Delegate(MemoryModeration, MemoryModeration.set_effect)
    get_effect = Delegate(MemoryModeration, MemoryModeration.get_effect)
    modlog = Delegate(MemoryModeration, MemoryModeration.modlog)
    is_banned = Delegate(MemoryModeration, MemoryModeration.is_banned)
    recent_messages_by = Delegate(MemoryModeration, MemoryModeration.recent_messages_by)
    # gates
    set_visibility = Delegate(MemoryGates, MemoryGates.set_visibility)
    add_invite = Delegate(MemoryGates, MemoryGates.add_invite)
    invite_group = Delegate(MemoryGates, MemoryGates.invite_group)
    use_invite = Delegate(MemoryGates, MemoryGates.use_invite)
    add_join_request = Delegate(MemoryGates, MemoryGates.add_join_request)
    get_join_request = Delegate(MemoryGates, MemoryGates.get_join_request)
    pending_join_request = Delegate(MemoryGates, MemoryGates.pending_join_request)
    decide_join_request = Delegate(MemoryGates, MemoryGates.decide_join_request)
    # reports
    create_report = Delegate(MemoryReports, MemoryReports.create_report)
    get_report = Delegate(MemoryReports, MemoryReports.get_report)
    claim_report = Delegate(MemoryReports, MemoryReports.claim_report)
    set_report_outcome = Delegate(MemoryReports, MemoryReports.set_report_outcome)
    add_report_card = Delegate(MemoryReports, MemoryReports.add_report_card)
    report_cards = Delegate(MemoryReports, MemoryReports.report_cards)
    # announcements
    create_announcement = Delegate(MemoryAnnouncements, MemoryAnnouncements.create_announcement)
    get_announcement = Delegate(MemoryAnnouncements, MemoryAnnouncements.get_announcement)
    list_announcements = Delegate(MemoryAnnouncements, MemoryAnnouncements.list_announcements)
    scheduled_announcements = Delegate(
        MemoryAnnouncements, MemoryAnnouncements.scheduled_announcements
    )
    announcements_in = Delegate(MemoryAnnouncements, MemoryAnnouncements.announcements_in)
    move_announcement = Delegate(MemoryAnnouncements, MemoryAnnouncements.move_announcement)
    member_zone = Delegate(MemoryAnnouncements, MemoryAnnouncements.member_zone)
    set_member_zone = Delegate(MemoryAnnouncements, MemoryAnnouncements.set_member_zone)
    # spotify
    save_spotify_account = Delegate(MemorySpotify, MemorySpotify.save_spotify_account)
    get_spotify_account = Delegate(MemorySpotify, MemorySpotify.get_spotify_account)
    get_spotify_playlist = Delegate(MemorySpotify, MemorySpotify.get_spotify_playlist)
    save_spotify_playlist = Delegate(MemorySpotify, MemorySpotify.save_spotify_playlist)
    spotify_playlists = Delegate(MemorySpotify, MemorySpotify.spotify_playlists)
    # catchup
    links_of = Delegate(MemoryCatchUp, MemoryCatchUp.links_of)
    channel_marks = Delegate(MemoryCatchUp, MemoryCatchUp.channel_marks)
    recent_copies = Delegate(MemoryCatchUp, MemoryCatchUp.recent_copies)
    get_sync_state = Delegate(MemoryCatchUp, MemoryCatchUp.get_sync_state)
    set_sync_state = Delegate(MemoryCatchUp, MemoryCatchUp.set_sync_state)
    # timeouts
    set_timeout = Delegate(MemoryTimeouts, MemoryTimeouts.set_timeout)
    lift_timeout = Delegate(MemoryTimeouts, MemoryTimeouts.lift_timeout)
    get_timeout = Delegate(MemoryTimeouts, MemoryTimeouts.get_timeout)
    timeouts_in_group = Delegate(MemoryTimeouts, MemoryTimeouts.timeouts_in_group)
    # leases
    claim_lease = Delegate(MemoryLeases, MemoryLeases.claim_lease)
    release_lease = Delegate(MemoryLeases, MemoryLeases.release_lease)
    live_leases = Delegate(MemoryLeases, MemoryLeases.live_leases)
    # parties
    create_party = Delegate(MemoryParties, MemoryParties.create_party)
    get_party = Delegate(MemoryParties, MemoryParties.get_party)
    save_party = Delegate(MemoryParties, MemoryParties.save_party)
    group_parties = Delegate(MemoryParties, MemoryParties.group_parties)
    live_parties = Delegate(MemoryParties, MemoryParties.live_parties)
    playing_party = Delegate(MemoryParties, MemoryParties.playing_party)
    watch_parties = Delegate(MemoryParties, MemoryParties.watch_parties)
    add_party_card = Delegate(MemoryParties, MemoryParties.add_party_card)
    party_cards = Delegate(MemoryParties, MemoryParties.party_cards)
    card_drawn = Delegate(MemoryParties, MemoryParties.card_drawn)
    add_moment = Delegate(MemoryParties, MemoryParties.add_moment)
    party_moment_count = Delegate(MemoryParties, MemoryParties.party_moment_count)
    item_moments = Delegate(MemoryParties, MemoryParties.item_moments)
    # artist events
    create_artist_event = Delegate(MemoryArtistEvents, MemoryArtistEvents.create_artist_event)
    get_artist_event = Delegate(MemoryArtistEvents, MemoryArtistEvents.get_artist_event)
    save_artist_event = Delegate(MemoryArtistEvents, MemoryArtistEvents.save_artist_event)
    group_artist_events = Delegate(MemoryArtistEvents, MemoryArtistEvents.group_artist_events)
    pending_artist_events = Delegate(MemoryArtistEvents, MemoryArtistEvents.pending_artist_events)
    add_event_copy = Delegate(MemoryArtistEvents, MemoryArtistEvents.add_event_copy)
    event_copies = Delegate(MemoryArtistEvents, MemoryArtistEvents.event_copies)
    set_event_copy_drawn = Delegate(MemoryArtistEvents, MemoryArtistEvents.set_event_copy_drawn)
    find_event_copy = Delegate(MemoryArtistEvents, MemoryArtistEvents.find_event_copy)
    set_event_interest = Delegate(MemoryArtistEvents, MemoryArtistEvents.set_event_interest)
    event_interest = Delegate(MemoryArtistEvents, MemoryArtistEvents.event_interest)
    watch_artist_events = Delegate(MemoryArtistEvents, MemoryArtistEvents.watch_artist_events)
    live_artist_events = Delegate(MemoryArtistEvents, MemoryArtistEvents.live_artist_events)
    interested_accounts = Delegate(MemoryArtistEvents, MemoryArtistEvents.interested_accounts)

    # polls
    create_poll = Delegate(MemoryPolls, MemoryPolls.create_poll)
    get_poll = Delegate(MemoryPolls, MemoryPolls.get_poll)
    save_poll = Delegate(MemoryPolls, MemoryPolls.save_poll)
    group_polls = Delegate(MemoryPolls, MemoryPolls.group_polls)
    open_polls = Delegate(MemoryPolls, MemoryPolls.open_polls)
    native_poll = Delegate(MemoryPolls, MemoryPolls.native_poll)
    member_vote = Delegate(MemoryPolls, MemoryPolls.member_vote)
    set_vote = Delegate(MemoryPolls, MemoryPolls.set_vote)
    set_native_vote = Delegate(MemoryPolls, MemoryPolls.set_native_vote)
    poll_counts = Delegate(MemoryPolls, MemoryPolls.poll_counts)
    add_poll_card = Delegate(MemoryPolls, MemoryPolls.add_poll_card)
    poll_cards = Delegate(MemoryPolls, MemoryPolls.poll_cards)
    watch_polls = Delegate(MemoryPolls, MemoryPolls.watch_polls)
    # digests
    claim_digest = Delegate(MemoryDigests, MemoryDigests.claim_digest)
    get_digest = Delegate(MemoryDigests, MemoryDigests.get_digest)
    group_digests = Delegate(MemoryDigests, MemoryDigests.group_digests)
    top_shared = Delegate(MemoryDigests, MemoryDigests.top_shared)
    top_reacted = Delegate(MemoryDigests, MemoryDigests.top_reacted)
    top_curators = Delegate(MemoryDigests, MemoryDigests.top_curators)
    share_count = Delegate(MemoryDigests, MemoryDigests.share_count)
    new_members = Delegate(MemoryDigests, MemoryDigests.new_members)
    shares_by_week = Delegate(MemoryDigests, MemoryDigests.shares_by_week)
    top_artists = Delegate(MemoryDigests, MemoryDigests.top_artists)
    closed_polls = Delegate(MemoryDigestSources, MemoryDigestSources.closed_polls)
    poll_turnout = Delegate(MemoryDigestSources, MemoryDigestSources.poll_turnout)
    upcoming_events = Delegate(MemoryDigestSources, MemoryDigestSources.upcoming_events)


def as_store(store: MemoryStore) -> Store:
    """The memory store as the core's ``Store``: mypy checks here that it has every slice."""
    return store
