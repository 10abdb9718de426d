"""Discord markdown <-> the neutral AST (bridge.text). Pure: no I/O.

Rendering is the security boundary for Discord: text nodes are escaped so that nothing a fan
typed on another platform can become markup, a mention or a mass ping; only mapped user
mentions become ``<@id>``, and those ids are the only ones the sender may allow to ping.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from adapters.markup import Syntax, inline, parse, wrap
from adapters.slack.emoji import unicode_emoji
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

DISCORD_LIMIT = 2000
ZWSP = "\u200b"

# -- parsing -------------------------------------------------------------------------------
Names = Mapping[str, str]
AngleRule = tuple[re.Pattern[str], Callable[[re.Match[str], Names], Node]]


def _timestamp(match: re.Match[str], _names: Names) -> Node:
    try:
        when = datetime.fromtimestamp(int(match[1]), UTC)
    except (OverflowError, ValueError, OSError):
        return Text(match[0].join("<>"))
    return Text(when.strftime("%Y-%m-%d %H:%M UTC"))


ANGLE: tuple[AngleRule, ...] = (
    (re.compile(r"@!?(\d{1,25})"), lambda m, n: Mention("user", m[1], n.get(f"user:{m[1]}", ""))),
    (re.compile(r"@&(\d{1,25})"), lambda m, n: Mention("role", m[1], n.get(f"role:{m[1]}", ""))),
    (
        re.compile(r"#(\d{1,25})"),
        lambda m, n: Mention("channel", m[1], n.get(f"channel:{m[1]}", "")),
    ),
    (re.compile(r"a?:(\w{1,64}):(\d{1,25})"), lambda m, _n: Emoji(m[1], custom_id=m[2])),
    (re.compile(r"t:(-?\d{1,20})(?::[tTdDfFR])?"), _timestamp),
    (re.compile(r"/([\w -]{1,100}):\d{1,25}"), lambda m, _n: Text(f"/{m[1]}")),
    (re.compile(r"https?://[^\s<>]+"), lambda m, _n: Link(m[0])),
)
MASS = re.compile(r"@(everyone|here)(?!\w)")
MASKED = re.compile(r"\[([^\[\]\n]{1,512})\]\(<?(https?://[^\s()<>]+)>?\)")
STYLES = (  # longest first; the pseudo-styles are resolved by _normalise after parsing
    ("***", "bold_italic"),
    ("___", "underline_italic"),
    ("**", "bold"),
    ("__", "underline"),  # no underline in the AST: just its children
    ("~~", "strike"),
    ("||", "spoiler"),
    ("*", "italic"),
    ("_", "italic"),
)


def parse_discord(text: str, names: Mapping[str, str] | None = None) -> Document:
    """Discord message content -> AST. ``names``: "user:<id>", "channel:<id>", "role:<id>".
    Text that cannot be stored (a lone surrogate, a NUL) is repaired to U+FFFD, never refused."""
    syntax = _syntax(repair_names(names or {}))
    return Document(_normalise(parse(repair_text(text), syntax).nodes))


def emoji_from_discord(name: str, id: str | None) -> Emoji:
    """A reaction's emoji: custom (with an id) or unicode (the name is the character)."""
    name = repair_text(name)
    if id:
        return Emoji(name=name, custom_id=id)
    return unicode_emoji(name)


def _syntax(names: Names) -> Syntax:
    def angle(inner: str) -> Node | None:
        for pattern, build in ANGLE:
            match = pattern.fullmatch(inner)
            if match is not None:
                return build(match, names)
        return None

    def extra(text: str, i: int) -> tuple[Node, int] | None:
        return _extra(text, i, syntax)  # a link label is parsed with the same syntax

    syntax = Syntax(
        styles=STYLES,
        angle=angle,
        extra=extra,
        escapes=True,
        block_quote=">>> ",
        quote_marks=(">",),
    )
    return syntax


def _extra(text: str, i: int, syntax: Syntax) -> tuple[Node, int] | None:
    if text[i] == "@" and (i == 0 or not text[i - 1].isalnum()):
        match = MASS.match(text, i)
        if match is not None:
            return Mention(match[1]), match.end()  # type: ignore[arg-type]
    if text[i] == "[":
        match = MASKED.match(text, i)
        if match is not None:
            return Link(match[2], tuple(inline(match[1], syntax))), match.end()
    return None


PSEUDO: dict[str, Callable[[tuple[Node, ...]], tuple[Node, ...]]] = {
    "underline": lambda children: children,
    "underline_italic": lambda children: (Styled("italic", children),),
    "bold_italic": lambda children: (Styled("bold", (Styled("italic", children),)),),
}


def _normalise(nodes: tuple[Node, ...]) -> tuple[Node, ...]:
    """Resolve the pseudo-styles (underline has no AST node) in the whole tree."""
    out: list[Node] = []
    for node in nodes:
        if isinstance(node, Styled):
            children = _normalise(node.children)
            rewrite = PSEUDO.get(node.style)
            out.extend(rewrite(children) if rewrite else (Styled(node.style, children),))
        elif isinstance(node, Quote):
            out.append(Quote(_normalise(node.children)))
        elif isinstance(node, Link):
            out.append(Link(node.url, _normalise(node.label)))
        else:
            out.append(node)
    return _merge(out)


def _merge(nodes: list[Node]) -> tuple[Node, ...]:
    merged: list[Node] = []
    for node in nodes:
        if isinstance(node, Text) and merged and isinstance(merged[-1], Text):
            merged[-1] = Text(merged[-1].text + node.text)
        else:
            merged.append(node)
    return tuple(merged)


# -- rendering -----------------------------------------------------------------------------
SPECIAL = re.compile(r"([\\*_~`|<\[\]])")
LINE_START = re.compile(r"(?m)^([ \t]*)(>|#{1,3}\s|-#\s)")  # quote, heading, subtext
INVISIBLE = "\u00ad\u034f\u180e\u200b-\u200f\u2060-\u2064\ufeff"
MASS_TEXT = re.compile(rf"@[{INVISIBLE}]*(?=(everyone|here))", re.IGNORECASE)
ANGLE_PING = re.compile(rf"<[{INVISIBLE}]*(?=[@#:/])")
DELIMS = {"bold": "**", "italic": "*", "strike": "~~", "spoiler": "||"}
MASS_WORDS = {"everyone": "everyone", "here": "here", "channel_all": "channel"}
SNOWFLAKE = re.compile(r"\d{1,25}")
WEB_URL = re.compile(r"https?://\S+", re.IGNORECASE)


def render_discord(doc: Document, mention_map: Mapping[str, str]) -> tuple[str, list[str]]:
    """AST -> Discord markdown, plus the Discord user ids that may be pinged (mapped users)."""
    renderer = _Renderer(mention_map)
    return renderer.nodes(doc.nodes), renderer.allowed


def render_discord_parts(
    doc: Document, mention_map: Mapping[str, str], *, prefix: str = ""
) -> tuple[list[str], list[str]]:
    """Rendered text (after ``prefix``, e.g. "**name**: ") split into parts within the limit."""
    text, allowed = render_discord(doc, mention_map)
    return split_text(prefix + text, DISCORD_LIMIT), allowed


def escape_text(text: str) -> str:
    """Plain text that Discord shows as typed: no markup, no mention, no mass ping."""
    text = SPECIAL.sub(r"\\\1", text)
    text = LINE_START.sub(r"\1\\\2", text)
    return _defuse(text)


def _defuse(text: str) -> str:
    """Break "@everyone"/"@here" (any case, any invisible padding) and "<@"-style tokens."""
    text = MASS_TEXT.sub("@" + ZWSP, text)
    return ANGLE_PING.sub("<" + ZWSP, text)


class _Renderer:
    def __init__(self, mention_map: Mapping[str, str]) -> None:
        self.mention_map = mention_map
        self.allowed: list[str] = []
        self.table: dict[type[Any], Callable[[Any], str]] = {
            Text: lambda n: escape_text(n.text),
            Styled: self.styled,
            Code: self.code,
            Pre: self.pre,
            Link: self.link,
            Mention: self.mention,
            Emoji: self.emoji,
            Quote: self.quote,
            LineBreak: lambda _n: "\n",
        }

    def nodes(self, nodes: tuple[Node, ...]) -> str:
        return "".join(self.table[type(node)](node) for node in nodes)

    def styled(self, node: Styled) -> str:
        return wrap(DELIMS[node.style], self.nodes(node.children))

    def code(self, node: Code) -> str:
        text = _defuse(node.text)
        if "`" not in text:
            return f"`{text}`"
        return f"`` {text.replace('``', '`' + ZWSP + '`')} ``"

    def pre(self, node: Pre) -> str:
        body = _defuse(node.text).replace("```", "``" + ZWSP + "`")
        lang = node.lang if re.fullmatch(r"[A-Za-z0-9_+-]{1,20}", node.lang) else ""
        return f"```{lang}\n{body}\n```"

    def link(self, node: Link) -> str:
        label = self.nodes(_unlinked(node.label))
        if WEB_URL.fullmatch(node.url) is None:
            url_text = escape_text(node.url)
            return f"{label} ({url_text})" if label else url_text
        if not label or plain_text(node.label) == node.url:
            return _url(node.url, masked=False)
        return f"[{label}]({_url(node.url, masked=True)})"

    def mention(self, node: Mention) -> str:
        if node.kind in MASS_WORDS:
            return "@" + ZWSP + MASS_WORDS[node.kind]
        name = node.name or node.id
        if node.kind in ("role", "group"):
            return "@" + ZWSP + escape_text(name.removeprefix("@"))
        if node.kind == "channel":
            return escape_text("#" + name.removeprefix("#"))
        target = self.mention_map.get(node.id, "")
        if SNOWFLAKE.fullmatch(target) is None:
            return escape_text("@" + name.removeprefix("@"))
        if target not in self.allowed:
            self.allowed.append(target)
        return f"<@{target}>"

    def emoji(self, node: Emoji) -> str:
        return escape_text(node.unicode or f":{node.name}:")

    def quote(self, node: Quote) -> str:
        body = self.nodes(node.children)
        return "\n".join(f"> {line}" for line in body.split("\n"))


def _unlinked(nodes: tuple[Node, ...]) -> tuple[Node, ...]:
    """A link label cannot hold another link: nested links become their text."""
    return tuple(Text(plain_text((n,))) if isinstance(n, Link) else n for n in nodes)


def _url(url: str, *, masked: bool) -> str:
    url = re.sub(r"@(?=(everyone|here))", "%40", url, flags=re.IGNORECASE)
    url = url.replace("<", "%3C").replace(">", "%3E")
    if masked:
        url = url.replace("(", "%28").replace(")", "%29")
    return url
