"""The music tab as Discord shows it: an embed with one field per entry, and buttons to page and
re-sort it. A click comes back as a component interaction whose custom_id names the page."""

from __future__ import annotations

from dataclasses import dataclass

import discord

from adapters import tab_text
from adapters.discord.markdown import escape_text
from bridge.music.tab_query import TabPage
from bridge.records import TabEntry

TAB_PREFIX = "fbtab:"
MAX_CUSTOM_ID = 100
TITLE, FOOTER = 256, 2048
# Discord allows 256/1024 per field name/value but 6000 characters per embed in all: five
# fields of at most 200 + 850 stay within it with the title and footer
FIELD_NAME, FIELD_VALUE = 200, 850
SHARERS_MAX = 300
COLOUR = 0x1DB954
Button = discord.ui.Button[discord.ui.View]


@dataclass(frozen=True, slots=True)
class TabRequest:
    """What a button asks for: the group (informative: the channel decides), sort and page."""

    slug: str
    sort: str
    page: int


def custom_id(slug: str, sort: str, page: int, role: str) -> str:
    """``fbtab:<slug>:<sort>:<page>:<role>``; ``role`` keeps the ids of one message unique."""
    tail = f":{sort}:{page}:{role}"
    return f"{TAB_PREFIX}{slug[: MAX_CUSTOM_ID - len(TAB_PREFIX) - len(tail)]}{tail}"


def parse_custom_id(value: str) -> TabRequest | None:
    if not value.startswith(TAB_PREFIX):
        return None
    parts = value[len(TAB_PREFIX) :].rsplit(":", 3)
    if len(parts) < 3 or not parts[2].isdigit():
        return None
    return TabRequest(parts[0], parts[1], int(parts[2]))


# -- the embed ---------------------------------------------------------------------------------
def tab_embed(tab: TabPage[TabEntry]) -> discord.Embed:
    embed = discord.Embed(
        title=tab_text.clip(tab_text.title(tab), TITLE, escape_text),
        colour=COLOUR,
        description=None if tab.items else escape_text(tab_text.EMPTY),
    )
    for index, entry in enumerate(tab.items):
        name, value = entry_field(entry, tab_text.position(tab, index))
        embed.add_field(name=name, value=value, inline=False)
    thumbnail = tab_text.artwork(tab)
    if thumbnail:
        embed.set_thumbnail(url=thumbnail)
    embed.set_footer(text=tab_text.clip(tab_text.footer(tab), FOOTER))
    return embed


def entry_field(entry: TabEntry, rank: int) -> tuple[str, str]:
    """(field name, field value) within Discord's limits; every piece of text escaped."""
    name = tab_text.clip(f"{rank}. {tab_text.headline(entry)}", FIELD_NAME, escape_text)
    stats = tab_text.counts(entry)
    who = tab_text.sharers(entry)
    if who:
        stats += " · by " + tab_text.clip(who, SHARERS_MAX, escape_text)
    links = _links(entry, FIELD_VALUE - len(stats) - 1)
    return name, f"{links}\n{stats}" if links else stats


def _links(entry: TabEntry, budget: int) -> str:
    """Links like "[Spotify](url) · [Deezer](url)": as many as fit in ``budget`` characters."""
    links = [f"[{label}]({url})" for label, url in tab_text.links_of(entry)]
    return tab_text.joined(links, budget)


# -- the buttons -------------------------------------------------------------------------------
class StaticView(discord.ui.View):
    """Buttons the bridge answers itself (``on_interaction``, by custom_id), so discord.py's
    view store never keeps them: the tab's buttons keep working across restarts."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    def is_finished(self) -> bool:
        return True


def tab_view(tab: TabPage[TabEntry]) -> discord.ui.View:
    view = StaticView()
    slug, sort, page = tab.group_slug, tab.sort, tab.page
    view.add_item(_button("◀", custom_id(slug, sort, max(1, page - 1), "prev"), page <= 1))
    view.add_item(_button("▶", custom_id(slug, sort, page + 1, "next"), page >= tab.pages))
    for other, label in tab_text.SORT_LABELS.items():
        current = other == sort
        view.add_item(_button(label, custom_id(slug, other, 1, "sort"), current, current))
    return view


def _button(label: str, cid: str, disabled: bool, primary: bool = False) -> Button:
    style = discord.ButtonStyle.primary if primary else discord.ButtonStyle.secondary
    return discord.ui.Button(label=label, custom_id=cid, disabled=disabled, style=style)
