"""Slack message markup: the ``rich_text`` blocks a Slack client sends for typed text, and which
mentions in a message would actually notify someone (``pinged``)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from typing import Any

from emulators.slack.ids import block_id

# <@U123|name>, <!channel>, <!here|here>, <!subteam^S123|@team>, <#C123|general>, <http://x|label>
TOKEN = re.compile(r"<([^<>]+)>")
BROADCASTS = ("channel", "here", "everyone")
PLAIN_AT = re.compile(r"(?<![\w<@&/])@([A-Za-z0-9][\w.\-]*)")


def rich_text_blocks(text: str) -> list[dict[str, Any]]:
    """The ``rich_text`` block Slack clients attach to a typed message."""
    elements = list(_rich_elements(text)) or [{"type": "text", "text": ""}]
    section = {"type": "rich_text_section", "elements": elements}
    return [{"type": "rich_text", "block_id": block_id(), "elements": [section]}]


def _rich_elements(text: str) -> Iterator[dict[str, Any]]:
    pos = 0
    for match in TOKEN.finditer(text):
        if match.start() > pos:
            yield {"type": "text", "text": html.unescape(text[pos : match.start()])}
        yield _token_element(match.group(1))
        pos = match.end()
    if pos < len(text):
        yield {"type": "text", "text": html.unescape(text[pos:])}


def _token_element(token: str) -> dict[str, Any]:
    target, _, label = token.partition("|")
    if target.startswith("@"):
        return {"type": "user", "user_id": target[1:]}
    if target.startswith("#"):
        return {"type": "channel", "channel_id": target[1:]}
    if target.startswith("!subteam^"):
        return {"type": "usergroup", "usergroup_id": target[len("!subteam^") :]}
    if target[1:] in BROADCASTS and target.startswith("!"):
        return {"type": "broadcast", "range": target[1:]}
    element: dict[str, Any] = {"type": "link", "url": target}
    if label:
        element["text"] = label
    return element


def pinged(
    text: str,
    blocks: list[dict[str, Any]] | None,
    *,
    link_names: bool,
    resolve_name: Callable[[str], str | None],
) -> list[str]:
    """User ids, ``<!channel>``/``<!here>``/``<!everyone>`` and user-group ids that notify."""
    found: list[str] = []
    for source in [text, *_mrkdwn_texts(blocks or [])]:
        found.extend(_text_pings(source))
        if link_names:
            found.extend(_plain_pings(source, resolve_name))
    found.extend(_rich_pings(blocks or []))
    return list(dict.fromkeys(found))


def _text_pings(text: str) -> Iterator[str]:
    for match in TOKEN.finditer(text or ""):
        element = _token_element(match.group(1))
        yield from _element_ping(element)


def _element_ping(element: dict[str, Any]) -> Iterator[str]:
    kind = element.get("type")
    if kind == "user" and element.get("user_id"):
        yield str(element["user_id"])
    elif kind == "broadcast" and element.get("range") in BROADCASTS:
        yield f"<!{element['range']}>"
    elif kind == "usergroup" and element.get("usergroup_id"):
        yield str(element["usergroup_id"])


def _plain_pings(text: str, resolve_name: Callable[[str], str | None]) -> Iterator[str]:
    for match in PLAIN_AT.finditer(_strip_tokens(text or "")):
        word = match.group(1).rstrip(".-")
        if word in BROADCASTS:
            yield f"<!{word}>"
            continue
        user_id = resolve_name(word)
        if user_id:
            yield user_id


def _strip_tokens(text: str) -> str:
    return TOKEN.sub(" ", text)


def _mrkdwn_texts(blocks: list[dict[str, Any]]) -> Iterator[str]:
    """Text objects of type mrkdwn anywhere in layout blocks (plain_text never notifies)."""
    for node in _walk(blocks):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield node["text"]


def _rich_pings(blocks: list[dict[str, Any]]) -> Iterator[str]:
    for node in _walk(blocks):
        if node.get("type") in ("user", "broadcast", "usergroup"):
            yield from _element_ping(node)


def _walk(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _walk(child)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child)


def link_names_text(text: str, resolve_name: Callable[[str], str | None]) -> str:
    """What ``link_names=true`` stores: plain @name/@channel words turned into mentions."""

    def replace(match: re.Match[str]) -> str:
        word = match.group(1)
        if word in BROADCASTS:
            return f"<!{word}>"
        user_id = resolve_name(word)
        return f"<@{user_id}>" if user_id else match.group(0)

    parts = TOKEN.split(text)
    # TOKEN.split alternates plain text and token contents; only rewrite the plain parts
    out = []
    for index, part in enumerate(parts):
        out.append(PLAIN_AT.sub(replace, part) if index % 2 == 0 else f"<{part}>")
    return "".join(out)
