"""The sentences every command shares, one wording per situation, and the helpers that put a
person's or a platform's name into a reply. A leaf: any service may import it."""

from __future__ import annotations

from collections.abc import Iterable

from bridge.ids import Platform
from bridge.records import Account

NOT_LINKED = "This channel is not linked to a group. See `/fangroup help`."
NOT_BRIDGED = "This message is not bridged by a Fan Group."
UNKNOWN_AUTHOR = "The bridge does not know who wrote this message."


def no_group(name: str) -> str:
    """A command named a group that does not exist (by its slug or its name)."""
    return f"No group `{safe_name(name.strip()[:80])}`. Create one with `/fangroup create <name>`."


def owners_only(what: str) -> str:
    """Something only the group's owners (and the platform's channel managers) may do."""
    return (
        f"Sorry, you may not {what}: it takes Manage Channels (Discord), a workspace admin "
        "(Slack), or being an owner of the group."
    )


def platform_name(platform: Platform) -> str:
    return {Platform.DISCORD: "Discord", Platform.SLACK: "Slack"}.get(platform, platform.value)


def safe_name(name: str) -> str:
    """A display name inside a reply: no ``<…>`` can form a Slack mention or link."""
    return name.replace("<", "‹").replace(">", "›").replace("`", "'")


def people(accounts: Iterable[Account]) -> str:
    """A member as each platform knows them: ``Alice (Discord), erin (Slack)``."""
    named = (f"{safe_name(a.display_name)} ({platform_name(a.user.platform)})" for a in accounts)
    return ", ".join(named)
