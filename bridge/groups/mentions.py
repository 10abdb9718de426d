"""Who a command names, read one way everywhere (`/fangroup ban @user`, `mod add`, `artist add`,
`modlog @user`, and the Slack adapter reading its command text).

A person is named by:
- a mention: Discord ``<@123>`` or ``<@!123>``; Slack ``<@U123>`` or ``<@U123|name>``;
- the bare id: ``123`` (Discord), ``U123`` / ``W123`` (Slack);
- ``@name``: a name only, no id (Slack sends it when a command is not escaped); it names no
  one the bridge can act on, and the command says so.
An id is valid for a platform when it could be one of its users: a Discord snowflake (digits, at
most a signed 64-bit integer) or a Slack user id (U or W and upper-case letters and digits)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bridge.ids import Platform

MENTION = re.compile(r"<@!?([A-Z0-9]+)(?:\|([^>]*))?>")
# A Discord id is a snowflake (a 64-bit count of milliseconds since 2015 and more): none is
# larger than a signed 64-bit integer (a PostgreSQL BIGINT) before 2084, so a larger one is a
# mistake, refused before it reaches the database or a platform.
MAX_SNOWFLAKE = 2**63 - 1
NUMBER = re.compile(r"[0-9]{1,30}")
SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,30}")


@dataclass(frozen=True, slots=True)
class UserMention:
    user_id: str  # the platform's id; "" when only a name was given (``@name``)
    name: str = ""  # the name the text carries (``<@U123|name>``, ``@name``), if any


def read_user(text: str) -> UserMention | None:
    """The person ``text`` names (the forms in the module's docstring); None for empty text."""
    raw = text.strip()
    if not raw:
        return None
    found = MENTION.fullmatch(raw)
    if found is not None:
        return UserMention(found.group(1), found.group(2) or "")
    if raw.startswith("@") and len(raw) > 1:
        return UserMention("", raw[1:])
    return UserMention(raw)


def target_id(text: str) -> str:
    """The user id ``text`` names, or the text itself when it names none (a refusal shows it)."""
    found = read_user(text)
    return found.user_id if found and found.user_id else text.strip()


def first_mention(text: str) -> UserMention | None:
    """The first mention in ``text`` (``mod add <@U123|erin> ...``), whatever its id: whether
    the id can be a user is the command's to say, so it can say so."""
    found = MENTION.search(text)
    return UserMention(found.group(1), found.group(2) or "") if found else None


def mentions_in(text: str, platform: Platform) -> list[UserMention]:
    """Every mention of a person in ``text`` whose id is valid on ``platform``, once each."""
    found = (UserMention(m.group(1), m.group(2) or "") for m in MENTION.finditer(text))
    unique = {m.user_id: m for m in found if is_user_id(platform, m.user_id)}
    return list(unique.values())


def is_user_id(platform: Platform, user_id: str) -> bool:
    check = VALID_USER_ID.get(platform)
    return check is not None and check(user_id)


def too_large(platform: Platform, user_id: str) -> bool:
    digits = user_id.isascii() and user_id.isdigit()
    return platform is Platform.DISCORD and digits and int(user_id) > MAX_SNOWFLAKE


VALID_USER_ID: dict[Platform, Callable[[str], bool]] = {
    Platform.DISCORD: lambda i: NUMBER.fullmatch(i) is not None and 0 < int(i) <= MAX_SNOWFLAKE,
    Platform.SLACK: lambda i: SLACK_USER_ID.fullmatch(i) is not None,
}
