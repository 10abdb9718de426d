"""The party's clock: where playback is, and how pauses, skips and track ends move it."""

from __future__ import annotations

from dataclasses import replace

from bridge.ids import Platform, UserRef
from bridge.party import clock
from bridge.party.card import at_position, listen_links
from bridge.party.model import REMINDERS, Party, PartyDraft, PartyState, QueuedTrack
from bridge.records import ItemLink

HOST = UserRef(Platform.DISCORD, "g1", "u1")
T0 = 1_800_000_000.0


def party(*lengths_s: int, starts_at: float = T0) -> Party:
    queue = tuple(QueuedTrack(i + 1, s * 1000, "Ann") for i, s in enumerate(lengths_s))
    draft = PartyDraft(group_id=1, host=HOST, host_name="Ann", queue=queue, starts_at=starts_at)
    return Party(
        id=7,
        draft=draft,
        state=PartyState.SCHEDULED,
        queue=queue,
        index=0,
        track_zero_at=starts_at,
        paused_at=None,
        version=1,
    )


def test_position_counts_from_the_start_and_stops_at_the_length() -> None:
    p = clock.started(party(200, 100), T0)
    assert clock.position_ms(p, T0 + 42) == 42_000
    assert clock.position_ms(p, T0 + 500) == 200_000
    assert clock.track_ends_at(p) == T0 + 200


def test_a_pause_keeps_the_position_and_resume_goes_on_from_it() -> None:
    p = clock.paused(clock.started(party(200), T0), T0 + 30)
    assert clock.position_ms(p, T0 + 300) == 30_000
    assert clock.track_ends_at(p) is None
    r = clock.resumed(p, T0 + 100)
    assert clock.position_ms(r, T0 + 110) == 40_000
    assert clock.track_ends_at(r) == T0 + 270


def test_tracks_follow_each_other_at_their_exact_ends_even_after_a_long_gap() -> None:
    p = clock.started(party(100, 50, 80), T0)
    later = clock.played_through(p, T0 + 160)  # down through the first two tracks' change
    assert later.index == 2 and later.state is PartyState.PLAYING
    assert clock.position_ms(later, T0 + 160) == 10_000  # 100 + 50 ended at T0+150
    over = clock.played_through(p, T0 + 1000)
    assert over.state is PartyState.ENDED and over.ended_at == T0 + 230


def test_skip_starts_the_next_track_now_and_the_last_skip_ends_the_party() -> None:
    p = clock.skipped(clock.started(party(100, 50), T0), T0 + 10)
    assert p.index == 1 and clock.position_ms(p, T0 + 15) == 5_000
    assert clock.skipped(p, T0 + 20).state is PartyState.ENDED


def test_a_scheduled_party_is_due_at_its_reminders_then_its_start() -> None:
    p = party(100, starts_at=T0 + 7200)
    assert clock.next_due(p, REMINDERS) == T0 + 3600
    assert clock.next_due(replace(p, reminded=1), REMINDERS) == T0 + 7200 - 600
    assert clock.next_due(replace(p, reminded=2), REMINDERS) == T0 + 7200


def test_listen_links_open_at_the_position_where_the_platform_can() -> None:
    yt = ItemLink("youtube", "track", "abc", "https://www.youtube.com/watch?v=abc")
    sc = ItemLink("soundcloud", "track", "x/y", "https://soundcloud.com/x/y")
    sp = ItemLink("spotify", "track", "id", "https://open.spotify.com/track/id")
    assert at_position(yt, 42_500) == "https://www.youtube.com/watch?v=abc&t=42s"
    assert at_position(sc, 83_000) == "https://soundcloud.com/x/y#t=1:23"
    assert at_position(sp, 42_000) == sp.url
    labels = [link.label for link in listen_links((yt, sc, sp, yt), 0)]
    assert labels == ["YouTube", "SoundCloud", "Spotify"]
