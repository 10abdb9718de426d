"""Emoji names: Slack reaction names and shortcodes <-> neutral :class:`Emoji` (pure).

A unicode emoji's neutral ``name`` is its Slack-style shortcode (the first alias the ``emoji``
package knows, e.g. 👍 -> "thumbsup", with "::skin-tone-N" for a skin tone), so the same emoji
reached from either platform is the same ``Emoji`` value. Custom emoji keep their own name.
"""

from __future__ import annotations

import re

import emoji as emoji_lib

from bridge.text import Emoji

VS16 = "\ufe0f"  # emoji presentation selector
SKIN_TONES = {f"skin-tone-{n}": chr(0x1F3FB + n - 2) for n in range(2, 7)}
TONE_NAMES = {char: name for name, char in SKIN_TONES.items()}
SLACK_CUSTOM = "slack"  # custom_id of a Slack custom emoji (Slack gives them no id)
NAME = re.compile(r"[\w+\-']{1,100}")
FLAG = re.compile(r"flag-([a-z]{2})")  # Slack's flag names: "flag-de" for 🇩🇪
REGIONAL_A = 0x1F1E6
FULLY_QUALIFIED = emoji_lib.STATUS["fully_qualified"]


def canonical(char: str) -> str:
    """The fully-qualified form of a unicode emoji ("❤" -> "❤️"), or ``char`` unchanged."""
    for candidate in (char, char + VS16, char.replace(VS16, "")):
        data = emoji_lib.EMOJI_DATA.get(candidate)
        if data is not None and data["status"] == FULLY_QUALIFIED:
            return candidate
    return char


def unicode_emoji(char: str) -> Emoji:
    """The neutral emoji for a unicode character (sequence)."""
    char = canonical(char)
    name = _unicode_name(char)
    return Emoji(name=name or char, unicode=char)


def slack_name_for(emoji: Emoji) -> str:
    """The name Slack's reactions.add takes: "thumbsup", "heart", "thumbsup::skin-tone-4"."""
    if emoji.unicode and not emoji.custom_id:
        return _unicode_name(canonical(emoji.unicode)) or emoji.name
    return emoji.name


def emoji_from_slack(name: str) -> Emoji:
    """A Slack reaction name or shortcode (without colons) -> neutral emoji."""
    name = name.strip(":")
    base, _, tone = name.partition("::")
    char = shortcode_to_unicode(base)
    if not char:
        return Emoji(name=name, custom_id=SLACK_CUSTOM)
    if tone in SKIN_TONES:
        char = _with_tone(char, SKIN_TONES[tone])
    return unicode_emoji(char)


def shortcode_to_unicode(name: str) -> str:
    """ "+1" -> "👍"; "" when the name is no standard emoji (a custom one)."""
    if NAME.fullmatch(name) is None:
        return ""
    flag = FLAG.fullmatch(name)
    if flag is not None:
        pair = "".join(chr(REGIONAL_A + ord(c) - ord("a")) for c in flag[1])
        return pair if pair in emoji_lib.EMOJI_DATA else ""
    for candidate in (name, name.replace("-", "_")):  # Slack spells many names with hyphens
        code = f":{candidate}:"
        char = emoji_lib.emojize(code, language="alias")
        if char != code and char in emoji_lib.EMOJI_DATA:
            return char
    return ""


def _unicode_name(char: str) -> str:
    """Slack-style name of a known unicode emoji, "" if the ``emoji`` package does not know it."""
    tones = {c for c in char if c in TONE_NAMES}
    if len(tones) == 1:
        tone = tones.pop()
        base = _alias(canonical(char.replace(tone, "")))
        if base:
            return f"{base}::{TONE_NAMES[tone]}"
    return _alias(char)


def _alias(char: str) -> str:
    if len(char) == 2 and all(REGIONAL_A <= ord(c) < REGIONAL_A + 26 for c in char):
        return "flag-" + "".join(chr(ord(c) - REGIONAL_A + ord("a")) for c in char)
    data = emoji_lib.EMOJI_DATA.get(char)
    if data is None:
        return ""
    aliases: list[str] = data.get("alias") or []
    return (aliases[0] if aliases else str(data["en"])).strip(":").lower()


def _with_tone(char: str, tone: str) -> str:
    """Put a skin-tone modifier after the first code point, if that makes a known emoji."""
    first, rest = char[0], char[1:]
    if rest.startswith(VS16):
        rest = rest[1:]
    toned = canonical(first + tone + rest)
    return toned if toned in emoji_lib.EMOJI_DATA else char
