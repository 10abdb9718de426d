"""Link-shaped candidates in chat text (pure): Slack ``<url|label>`` and Discord ``<url>``
unwrapped, Slack's ``&amp;`` escaping undone, bare URLs trimmed of the punctuation around them,
and ``spotify:`` URIs. Every pattern is linear: no nested quantifiers, bounded look-arounds.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

# Characters a bare URL never contains in chat text: whitespace, the Slack/Discord delimiters,
# quotes, backticks (code), pipes (spoilers, Slack labels), brackets (Markdown labels), braces,
# backslashes (a browser reads "\" as "/", so "a.example\@b.example" must not become b's link)
# and the invisible characters that chat clients use as separators.
_URL_CHAR = r"[^\s<>\"`|\[\]{}\\^\u200b-\u200d\u2060\ufeff]"
_ANGLE = r"<(?P<angle>(?:(?i:https?://)|spotify:)" + _URL_CHAR + r"+)(?:\|[^<>]*)?>"
_BARE = r"(?P<bare>(?i:https?://)" + _URL_CHAR + r"+)"
_URI = (
    r"(?<![\w.:/-])(?P<uri>spotify:(?:user:[^\s:/<>|]{1,64}:)?"
    r"(?:track|album|playlist|artist):[0-9A-Za-z]{22})(?![0-9A-Za-z])"
)
CANDIDATE = re.compile(f"{_ANGLE}|{_BARE}|{_URI}")

_TRAILING = frozenset(".,;:!?'\"*~")  # sentence punctuation and Markdown emphasis
_SLACK_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_MAX_WRAPPER = 3  # "___url___" at most


@dataclass(frozen=True, slots=True)
class Candidate:
    """One link-shaped piece of text: ``url`` as it should be reported; ``fallback`` a shorter
    reading to try when ``url`` is not a music link (the ASCII prefix of a URL that runs into
    text written without a space, e.g. ``https://youtu.be/<id>这首歌``)."""

    url: str
    kind: str  # "url" or "uri"
    fallback: str | None = None


def candidates(text: str) -> Iterator[Candidate]:
    """Link-shaped pieces of ``text`` in order of appearance."""
    for match in CANDIDATE.finditer(text):
        angle, bare, uri = match.group("angle", "bare", "uri")
        if angle is not None:
            yield _angled(angle)
        elif bare is not None:
            found = _bare(bare, _wrapper_run(text, match.start()))
            if found is not None:
                yield found
        elif uri is not None:
            yield Candidate(uri, "uri")


def _angled(inner: str) -> Candidate:
    url = unescape_slack(inner)
    kind = "uri" if url.startswith("spotify:") else "url"
    return Candidate(url, kind)


def _bare(raw: str, wrappers: int) -> Candidate | None:
    # Slack escapes "<" and ">" as entities: they end a URL just like the characters would.
    for entity in ("&lt;", "&gt;"):
        cut = raw.find(entity)
        if cut != -1:
            raw = raw[:cut]
    url = trim(raw, wrappers)
    if not url.partition("://")[2]:
        return None
    url = unescape_slack(url)
    return Candidate(url, "url", None if url.isascii() else _ascii_prefix(url, wrappers))


def unescape_slack(url: str) -> str:
    """Undo Slack's three entities (never a full HTML unescape: "&para=1" must stay a query)."""
    if "&" not in url:
        return url
    for entity, char in _SLACK_ENTITIES:
        url = url.replace(entity, char)
    return url


def trim(url: str, wrappers: int = 0) -> str:
    """``url`` without the punctuation that follows it in prose: ".", "!", "…", an unbalanced
    ")", emphasis markers; a balanced ")" stays (``.../Song_(Remix)``). ``wrappers`` is the
    number of "_" right before the URL (Markdown ``__url__``): as many are dropped at the end."""
    end = len(url)
    opened, closed = url.count("("), url.count(")")
    while end > 0:
        char = url[end - 1]
        if char == ")":
            if closed <= opened:
                break
            closed -= 1
        elif char == "_" and wrappers > 0:
            wrappers -= 1
        elif not _is_trailing(char):
            break
        end -= 1
    return url[:end]


def _is_trailing(char: str) -> bool:
    if char in _TRAILING:
        return True
    # Non-ASCII punctuation, symbols and format characters: "…", "。", "»", "”", emoji.
    return char > "\x7f" and unicodedata.category(char)[0] in "PSC"


def _wrapper_run(text: str, start: int) -> int:
    run = 0
    while run < _MAX_WRAPPER and start - run > 0 and text[start - run - 1] == "_":
        run += 1
    return run


def _ascii_prefix(url: str, wrappers: int) -> str | None:
    for index, char in enumerate(url):
        if char > "\x7f":
            prefix = trim(url[:index], wrappers)
            return prefix if prefix and "://" in prefix else None
    return None
