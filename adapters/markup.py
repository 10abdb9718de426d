"""A small configurable parser from chat markup to the neutral AST (bridge.text).

Discord markdown and Slack mrkdwn differ in delimiters and in what ``<...>`` means, but share the
shape: fenced code, quote lines, inline code, paired style delimiters, angle-bracket tokens and
bare URLs. Each platform's ``convert.py`` supplies a :class:`Syntax`; this module does the rest.
Pure: no I/O.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from bridge.text import Code, Document, LineBreak, Link, Node, Pre, Quote, Styled, Text

URL = re.compile(r"https?://[^\s<>|]+")
TRAILING = ".,;:!?)]}'\""
MAX_DEPTH = 8  # nested styles deeper than this stay text (a "*" * 10000 flood would recurse)


@dataclass(frozen=True)
class Syntax:
    styles: tuple[tuple[str, str], ...]  # (delimiter, style), longest delimiter first
    angle: Callable[[str], Node | None]  # what ``<inner>`` means, or None for literal text
    extra: Callable[[str, int], tuple[Node, int] | None] = lambda _t, _i: None
    escapes: bool = False  # backslash escapes (Discord)
    block_quote: str | None = None  # a marker that quotes the rest of the message (">>> ")
    unescape: Callable[[str], str] = lambda s: s  # entity decoding (Slack's &amp; &lt; &gt;)
    quote_marks: tuple[str, ...] = (">", "&gt;")  # a line "> x" (Slack sends "&gt; x") is quoted


def parse(text: str, syntax: Syntax) -> Document:
    return Document(tuple(_blocks(text, syntax)))


def _blocks(text: str, syntax: Syntax) -> list[Node]:
    nodes: list[Node] = []
    for index, chunk in enumerate(re.split(r"(```.*?```)", text, flags=re.S)):
        if index % 2 == 1:
            nodes.append(_fence(chunk, syntax))
        elif chunk:
            nodes.extend(_lines(chunk, syntax))
    return nodes


def _fence(chunk: str, syntax: Syntax) -> Pre:
    body = chunk[3:-3]
    lang = ""
    first, sep, rest = body.partition("\n")
    if sep and re.fullmatch(r"[A-Za-z0-9_+-]{1,20}", first):
        lang, body = first, rest
    return Pre(syntax.unescape(body.strip("\n")), lang)


def _lines(chunk: str, syntax: Syntax) -> list[Node]:
    nodes: list[Node] = []
    lines = chunk.split("\n")
    for number, line in enumerate(lines):
        if syntax.block_quote and line.startswith(syntax.block_quote):
            rest = "\n".join([line[len(syntax.block_quote) :], *lines[number + 1 :]])
            nodes.append(Quote(tuple(inline(rest, syntax))))
            return nodes
        quoted = _quote_end(line, syntax.quote_marks)
        if quoted is not None:
            nodes.append(Quote(tuple(inline(line[quoted:], syntax))))
        else:
            nodes.extend(inline(line, syntax))
        if number < len(lines) - 1:
            nodes.append(LineBreak())
    return nodes


def _quote_end(line: str, marks: tuple[str, ...]) -> int | None:
    """Where a quote line's content starts ("> x" or a lone ">"), or None if it is no quote."""
    for mark in marks:
        if line == mark or line.startswith(mark + " "):
            return min(len(line), len(mark) + 1)
    return None


def inline(text: str, syntax: Syntax, depth: int = 0) -> list[Node]:
    out: list[Node] = []
    buffer: list[str] = []
    i = 0
    while i < len(text):
        found = _token_at(text, i, syntax, depth)
        if found is None:
            buffer.append(text[i])
            i += 1
            continue
        node, i = found
        if buffer:
            out.append(Text(syntax.unescape("".join(buffer))))
            buffer = []
        out.append(node)
    if buffer:
        out.append(Text(syntax.unescape("".join(buffer))))
    return _merge_text(out)


def _token_at(text: str, i: int, syntax: Syntax, depth: int) -> tuple[Node, int] | None:
    char = text[i]
    if syntax.escapes and char == "\\" and i + 1 < len(text) and not text[i + 1].isalnum():
        return Text(text[i + 1]), i + 2
    if char == "`":
        return _code(text, i, syntax)
    if char == "<":
        end = text.find(">", i + 1)
        if end > i + 1:
            node = syntax.angle(text[i + 1 : end])
            if node is not None:
                return node, end + 1
    styled = _styled(text, i, syntax, depth) if depth < MAX_DEPTH else None
    if styled is not None:
        return styled
    extra = syntax.extra(text, i)  # noqa: S610 - not Django
    if extra is not None:
        return extra
    if char == "h" and (i == 0 or not text[i - 1].isalnum()):
        return _bare_url(text, i, syntax)
    return None


def _code(text: str, i: int, syntax: Syntax) -> tuple[Node, int] | None:
    ticks = "``" if text.startswith("``", i) else "`"
    end = text.find(ticks, i + len(ticks))
    if end <= i + len(ticks) - 1 or end == i + len(ticks):
        return None
    return Code(syntax.unescape(text[i + len(ticks) : end].strip(" ") or " ")), end + len(ticks)


def _styled(text: str, i: int, syntax: Syntax, depth: int) -> tuple[Node, int] | None:
    for delim, style in syntax.styles:
        if not text.startswith(delim, i):
            continue
        start = i + len(delim)
        end = _closing(text, start, delim)
        if end <= start or text[start].isspace() or text[end - 1].isspace():
            continue
        if len(delim) == 1 and style != "spoiler" and _inside_word(text, i, end + 1):
            continue
        children = tuple(inline(text[start:end], syntax, depth + 1))
        return Styled(style, children), end + len(delim)  # type: ignore[arg-type]
    return None


def _closing(text: str, start: int, delim: str) -> int:
    """Where ``delim`` closes, or -1. A single-char delimiter skips doubled ones ("*a**b*"): the
    closer is the last char of the first run of it with odd length counted from ``start``.
    Runs are indexed once per text, so hostile input like "~~a " * 10000 stays fast."""
    if len(delim) > 1:
        return text.find(delim, start)
    starts, ends, next_odd = _runs(text, delim)
    k = bisect_right(ends, start)  # the first run that ends after start
    if k < len(ends) and starts[k] < start:  # start is inside run k: count from start
        if (ends[k] - start) % 2:
            return ends[k] - 1
        k += 1
    k = next_odd[k]
    return ends[k] - 1 if k < len(ends) else -1


@lru_cache(maxsize=32)
def _runs(text: str, delim: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Runs of ``delim`` (starts, ends) and, per run, the index of the next odd-length run."""
    found = [(m.start(), m.end()) for m in re.finditer(re.escape(delim) + "+", text)]
    next_odd = [len(found)] * (len(found) + 1)
    for k in range(len(found) - 1, -1, -1):
        begin, end = found[k]
        next_odd[k] = k if (end - begin) % 2 else next_odd[k + 1]
    return tuple(b for b, _ in found), tuple(e for _, e in found), tuple(next_odd)


def _inside_word(text: str, start: int, after: int) -> bool:
    before_ok = start == 0 or not text[start - 1].isalnum()
    after_ok = after >= len(text) or not text[after].isalnum()
    return not (before_ok and after_ok)


def _bare_url(text: str, i: int, syntax: Syntax) -> tuple[Node, int] | None:
    match = URL.match(text, i)
    if match is None:
        return None
    url = match.group(0)
    while url and url[-1] in TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return Link(syntax.unescape(url)), i + len(url)


def _merge_text(nodes: list[Node]) -> list[Node]:
    merged: list[Node] = []
    for node in nodes:
        if isinstance(node, Text) and merged and isinstance(merged[-1], Text):
            merged[-1] = Text(merged[-1].text + node.text)
        else:
            merged.append(node)
    return merged


def wrap(delim: str, inner: str) -> str:
    """``delim`` around ``inner`` with its outer whitespace moved outside (or it won't render)."""
    core = inner.strip()
    if not core:
        return inner
    lead = inner[: len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()) :]
    return f"{lead}{delim}{core}{delim}{trail}"
