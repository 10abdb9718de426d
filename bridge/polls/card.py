"""What a poll card says, the same on every platform (the adapters draw it: a Discord embed with
one button per option, Slack blocks with one button per option). Drawn when it is sent or
edited, from the poll and its tally as they are then. The deadline is the platforms' own live
timestamp (Discord ``<t:…:R>``, Slack ``<!date^…>``), so it counts down by itself; a blind poll's
songs show as "Song 1", "Song 2" until it closes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Protocol

from bridge.ids import ChannelRef
from bridge.once import PostOnce
from bridge.polls.model import Poll, PollOption
from bridge.polls.tally import Tally, bar, percent
from bridge.records import MusicItem

NATIVE_NOTE = (
    "Discord's own poll shows only Discord votes: this count adds the votes from the other "
    "platforms."
)


@dataclass(frozen=True, slots=True)
class CardOption:
    index: int
    label: str  # the words, the song ("Artist – Title"), or "Song 2" while blind
    votes: int
    bar: str
    percent: str
    url: str | None = None  # a song's link (hidden while blind)
    artwork_url: str | None = None
    voters: tuple[str, ...] = ()  # empty for an anonymous poll
    winner: bool = False


@dataclass(frozen=True, slots=True)
class PollCard:
    poll_id: int
    question: str
    options: tuple[CardOption, ...]
    total: int
    open: bool
    closes_at: int | None  # unix time (None: until closed by command)
    anonymous: bool
    blind: bool
    author_name: str
    buttons: bool  # vote buttons (not on the platform's own poll's channel, nor once closed)
    native: bool  # relays a platform's own poll: say it counts only its platform's votes

    @property
    def hidden(self) -> bool:
        """A blind poll's song titles are hidden until it closes."""
        return self.blind and self.open


def draw(
    poll: Poll,
    counts: Tally,
    items: Mapping[int, MusicItem],
    *,
    buttons: bool = True,
) -> PollCard:
    hidden = poll.draft.blind and poll.is_open
    winners = () if poll.is_open else counts.winners
    options = tuple(
        _option(i, o, counts, items.get(o.item_id) if o.item_id else None, hidden, poll)
        for i, o in enumerate(poll.options)
    )
    closes = poll.draft.closes_at
    return PollCard(
        poll_id=poll.id,
        question=poll.draft.question,
        options=tuple(_won(o, winners) for o in options),
        total=counts.total,
        open=poll.is_open,
        closes_at=round(closes) if closes is not None else None,
        anonymous=poll.draft.anonymous,
        blind=poll.draft.blind,
        author_name=poll.draft.author_name,
        buttons=buttons and poll.is_open,
        native=poll.draft.native is not None,
    )


def _option(
    index: int,
    option: PollOption,
    counts: Tally,
    item: MusicItem | None,
    hidden: bool,
    poll: Poll,
) -> CardOption:
    share = counts.share(index)
    label = f"Song {index + 1}" if hidden else option.label
    url = item.links[0].url if item is not None and item.links and not hidden else None
    art = item.artwork_url if item is not None and not hidden else None
    voters = () if poll.draft.anonymous else counts.voters[index]
    return CardOption(
        index=index,
        label=label,
        votes=counts.votes[index],
        bar=bar(share),
        percent=percent(share),
        url=url,
        artwork_url=art,
        voters=voters,
    )


def _won(option: CardOption, winners: tuple[int, ...]) -> CardOption:
    return replace(option, winner=True) if option.index in winners else option


def results_line(card: PollCard) -> str:
    """The results in one line of chat markdown: "Poll #3 closed: *Yes* wins (4 of 7 votes)"."""
    won = [o for o in card.options if o.winner]
    head = f"📊 Poll #{card.poll_id} closed"
    if not won:
        return f"{head}: no votes."
    names = " and ".join(f"*{o.label}*" for o in won)
    verb = "win" if len(won) > 1 else "wins"
    return f"{head}: {names} {verb} ({won[0].votes} of {card.total} votes)."


class PollCards(Protocol):
    """A platform's side of the poll cards (the adapters draw them); each call maps the
    platform's refusals and outages onto PermanentError / TransientError / RateLimited."""

    async def post_card(self, channel: ChannelRef, card: PollCard, *, once: PostOnce) -> str:
        """Post the card (at most once for ``once``: see bridge.once); its platform id."""
        ...

    async def update_card(self, channel: ChannelRef, card_id: str, card: PollCard) -> None: ...

    async def post_results(self, channel: ChannelRef, card: PollCard, *, once: PostOnce) -> str: ...
