"""Names as Discord shows and accepts them for webhook posts (a leaf: the sender and
announcements)."""

from __future__ import annotations

import re

from bridge.actions import OutgoingMessage

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


def shown_name(message: OutgoingMessage) -> str:
    """The author's name with their badge, as a copy or an announcement shows it."""
    return fit(message.author_name, message.badge)


def webhook_name(message: OutgoingMessage) -> str:
    badge = webhook_safe(message.badge) if message.badge else None
    return fit(webhook_safe(message.author_name), badge) or "fan"


def fit(name: str, badge: str | None) -> str:
    """The author's name with their badge (``Name ✔ artist``), within the webhook's 80
    characters: a long name is cut, never the badge."""
    if not badge:
        return name[:80]
    shown = f" {badge}"[:80]
    return name[: 80 - len(shown)] + shown
