"""The music tab as Slack shows it: Block Kit blocks (a section per entry, its artwork beside it,
buttons to page and re-sort), and the listener for those buttons."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from adapters import tab_text
from adapters.slack.mrkdwn import ZWSP, escape
from bridge.events import CommandInvoked, CoreEvent
from bridge.groups.commands import SORTS
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.music.tab_query import TabPage
from bridge.outcome import Outcome, Reply
from bridge.records import TabEntry

Dispatch = Callable[[CoreEvent], Awaitable[Outcome]]
Block = dict[str, Any]
ACTION_PREFIX = "fbtab_"
HEADER_MAX, SECTION_MAX, CONTEXT_MAX, ALT_MAX, FALLBACK_MAX = 150, 3000, 2000, 500, 3000
LINKS_MAX = 2000  # leaves the headline at least 980 characters of a section's 3000
MASS = re.compile(r"@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)


def esc(text: str) -> str:
    """Text shown as typed: Slack's entities (no ``<!channel>`` or ``<@U…>`` can form) and a
    broken ``@channel``/``@here``/``@everyone``."""
    return MASS.sub("@" + ZWSP, escape(text))


def plain(text: str) -> str:
    """For plain_text fields, which Slack shows literally: still no ``<!…>`` lookalike."""
    return text.replace("<", "‹").replace(">", "›")


# -- rendering ---------------------------------------------------------------------------------
def tab_blocks(tab: TabPage[TabEntry], *, buttons: bool = True) -> list[Block]:
    header = tab_text.clip(tab_text.title(tab), HEADER_MAX, plain)
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": header, "emoji": True}},
        _context(tab_text.footer(tab)),
    ]
    if not tab.items:
        blocks.append(_section(esc(tab_text.EMPTY)))
    for index, entry in enumerate(tab.items):
        blocks += entry_blocks(entry, tab_text.position(tab, index))
    if buttons:
        blocks.append({"type": "actions", "elements": _buttons(tab)})
    return blocks


def entry_blocks(entry: TabEntry, rank: int) -> list[Block]:
    section = _section(_entry_text(entry, rank))
    art = entry.item.artwork_url if entry.item else None
    image = tab_text.safe_url(art or "")
    if image:
        alt = tab_text.clip(tab_text.headline(entry), ALT_MAX, plain)
        section["accessory"] = {"type": "image", "image_url": image, "alt_text": alt}
    stats = esc(tab_text.counts(entry))
    who = tab_text.sharers(entry)
    if who:
        stats += " · by " + tab_text.clip(who, CONTEXT_MAX - len(stats) - 10, esc)
    return [section, _context(stats, escaped=True)]


def _entry_text(entry: TabEntry, rank: int) -> str:
    links = tab_text.joined(
        [f"<{escape(url)}|{esc(label)}>" for label, url in tab_text.links_of(entry)], LINKS_MAX
    )
    head = tab_text.clip(tab_text.headline(entry), SECTION_MAX - len(links) - 20, esc)
    return f"*{rank}.* {head}\n{links}" if links else f"*{rank}.* {head}"


def _section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn, "verbatim": True}}


def _context(text: str, *, escaped: bool = False) -> Block:
    shown = text if escaped else tab_text.clip(text, CONTEXT_MAX, esc)
    element = {"type": "mrkdwn", "text": shown, "verbatim": True}
    return {"type": "context", "elements": [element]}


def _buttons(tab: TabPage[TabEntry]) -> list[Block]:
    """Prev/Next where there is somewhere to go (Slack buttons cannot be disabled), then one
    button per sort, the current one highlighted."""
    buttons: list[Block] = []
    if tab.page > 1:
        buttons.append(_button("◀ Prev", "fbtab_prev", tab, tab.sort, tab.page - 1))
    if tab.page < tab.pages:
        buttons.append(_button("Next ▶", "fbtab_next", tab, tab.sort, tab.page + 1))
    for sort, label in tab_text.SORT_LABELS.items():
        button = _button(label, f"fbtab_sort_{sort}", tab, sort, 1)
        if sort == tab.sort:
            button["style"] = "primary"
        buttons.append(button)
    return buttons


def _button(label: str, action_id: str, tab: TabPage[TabEntry], sort: str, page: int) -> Block:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "action_id": action_id,
        "value": f"{tab.group_slug}|{sort}|{page}",
    }


def fallback_text(tab: TabPage[TabEntry]) -> str:
    """The notification / screen-reader text of the blocks."""
    lines = [f"{tab_text.title(tab)} ({tab_text.footer(tab)})"]
    lines += [
        f"{tab_text.position(tab, i)}. {tab_text.headline(e)}" for i, e in enumerate(tab.items)
    ]
    return tab_text.clip("\n".join(lines), FALLBACK_MAX, esc)


# -- the command and the buttons ---------------------------------------------------------------
def music_args(words: Sequence[str]) -> dict[str, str]:
    """``/fangroup music [recent|top|reacted] [page]``, in either order."""
    args: dict[str, str] = {}
    for word in words:
        if word.lower() in SORTS:
            args["sort"] = word.lower()
        elif word.isdigit():
            args["page"] = word
    return args


def parse_value(value: str) -> dict[str, str] | None:
    """A button's ``slug|sort|page`` as command args (the channel decides the group)."""
    parts = value.split("|")
    if len(parts) != 3 or not parts[2].isdigit():
        return None
    return {"sort": parts[1], "page": parts[2]}


def response(outcome: Outcome) -> dict[str, Any]:
    """``respond(...)`` arguments for a command's outcome."""
    if isinstance(outcome, TabPage):
        kind = "ephemeral" if outcome.ephemeral else "in_channel"
        blocks = tab_blocks(outcome)
        return {"text": fallback_text(outcome), "blocks": blocks, "response_type": kind}
    text = outcome.text if isinstance(outcome, Reply) else "Done."
    in_channel = isinstance(outcome, Reply) and not outcome.ephemeral
    return {"text": text, "response_type": "in_channel" if in_channel else "ephemeral"}


class TabActions:
    """The tab's buttons: the page they name replaces the message they are on."""

    def __init__(self, dispatch: Dispatch) -> None:
        self.dispatch = dispatch

    async def on_action(
        self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any
    ) -> None:
        await ack()
        args = parse_value(str(action.get("value") or ""))
        channel = (body.get("channel") or {}).get("id")
        if args is None or not channel:
            return  # not from a message (e.g. the App Home has no buttons): nothing to page
        team = str((body.get("team") or {}).get("id") or body.get("team_id") or "")
        user = str((body.get("user") or {}).get("id") or "")
        event = CommandInvoked(
            key=f"action:{body.get('trigger_id') or action.get('action_ts')}",
            channel=ChannelRef(Platform.SLACK, team, str(channel)),
            user=UserRef(Platform.SLACK, team, user),
            path=("music",),
            args=args,
        )
        outcome = await self.dispatch(event)
        if isinstance(outcome, TabPage):
            blocks = tab_blocks(outcome)
            await respond(replace_original=True, text=fallback_text(outcome), blocks=blocks)
        else:
            await respond(replace_original=False, **response(outcome))
