"""Weekly digests on Slack: the digest as Block Kit (a header, a section per part in mrkdwn with
names escaped so nothing pings, a context with the archive's link), and the arguments of
``/fangroup digest [weekly <day> <HH:MM>|off]``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters import tab_text
from adapters.slack.errors import platform_errors
from adapters.slack.mrkdwn import unescape
from adapters.slack.once import post_once
from adapters.slack.tab import esc, plain
from adapters.slack.tokens import acting_for
from bridge.digests import text
from bridge.digests.delivery import DigestPost
from bridge.ids import ChannelRef
from bridge.once import PostOnce

Block = dict[str, Any]
HEADER_MAX, SECTION_MAX, CONTEXT_MAX, LINE_MAX, FALLBACK_MAX = 150, 3000, 2000, 300, 3000
MAX_BLOCKS = 50


def digest_blocks(post: DigestPost) -> list[Block]:
    content = post.content
    header = tab_text.clip(f"📰 {text.title(content)}", HEADER_MAX, plain)
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": header}},
        _section(esc(text.summary(content))),
    ]
    for part in text.sections(content):
        lines = [line_mrkdwn(line) for line in part.lines]
        body = f"*{esc(part.title)}*\n" + tab_text.joined(lines, SECTION_MAX - 100, "\n")
        blocks.append(_section(body))
    blocks.append(_context(post))
    return blocks[:MAX_BLOCKS]


def line_mrkdwn(line: text.Line) -> str:
    url = tab_text.safe_url(line.url or "")
    shown = tab_text.clip(line.text, LINE_MAX, esc)
    linked = f"<{url}|{shown.replace('|', '¦')}>" if url else shown
    return f"{linked} {esc(line.note)}".rstrip()


def _section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def _context(post: DigestPost) -> Block:
    archive = tab_text.safe_url(post.archive_url or "")
    note = f"Weekly digest #{post.digest_id}"
    if archive:
        note += f" · <{archive}|Past digests>"
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": note[:CONTEXT_MAX]}]}


def fallback_text(post: DigestPost) -> str:
    """The notification's text (and what clients without blocks show)."""
    content = post.content
    return tab_text.clip(f"{text.title(content)}: {text.summary(content)}", FALLBACK_MAX, esc)


class SlackDigests:
    """Posts digests in Slack channels (each with its workspace's token), for the outbox."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def post_digest(
        self, channel: ChannelRef, post: DigestPost, *, once: PostOnce | None = None
    ) -> str:
        with acting_for(channel.workspace):
            async with platform_errors():
                return await post_once(
                    self.client,
                    channel,
                    once,
                    text=fallback_text(post),
                    blocks=digest_blocks(post),
                    unfurl_links=False,
                    unfurl_media=False,
                )


def digest_args(words: Sequence[str]) -> tuple[tuple[str, ...], dict[str, str]]:
    """``digest`` (the setting), ``digest off``, ``digest weekly <day> <HH:MM>``."""
    if not words:
        return ("digest",), {}
    sub, rest = words[0].lower(), [unescape(w) for w in words[1:]]
    if sub != "weekly":
        return ("digest", sub), {}
    day = rest[0] if rest else ""
    time = rest[1] if len(rest) > 1 else ""
    return ("digest", sub), {"day": day, "time": time}
