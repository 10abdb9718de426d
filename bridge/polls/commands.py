"""`/fangroup poll ...` from either platform, and the cards' vote buttons (which send
``poll vote`` with the poll and the option): create, close, vote. Options that are music links
are looked up like a party's songs and shown as song cards."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bridge.durations import DurationError, describe_duration, parse_duration
from bridge.events import CommandInvoked
from bridge.groups.commands import row_id
from bridge.groups.replies import NOT_LINKED
from bridge.groups.roles import GroupRoles
from bridge.music.links.find import find_music_links
from bridge.outcome import Outcome, Reply
from bridge.party.sources import SongFinder
from bridge.polls import text
from bridge.polls.model import MAX_LABEL, MAX_QUESTION, Poll, PollDraft, PollOption
from bridge.polls.parse import as_args, parse_poll_text, split_options
from bridge.polls.service import PollService, Voted
from bridge.records import FanGroup, MusicItem

Handler = Callable[[CommandInvoked, FanGroup], Awaitable[Outcome]]
MAX_DURATION = 32 * 86400.0  # Discord's own polls last at most 32 days (768 hours)
TRUE = ("true", "yes", "1", "on")
VOTED = {
    Voted.CAST: "Your vote for *{label}* is in.",
    Voted.CHANGED: "Your vote is now *{label}*.",
    Voted.WITHDRAWN: "Your vote is withdrawn.",
    Voted.CLOSED: text.CLOSED,
    Voted.UNKNOWN: text.NO_POLL,
}


class PollCommands:
    def __init__(self, service: PollService, songs: SongFinder) -> None:
        self.service = service
        self.store = service.store
        self.songs = songs
        self.roles = GroupRoles(service.store)
        self._table: dict[str, Handler] = {
            "create": self._create,
            "close": self._close,
            "vote": self._vote,
        }

    def commands(self) -> dict[str, Callable[[CommandInvoked], Awaitable[Outcome]]]:
        return {"poll": self.poll}

    async def poll(self, event: CommandInvoked) -> Outcome:
        sub = event.path[1] if len(event.path) > 1 else "create"
        handler = self._table.get(sub)
        if handler is None:
            return Reply(text.USAGE)
        link = await self.store.link_for_channel(event.channel)
        group = await self.store.get_group_by_id(link.group_id) if link else None
        if group is None:
            return Reply(NOT_LINKED)
        return await handler(event, group)

    # -- create ------------------------------------------------------------------------------
    async def _create(self, event: CommandInvoked, group: FanGroup) -> Outcome:
        args = event.args
        if "text" in args:  # Slack: the whole line
            args = as_args(parse_poll_text(args["text"]))
        draft = await self._draft(event, group, args)
        if isinstance(draft, Reply):
            return draft
        poll = await self.service.create(draft)
        return Reply(_created(poll), ephemeral=False)

    async def _draft(
        self, event: CommandInvoked, group: FanGroup, args: dict[str, str]
    ) -> PollDraft | Reply:
        """The poll the arguments ask for, or the reply saying what is wrong with them."""
        question = args.get("question", "").strip()[:MAX_QUESTION]
        words = split_options(args.get("options", ""))
        problem = text.count_problem(len(words)) if question else text.USAGE
        if problem:
            return Reply(problem)
        closes_at = self._closes_at(args.get("duration", ""))
        if isinstance(closes_at, Reply):
            return closes_at
        options = await self._options(words)
        if isinstance(options, Reply):
            return options
        blind = args.get("blind", "").lower() in TRUE
        if blind and not all(o.item_id is not None for o in options):
            return Reply(text.BLIND_SONGS)
        account = await self.store.upsert_account(
            user=event.user, display_name=event.display_name or event.user.user
        )
        return PollDraft(
            group_id=group.id,
            question=question,
            options=options,
            author=event.user,
            author_name=account.display_name,
            closes_at=closes_at,
            anonymous=args.get("anonymous", "").lower() in TRUE,
            blind=blind,
            origin=event.channel,
        )

    def _closes_at(self, duration: str) -> float | Reply | None:
        if not duration.strip():
            return None
        try:
            seconds = parse_duration(duration)
        except DurationError as exc:
            return Reply(str(exc))
        if seconds > MAX_DURATION:
            return Reply(f"A poll lasts at most {describe_duration(MAX_DURATION)}.")
        return self.service.clock.now() + seconds

    async def _options(self, words: tuple[str, ...]) -> tuple[PollOption, ...] | Reply:
        options = []
        for word in words:
            if not find_music_links(word):
                options.append(PollOption(label=word[:MAX_LABEL]))
                continue
            found = await self.songs.from_links(word)
            if not found.songs:
                return Reply("That option is not a song: " + "; ".join(found.problems) + ".")
            options.append(PollOption(label=song_label(found.songs[0]), item_id=found.songs[0].id))
        return tuple(options)

    # -- close and vote ----------------------------------------------------------------------
    async def _close(self, event: CommandInvoked, group: FanGroup) -> Outcome:
        poll = await self._named(event, group)
        if poll is None:
            return Reply(text.NO_POLL)
        if not poll.is_open:
            return Reply(text.CLOSED)
        if not (event.can_moderate or await self._is_author(poll, group, event)):
            return Reply(text.NOT_AUTHOR)
        await self.service.close(poll.id)
        return Reply(f"Poll #{poll.id} is closed: the results are posted.")

    async def _is_author(self, poll: Poll, group: FanGroup, event: CommandInvoked) -> bool:
        if event.user == poll.draft.author or await self.roles.is_moderator(group, event.user):
            return True
        mine = await self.store.get_account(event.user)
        theirs = await self.store.get_account(poll.draft.author)
        return mine is not None and theirs is not None and mine.member_id == theirs.member_id

    async def _vote(self, event: CommandInvoked, group: FanGroup) -> Outcome:
        poll = await self._named(event, group)
        raw = event.args.get("option", "")
        option = int(raw) if raw.isdigit() and len(raw) <= 2 else None
        if poll is None or option is None:
            return Reply(text.NO_POLL)
        name = event.display_name or event.user.user
        result = await self.service.vote(poll.id, event.user, name, option)
        label = _label(poll, result.option)
        return Reply(VOTED[result.outcome].format(label=label))

    async def _named(self, event: CommandInvoked, group: FanGroup) -> Poll | None:
        number = row_id(event.args.get("poll", "").strip().lstrip("#"))
        poll = await self.store.get_poll(number) if number is not None else None
        return poll if poll is not None and poll.group_id == group.id else None


def song_label(item: MusicItem) -> str:
    label = f"{', '.join(item.artists)} – {item.title}" if item.artists else item.title
    return label[:MAX_LABEL]


def _label(poll: Poll, option: int | None) -> str:
    if option is None or not 0 <= option < len(poll.options):
        return ""
    return f"Song {option + 1}" if poll.draft.blind and poll.is_open else poll.options[option].label


def _created(poll: Poll) -> str:
    closes = poll.draft.closes_at
    until = f", closes <t:{round(closes)}:R>" if closes is not None else ""
    return f"📊 Poll #{poll.id} is open: {len(poll.options)} options{until}."
