"""The party's clock, pure: where playback is at a moment, and how the party moves on. Times are
on the bridge's clock (seconds); positions in milliseconds. A track ends exactly at its length,
and the next starts at that instant (not when a timer happened to fire), so a bridge that was
down for three songs comes back at the right song and position."""

from __future__ import annotations

from dataclasses import replace

from bridge.party.model import Party, PartyState


def position_ms(party: Party, now: float) -> int:
    """The current track's position at ``now`` (0 before the party starts or after it ends)."""
    track = party.track
    if track is None or party.state in (PartyState.SCHEDULED, PartyState.ENDED):
        return 0
    at = party.paused_at if party.paused_at is not None else now
    return max(0, min(track.length_ms, round((at - party.track_zero_at) * 1000)))


def track_ends_at(party: Party) -> float | None:
    """When the current track ends (None while paused or not playing)."""
    track = party.track
    if party.state is not PartyState.PLAYING or track is None:
        return None
    return party.track_zero_at + track.length_ms / 1000


def started(party: Party, at: float) -> Party:
    return replace(party, state=PartyState.PLAYING, index=0, track_zero_at=at, paused_at=None)


def paused(party: Party, at: float) -> Party:
    return replace(party, state=PartyState.PAUSED, paused_at=at)


def resumed(party: Party, at: float) -> Party:
    held = at - (party.paused_at if party.paused_at is not None else at)
    return replace(
        party,
        state=PartyState.PLAYING,
        paused_at=None,
        track_zero_at=party.track_zero_at + held,
    )


def skipped(party: Party, at: float) -> Party:
    """The next track starts now (from a pause too: skipping plays)."""
    following = replace(party, index=party.index + 1, track_zero_at=at, paused_at=None)
    if following.track is None:
        return ended(following, at)
    return replace(following, state=PartyState.PLAYING)


def ended(party: Party, at: float) -> Party:
    return replace(
        party, state=PartyState.ENDED, index=len(party.queue), paused_at=None, ended_at=at
    )


def played_through(party: Party, now: float) -> Party:
    """Every track that ended by ``now`` is over: the party is at the one playing now (each
    starting when the one before ended), or ended when the queue ran out."""
    while party.state is PartyState.PLAYING:
        ends = track_ends_at(party)
        if ends is None or ends > now:
            return party
        party = replace(party, index=party.index + 1, track_zero_at=ends)
        if party.track is None:
            return ended(party, ends)
    return party


def next_due(party: Party, reminders: tuple[float, ...]) -> float | None:
    """When the party next needs the timer: a reminder, its start, its track's end."""
    if party.state is PartyState.SCHEDULED:
        starts = party.draft.starts_at
        left = [starts - before for before in reminders[party.reminded :]]
        return min([*left, starts])
    return track_ends_at(party)
