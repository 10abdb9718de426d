"""Slack mrkdwn <-> the neutral AST (bridge.text). Pure: no I/O.

Slack sends message text with ``& < >`` escaped as entities, so a ``<...>`` in the raw text is
always a token Slack made (a link, mention or command) and anything a person typed arrives as
``&lt;...&gt;``. Rendering keeps that invariant: every text is escaped, and the only ``<...>``
tokens produced are links and mapped user mentions (messages are sent without ``link_names``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from adapters.markup import Syntax, parse, wrap
from adapters.slack.emoji import emoji_from_slack
from adapters.split import split_text
from bridge.text import (
    Code,
    Document,
    Emoji,
    LineBreak,
    Link,
    Mention,
    Node,
    Pre,
    Quote,
    Styled,
    Text,
    plain_text,
    repair_names,
    repair_text,
)

SLACK_LIMIT = 40000  # chat.postMessage text limit
FRIENDLY_LIMIT = 4000  # what Slack shows without "show more"; parts are split here
ZWSP = "\u200b"

# -- parsing -------------------------------------------------------------------------------
Names = Mapping[str, str]
AngleRule = tuple[re.Pattern[str], Callable[[re.Match[str], Names], Node]]
ENTITY = re.compile(r"&(amp|lt|gt);")
ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
MASS = {"channel": "channel_all", "here": "here", "everyone": "everyone"}
SHORTCODE = re.compile(r":([a-z0-9_+\-']{1,100}):(?::(skin-tone-[2-6]):)?")


def unescape(text: str) -> str:
    """Slack's entity decoding (one pass, so "&amp;lt;" is "&lt;")."""
    return ENTITY.sub(lambda m: ENTITIES[m[1]], text)


def _label(match: re.Match[str]) -> str:
    return unescape(match["label"] or "")


def _user(match: re.Match[str], names: Names) -> Node:
    uid = match["id"]
    return Mention("user", uid, names.get(f"user:{uid}") or _label(match))


def _channel(match: re.Match[str], names: Names) -> Node:
    cid = match["id"]
    return Mention("channel", cid, names.get(f"channel:{cid}") or _label(match))


def _special(match: re.Match[str], _names: Names) -> Node:
    word = match["id"]
    if word in MASS:
        return Mention(MASS[word])  # type: ignore[arg-type]
    return Text(_label(match) or f"@{word}")


def _group(match: re.Match[str], _names: Names) -> Node:
    return Mention("group", match["id"], _label(match).removeprefix("@"))


def _date(match: re.Match[str], _names: Names) -> Node:
    if match["label"]:
        return Text(_label(match))
    try:
        return Text(datetime.fromtimestamp(int(match["id"]), UTC).strftime("%Y-%m-%d %H:%M UTC"))
    except (OverflowError, ValueError, OSError):
        return Text(match["id"])


def _link(match: re.Match[str], _names: Names) -> Node:
    label = _label(match)
    return Link(unescape(match["id"]), (Text(label),) if label else ())


LABEL = r"(?:\|(?P<label>[^|]*))?"
ANGLE: tuple[AngleRule, ...] = (
    (re.compile(rf"@(?P<id>[UWB][A-Z0-9]{{1,30}}){LABEL}"), _user),
    (re.compile(rf"#(?P<id>[CGD][A-Z0-9]{{1,30}}){LABEL}"), _channel),
    (re.compile(rf"!subteam\^(?P<id>[A-Z0-9]{{1,30}}){LABEL}"), _group),
    (re.compile(rf"!date\^(?P<id>-?\d{{1,20}})\^[^|]*{LABEL}"), _date),
    (re.compile(rf"!(?P<id>\w{{1,30}}){LABEL}"), _special),
    (re.compile(rf"(?P<id>(?:https?|mailto|tel|ftp):[^\s|]+){LABEL}", re.IGNORECASE), _link),
)


def parse_slack(text: str, names: Mapping[str, str] | None = None) -> Document:
    """Slack message text -> AST. ``names``: "user:<id>", "channel:<id>" -> display names.
    Text that cannot be stored (a lone surrogate, a NUL) is repaired to U+FFFD, never refused."""
    return parse(repair_text(text), _syntax(repair_names(names or {})))


def _syntax(names: Names) -> Syntax:
    def angle(inner: str) -> Node | None:
        for pattern, build in ANGLE:
            match = pattern.fullmatch(inner)
            if match is not None:
                return build(match, names)
        return None

    return Syntax(
        styles=(("*", "bold"), ("_", "italic"), ("~", "strike")),
        angle=angle,
        extra=_shortcode,
        block_quote="&gt;&gt;&gt; ",
        unescape=unescape,
        quote_marks=("&gt;", ">"),
    )


def _shortcode(text: str, i: int) -> tuple[Node, int] | None:
    if text[i] != ":" or (i > 0 and text[i - 1].isalnum()):
        return None
    match = SHORTCODE.match(text, i)
    if match is None:
        return None
    name = f"{match[1]}::{match[2]}" if match[2] else match[1]
    return emoji_from_slack(name), match.end()


# -- rendering -----------------------------------------------------------------------------
DELIMS = {"bold": "*", "italic": "_", "strike": "~"}
MASS_WORDS = {"everyone": "@everyone", "here": "@here", "channel_all": "@channel"}
SLACK_USER = re.compile(r"[UW][A-Z0-9]{1,30}")
URL = re.compile(r"(?:https?|mailto|tel|ftp):\S+", re.IGNORECASE)


def render_slack(doc: Document, mention_map: Mapping[str, str]) -> str:
    """AST -> mrkdwn for chat.postMessage (sent without link_names)."""
    return _Renderer(mention_map).nodes(doc.nodes)


def render_slack_parts(
    doc: Document, mention_map: Mapping[str, str], *, limit: int = FRIENDLY_LIMIT
) -> list[str]:
    return split_text(render_slack(doc, mention_map), min(limit, SLACK_LIMIT))


def escape(text: str) -> str:
    """Slack's three entities; nothing a person typed can then form a ``<...>`` token."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Renderer:
    def __init__(self, mention_map: Mapping[str, str]) -> None:
        self.mention_map = mention_map
        self.table: dict[type[Any], Callable[[Any], str]] = {
            Text: lambda n: escape(n.text),
            Styled: self.styled,
            Code: lambda n: f"`{escape(n.text.replace('`', 'ˋ'))}`",
            Pre: lambda n: f"```{escape(n.text).replace('```', '``' + ZWSP + '`')}```",
            Link: self.link,
            Mention: self.mention,
            Emoji: lambda n: escape(n.unicode or f":{n.name}:"),
            Quote: self.quote,
            LineBreak: lambda _n: "\n",
        }

    def nodes(self, nodes: tuple[Node, ...]) -> str:
        return "".join(self.table[type(node)](node) for node in nodes)

    def styled(self, node: Styled) -> str:
        inner = self.nodes(node.children)
        delim = DELIMS.get(node.style)
        return wrap(delim, inner) if delim else inner  # a spoiler shows its text

    def link(self, node: Link) -> str:
        label = plain_text(node.label)
        if URL.fullmatch(node.url) is None:
            return escape(f"{label} ({node.url})" if label else node.url)
        url = escape(node.url).replace("|", "%7C")
        if not label or label == node.url:
            return f"<{url}>"
        return f"<{url}|{escape(label)}>"

    def mention(self, node: Mention) -> str:
        if node.kind in MASS_WORDS:
            return MASS_WORDS[node.kind]
        name = node.name or node.id
        if node.kind == "channel":
            return escape("#" + name.removeprefix("#"))
        target = self.mention_map.get(node.id, "") if node.kind == "user" else ""
        if SLACK_USER.fullmatch(target) is not None:
            return f"<@{target}>"
        return escape("@" + name.removeprefix("@"))

    def quote(self, node: Quote) -> str:
        body = self.nodes(node.children)
        return "\n".join(f"> {line}" for line in body.split("\n"))
