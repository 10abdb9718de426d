"""Names as Discord accepts them for webhook posts (a leaf: the sender and announcements)."""

from __future__ import annotations

import re

FORBIDDEN_IN_NAMES = re.compile("discord|clyde", re.IGNORECASE)


def webhook_safe(name: str) -> str:
    """A name Discord accepts for a webhook post. Discord refuses names containing "discord"
    or "clyde" in any case (400, code 50035 on ``username``): such a word keeps its letters and
    gets a middle dot after its third one, "DiscordDan" -> "Dis·cordDan", "clyde" -> "Cly·de".
    Readable at a glance, and no lookalike letter that could pass for the real word."""
    while (found := FORBIDDEN_IN_NAMES.search(name)) is not None:
        cut = found.start() + 3
        name = f"{name[:cut]}·{name[cut:]}"
    return name
