"""What a now-playing card says, the same on every platform (the adapters draw it: a Discord
embed with buttons, Slack blocks with buttons). Built when the card is sent or edited, from the
party as it is then: the card is edited in place on pause, resume, skip and at the track's end,
never on a timer. The elapsed time is the platforms' own live timestamp of when the track's
position was 0 (Discord ``<t:…:R>``, Slack ``<!date^…>``), so it counts on by itself."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bridge.ids import ChannelRef
from bridge.music.service import PLATFORM_NAMES
from bridge.once import PostOnce
from bridge.party.clock import position_ms
from bridge.party.model import Party, PartyState, QueuedTrack
from bridge.records import ItemLink, MusicItem


class CardState(StrEnum):
    PLAYING = "playing"
    PAUSED = "paused"
    PLAYED = "played"  # the track is over (it ended, was skipped, or the party stopped)


@dataclass(frozen=True, slots=True)
class ListenLink:
    label: str  # "YouTube"
    url: str  # at the current position where the platform supports it


@dataclass(frozen=True, slots=True)
class NowPlayingCard:
    party_id: int
    index: int  # the track's place in the queue (0-based)
    queue_length: int
    state: CardState
    title: str
    artists: tuple[str, ...]
    artwork_url: str | None
    length_ms: int
    position_ms: int  # at the time the card was drawn (paused: where it stopped)
    zero_at: int  # unix time the position was 0: the platforms' live "started ... ago"
    queued_by: str
    by_artist: bool
    host_name: str
    listen: tuple[ListenLink, ...]
    room_url: str | None
    next_title: str | None = None

    @property
    def fingerprint(self) -> str:
        """What a reader sees change: a card drawn again with the same fingerprint needs no
        edit (the listen-along links' positions aside, which no edit keeps current)."""
        at = self.position_ms if self.state is CardState.PAUSED else 0
        zero = self.zero_at if self.state is CardState.PLAYING else 0
        shown = (self.state.value, self.index, self.queue_length, at, zero, self.next_title)
        return repr((*shown, self.title, self.room_url))

    @property
    def controls(self) -> bool:
        """Pause / resume / skip / stop buttons: only while the track is current."""
        return self.state is not CardState.PLAYED


@dataclass(frozen=True, slots=True)
class PartyNotice:
    """A party's line in every channel: a reminder, its start, its closing summary."""

    party_id: int
    text: str  # chat markdown shared by both platforms: *bold*, <url|label> is not used
    room_url: str | None


def card_state(party: Party, index: int) -> CardState:
    if index != party.index or party.state is PartyState.ENDED:
        return CardState.PLAYED
    return CardState.PAUSED if party.state is PartyState.PAUSED else CardState.PLAYING


def now_playing(
    party: Party,
    index: int,
    item: MusicItem | None,
    *,
    now: float,
    room_url: str | None,
    next_item: MusicItem | None = None,
) -> NowPlayingCard:
    track: QueuedTrack = party.queue[index]
    state = card_state(party, index)
    position = position_ms(party, now) if state is not CardState.PLAYED else track.length_ms
    return NowPlayingCard(
        party_id=party.id,
        index=index,
        queue_length=len(party.queue),
        state=state,
        title=item.title if item else "(a song no longer known)",
        artists=item.artists if item else (),
        artwork_url=item.artwork_url if item else None,
        length_ms=track.length_ms,
        position_ms=position,
        zero_at=round(party.track_zero_at if state is CardState.PLAYING else now - position / 1000),
        queued_by=track.queued_by,
        by_artist=track.by_artist,
        host_name=party.draft.host_name,
        listen=listen_links(item.links if item else (), position),
        room_url=room_url,
        next_title=next_item.title if next_item else None,
    )


def listen_links(links: tuple[ItemLink, ...], at_ms: int) -> tuple[ListenLink, ...]:
    """One link per platform the song is on, opening at ``at_ms`` where the platform can."""
    seen: dict[str, ListenLink] = {}
    for link in links:
        if link.platform not in seen and link.kind == "track":
            label = PLATFORM_NAMES.get(link.platform, link.platform)
            seen[link.platform] = ListenLink(label, at_position(link, at_ms))
    return tuple(seen.values())


def at_position(link: ItemLink, at_ms: int) -> str:
    """YouTube's ``t=<s>`` and SoundCloud's ``#t=m:ss``; other platforms open at the start."""
    seconds = at_ms // 1000
    if seconds <= 0:
        return link.url
    parts = urlsplit(link.url)
    if link.platform in ("youtube", "youtube_music"):
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "t"] + [("t", f"{seconds}s")]
        return urlunsplit(parts._replace(query=urlencode(query)))
    if link.platform == "soundcloud":
        return urlunsplit(parts._replace(fragment=f"t={seconds // 60}:{seconds % 60:02d}"))
    return link.url


def clock_text(ms: int) -> str:
    seconds = max(0, ms // 1000)
    return f"{seconds // 60}:{seconds % 60:02d}"


class PartyCards(Protocol):
    """A platform's side of the party cards (the adapters draw them); each call maps the
    platform's refusals and outages onto PermanentError / TransientError / RateLimited."""

    async def post_card(self, channel: ChannelRef, card: NowPlayingCard, *, once: PostOnce) -> str:
        """Post the card (at most once for ``once``: see bridge.once); its platform id."""
        ...

    async def update_card(
        self, channel: ChannelRef, card_id: str, card: NowPlayingCard
    ) -> None: ...

    async def post_notice(
        self, channel: ChannelRef, notice: PartyNotice, *, once: PostOnce
    ) -> str: ...
