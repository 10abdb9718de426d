"""Polls on Slack: the poll card (Block Kit: the question, each option with its vote bar and
count, the deadline as Slack's own ``<!date^…>`` token; a "Vote" button beside each option,
action_id ``fbpoll_vote`` with ``<poll>:<option>`` as value), the results message, the buttons'
clicks, and the arguments of ``/fangroup poll ...``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters import tab_text
from adapters.slack.errors import platform_errors
from adapters.slack.mrkdwn import escape, unescape
from adapters.slack.once import post_once
from adapters.slack.party import SLACK_LINK, slack_date, slack_times
from adapters.slack.tab import esc, plain
from adapters.slack.tokens import acting_for
from adapters.slack.users import UserCache
from bridge.events import CommandInvoked, CoreEvent
from bridge.groups.commands import row_id
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.once import PostOnce
from bridge.outcome import Outcome, Reply
from bridge.polls.card import NATIVE_NOTE, CardOption, PollCard, results_line

Dispatch = Callable[[CoreEvent], Awaitable[Outcome]]
Block = dict[str, Any]
ACTION = "fbpoll_vote"
SECTION_MAX, CONTEXT_MAX, ALT_MAX, VOTERS = 3000, 2000, 500, 600


# -- the card ------------------------------------------------------------------------------------
def card_blocks(card: PollCard) -> list[Block]:
    """The question, then each option as a section (its vote button beside it while the poll is
    open: action_id ``fbpoll_vote``, unique within its block as Slack wants), then the poll's
    state, its deadline and who asked."""
    blocks: list[Block] = [_section(f"*📊 {tab_text.clip(card.question, 500, esc)}*")]
    for option in card.options:
        blocks += _option(option, card)
    blocks.append(_context(_about(card)))
    if card.native:
        blocks.append(_context(esc(NATIVE_NOTE)))
    return blocks


def _option(option: CardOption, card: PollCard) -> list[Block]:
    crown = "🏆 " if option.winner else ""
    label = tab_text.clip(option.label, 500, esc)
    url = tab_text.safe_url(option.url or "")
    name = f"<{escape(url)}|{label}>" if url else label
    lines = [
        f"{crown}*{option.index + 1}.* {name}",
        f"`{option.bar}` {option.votes} ({option.percent})",
    ]
    if option.voters and not card.anonymous:
        lines.append(tab_text.clip(", ".join(option.voters), VOTERS, esc))
    section = _section("\n".join(lines))
    art = tab_text.safe_url(option.artwork_url or "")
    alt = tab_text.clip(option.label or "artwork", ALT_MAX, plain)
    if card.buttons:
        section["accessory"] = _button(card, option)
        if art:  # the song's artwork under it (the button holds the accessory)
            image = {"type": "image", "image_url": art, "alt_text": alt}
            return [section, {"type": "context", "elements": [image]}]
    elif art:
        section["accessory"] = {"type": "image", "image_url": art, "alt_text": alt}
    return [section]


def _about(card: PollCard) -> str:
    votes = f"{card.total} vote{'s' if card.total != 1 else ''}"
    if not card.open:
        state = f"Closed · {votes}"
    elif card.closes_at is not None:
        state = f"Closes {slack_date(card.closes_at)} · {votes}"
    else:
        state = f"Open · {votes}"
    kind = "anonymous" if card.anonymous else "public votes"
    blind = " · blind" if card.blind else ""
    by = tab_text.clip(card.author_name, 200, esc)
    return f"{state} · poll #{card.poll_id} · {kind}{blind} · by {by}"


def _button(card: PollCard, option: CardOption) -> Block:
    return {
        "type": "button",
        "action_id": ACTION,
        "text": {"type": "plain_text", "text": "Vote", "emoji": True},
        "value": f"{card.poll_id}:{option.index}",
    }


def _section(mrkdwn: str) -> Block:
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": mrkdwn[:SECTION_MAX], "verbatim": True},
    }


def _context(mrkdwn: str) -> Block:
    element = {"type": "mrkdwn", "text": mrkdwn[:CONTEXT_MAX], "verbatim": True}
    return {"type": "context", "elements": [element]}


def fallback_text(card: PollCard) -> str:
    state = "open" if card.open else "closed"
    return tab_text.clip(f"📊 Poll #{card.poll_id} ({state}): {card.question}", 3000, esc)


def results_text(card: PollCard) -> str:
    return slack_times(results_line(card))


# -- the port ------------------------------------------------------------------------------------
class SlackPollCards:
    """Posts and updates poll cards and posts results in Slack channels (each with its
    workspace's token), for the outbox: failures are mapped onto its retry policy."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def post_card(
        self, channel: ChannelRef, card: PollCard, *, once: PostOnce | None = None
    ) -> str:
        with acting_for(channel.workspace):
            async with platform_errors():
                return await post_once(
                    self.client, channel, once, text=fallback_text(card), blocks=card_blocks(card)
                )

    async def update_card(self, channel: ChannelRef, card_id: str, card: PollCard) -> None:
        with acting_for(channel.workspace):
            async with platform_errors():
                await self.client.chat_update(
                    channel=channel.channel,
                    ts=card_id,
                    text=fallback_text(card),
                    blocks=card_blocks(card),
                )

    async def post_results(
        self, channel: ChannelRef, card: PollCard, *, once: PostOnce | None = None
    ) -> str:
        blocks = [_section(results_text(card)), *card_blocks(card)]
        with acting_for(channel.workspace):
            async with platform_errors():
                return await post_once(
                    self.client, channel, once, text=results_text(card), blocks=blocks
                )


# -- the buttons' clicks -------------------------------------------------------------------------
def parse_value(value: str) -> tuple[int, int] | None:
    """``<poll>:<option>``."""
    poll, _, option = value.partition(":")
    poll_id = row_id(poll)
    if poll_id is None or not option.isdigit() or len(option) > 2:
        return None
    return poll_id, int(option)


class PollActions:
    """A poll card's button: a vote (or a change, or a withdrawal), answered to the voter only."""

    def __init__(self, dispatch: Dispatch, users: UserCache) -> None:
        self.dispatch = dispatch
        self.users = users

    async def on_action(
        self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any
    ) -> None:
        await ack()
        found = parse_value(str(action.get("value") or ""))
        channel = str((body.get("channel") or {}).get("id") or "")
        if found is None or not channel:
            return
        team = str((body.get("team") or {}).get("id") or body.get("team_id") or "")
        user = str((body.get("user") or {}).get("id") or "")
        profile = await self.users.get(user)
        event = CommandInvoked(
            key=f"action:{body.get('trigger_id') or action.get('action_ts')}",
            channel=ChannelRef(Platform.SLACK, team, channel),
            user=UserRef(Platform.SLACK, team, user),
            path=("poll", "vote"),
            args={"poll": str(found[0]), "option": str(found[1])},
            can_manage_channel=profile.is_admin,
            can_moderate=profile.is_admin,
            display_name=profile.name,
        )
        outcome = await self.dispatch(event)
        text = outcome.text if isinstance(outcome, Reply) else "Done."
        await respond(text=text, response_type="ephemeral", replace_original=False)


# -- the command's arguments ---------------------------------------------------------------------
def poll_args(words: Sequence[str]) -> tuple[tuple[str, ...], dict[str, str]]:
    """``poll close <id>``, or ``poll <question> | <option> | ... [duration:2d] [anonymous]
    [blind]`` (the whole line as ``text``: the core reads it)."""
    if words and words[0].lower() == "close":
        number = words[1].lstrip("#") if len(words) > 1 else ""
        return ("poll", "close"), {"poll": number}
    if words and words[0].lower() == "create":
        words = words[1:]
    text = SLACK_LINK.sub(r"\1", " ".join(words))  # <https://...|label>: a link's | is no option
    return ("poll", "create"), {"text": unescape(text)}
