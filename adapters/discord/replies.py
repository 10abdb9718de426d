"""The bridge's replies as Discord shows them (a leaf: commands, announcements, join cards).

The core writes replies once, in Slack's mrkdwn; Discord gets them in its own markdown."""

from __future__ import annotations

import re

CODE_SPAN = re.compile(r"(`[^`\n]*`)")
SLACK_BOLD = re.compile(r"(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])")
SLACK_LINK = re.compile(r"<(https?://[^|>\s]+)\|([^>\n]+)>")


def discord_text(text: str) -> str:
    """A reply written in Slack's mrkdwn as Discord shows it: ``*bold*`` is ``**bold**`` and
    ``<url|label>`` is ``[label](url)``; code spans are left as typed."""
    parts = CODE_SPAN.split(text)
    return "".join(part if i % 2 else _outside_code(part) for i, part in enumerate(parts))


def _outside_code(text: str) -> str:
    return SLACK_BOLD.sub(r"**\1**", SLACK_LINK.sub(r"[\2](\1)", text))
