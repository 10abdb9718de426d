"""The Discord invite URL: the bot and slash-command scopes with exactly the permissions the bridge
uses (`fanbridge discord invite-url`).

Bit values are Discord's permission flags (developer docs, "Permissions"); each constant names what
the bridge does with it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode

from adapters.config_errors import ConfigError

AUTHORIZE_URL = "https://discord.com/oauth2/authorize"
SCOPES = ("bot", "applications.commands")

KICK_MEMBERS = 1 << 1  # remove a banned fan from the server when a group ban says so
BAN_MEMBERS = 1 << 2  # server bans decided by moderators on either platform
MANAGE_CHANNELS = 1 << 4  # permission overwrites that shut a banned fan out of a linked channel
ADD_REACTIONS = 1 << 6  # mirror reactions made on the other platform
VIEW_AUDIT_LOG = 1 << 7  # find who banned or timed out a member (moderation sync)
VIEW_CHANNEL = 1 << 10  # see the linked channels at all
SEND_MESSAGES = 1 << 11  # post relayed messages (fallback when webhooks are off)
MANAGE_MESSAGES = 1 << 13  # delete relayed copies and fans' messages removed "everywhere"
EMBED_LINKS = 1 << 14  # music cards and link previews
ATTACH_FILES = 1 << 15  # re-upload images and files from the other platform
READ_MESSAGE_HISTORY = 1 << 16  # reply to, edit and react on earlier messages
USE_EXTERNAL_EMOJIS = 1 << 18  # emoji from other servers in relayed text and reactions
MANAGE_ROLES = 1 << 28  # channel permission overwrites for bans and group roles
MANAGE_WEBHOOKS = 1 << 29  # per-channel webhook: relayed messages show the author's name/avatar
MANAGE_THREADS = 1 << 34  # keep mirrored threads open, archive them with the Slack thread
CREATE_PUBLIC_THREADS = 1 << 35  # a Slack thread becomes a Discord thread on the copy
SEND_MESSAGES_IN_THREADS = 1 << 38  # post Slack thread replies into that Discord thread
MODERATE_MEMBERS = 1 << 40  # timeouts mirrored from the group's moderation
CREATE_EVENTS = 1 << 44  # an artist's event as a scheduled event (edited, cancelled: its own)
CONNECT = 1 << 20  # ... in a voice channel the event's online link names
PIN_MESSAGES = 1 << 51  # pin announcements posted with `pin`

BRIDGE_PERMISSIONS = (
    KICK_MEMBERS
    | BAN_MEMBERS
    | MANAGE_CHANNELS
    | ADD_REACTIONS
    | VIEW_AUDIT_LOG
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | MANAGE_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | MANAGE_ROLES
    | MANAGE_WEBHOOKS
    | MANAGE_THREADS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
    | MODERATE_MEMBERS
    | CREATE_EVENTS
    | CONNECT
    | PIN_MESSAGES
)


def invite_url(client_id: str) -> str:
    """The URL a server admin opens to add the bot (client id = the application id)."""
    client_id = client_id.strip()
    if not client_id.isdigit():
        raise ValueError(f"application id must be digits (got {client_id!r})")
    query = urlencode(
        {"client_id": client_id, "scope": " ".join(SCOPES), "permissions": BRIDGE_PERMISSIONS}
    )
    return f"{AUTHORIZE_URL}?{query}"


def application_id_from(path: Path, env: Mapping[str, str]) -> str | None:
    """[discord] application_id from a config file (or FANBRIDGE_DISCORD_APPLICATION_ID), read
    without resolving the file's secrets: printing an invite URL needs no token."""
    if value := env.get("FANBRIDGE_DISCORD_APPLICATION_ID"):
        return value
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config ({exc})") from None
    discord = data.get("discord")
    value = discord.get("application_id") if isinstance(discord, dict) else None
    return str(value) if value else None
