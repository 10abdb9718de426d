"""Neutral rich text: a tiny AST both platforms parse into and render from.

Discord markdown and Slack mrkdwn never meet directly: each side parses its own syntax into these
nodes (``adapters/*/convert.py``) and renders them back in its own syntax
(``adapters/*/render.py``).
Mentions are nodes, never text, so a relayed message cannot smuggle a ping through as markup.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

REPLACEMENT = "\ufffd"
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL and (lone) UTF-16 surrogates


def repair_text(text: str) -> str:
    """Text every database, JSON encoder and platform accepts, with nothing else changed.

    JSON from a platform may carry a lone surrogate (``"\\ud800"``), which no UTF-8 encoder
    accepts, or a NUL, which PostgreSQL text refuses: each becomes U+FFFD. A surrogate pair
    spelled as its two halves becomes the one character it stands for."""
    if UNSTORABLE.search(text) is None:
        return text
    joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return joined.replace("\x00", REPLACEMENT)


def repair_names(names: Mapping[str, str]) -> dict[str, str]:
    """``repair_text`` on every name of a mapping (the display names a parser is given)."""
    return {key: repair_text(name) for key, name in names.items()}


MentionKind = Literal["user", "channel", "role", "everyone", "here", "channel_all", "group"]


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Styled:
    """bold, italic, strike or spoiler around children."""

    style: Literal["bold", "italic", "strike", "spoiler"]
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Code:
    text: str


@dataclass(frozen=True, slots=True)
class Pre:
    text: str
    lang: str = ""


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    label: tuple[Node, ...] = ()


@dataclass(frozen=True, slots=True)
class Mention:
    """A mention as the source platform meant it. ``id`` is the source platform's id; ``name``
    is what a reader should see when it cannot be mapped. Mass mentions (everyone, here,
    channel_all, role, group) are never rendered as pings."""

    kind: MentionKind
    id: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True)
class Emoji:
    """A unicode emoji (``unicode`` set) or a custom one (``custom_id`` set, shown as :name:)."""

    name: str
    unicode: str = ""
    custom_id: str = ""


@dataclass(frozen=True, slots=True)
class Quote:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class LineBreak:
    pass


Node = Text | Styled | Code | Pre | Link | Mention | Emoji | Quote | LineBreak


@dataclass(frozen=True, slots=True)
class Document:
    nodes: tuple[Node, ...] = field(default_factory=tuple)

    def plain(self) -> str:
        return plain_text(self.nodes)

    def to_json(self) -> str:
        return json.dumps([_dump(n) for n in self.nodes], ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> Document:
        data = json.loads(raw) if raw else []
        return cls(tuple(_load(item) for item in data))

    def mentions(self) -> Iterator[Mention]:
        yield from (n for n in walk(self.nodes) if isinstance(n, Mention))


def doc(*nodes: Node | str) -> Document:
    return Document(tuple(Text(n) if isinstance(n, str) else n for n in nodes))


def walk(nodes: Iterable[Node]) -> Iterator[Node]:
    for node in nodes:
        yield node
        if isinstance(node, Styled | Quote):
            yield from walk(node.children)
        elif isinstance(node, Link):
            yield from walk(node.label)


def plain_text(nodes: Sequence[Node]) -> str:
    """What a reader would see with all formatting removed."""
    return "".join(_plain(n) for n in nodes)


def _plain(node: Node) -> str:
    if isinstance(node, Text | Code):
        return node.text
    if isinstance(node, Pre):
        return node.text
    if isinstance(node, Styled | Quote):
        return plain_text(node.children)
    if isinstance(node, Link):
        return plain_text(node.label) or node.url
    if isinstance(node, Mention):
        return mention_label(node)
    if isinstance(node, Emoji):
        return node.unicode or f":{node.name}:"
    return "\n"


def mention_label(node: Mention) -> str:
    """The plain, non-pinging text of a mention."""
    special = {"everyone": "@everyone", "here": "@here", "channel_all": "@channel"}
    if node.kind in special:
        return special[node.kind]
    if node.kind == "channel":
        return f"#{node.name or node.id}"
    return f"@{node.name or node.id}"


# -- JSON (stored as the canonical message text) -------------------------------------------
_KINDS: dict[type, str] = {
    Text: "text", Styled: "styled", Code: "code", Pre: "pre", Link: "link",
    Mention: "mention", Emoji: "emoji", Quote: "quote", LineBreak: "br",
}  # fmt: skip


def _dump(node: Node) -> dict[str, Any]:
    out: dict[str, Any] = {"t": _KINDS[type(node)]}
    for name in node.__slots__:
        value = getattr(node, name)
        if isinstance(value, tuple):
            value = [_dump(child) for child in value]
        out[name] = value
    return out


def _load(data: dict[str, Any]) -> Node:
    kind = data["t"]
    cls = next(c for c, k in _KINDS.items() if k == kind)
    kwargs = {k: v for k, v in data.items() if k != "t"}
    for key in ("children", "label"):
        if key in kwargs:
            kwargs[key] = tuple(_load(child) for child in kwargs[key])
    node: Node = cls(**kwargs)
    return node
