"""How `/fangroup` is typed: each subcommand's usage line, the arguments it cannot do without,
the subcommand a mistyped word most likely meant, and the group a word names (its slug or its
name, in any case)."""

from __future__ import annotations

import difflib
from collections.abc import Collection

from bridge.events import CommandInvoked
from bridge.ports import GroupStore
from bridge.records import FanGroup

USAGE: dict[str, str] = {
    "create": "create <name> [kind:artist|genre|topic]",
    "link": "link <group>",
    "unlink": "unlink",
    "info": "info",
    "help": "help",
    "music": "music [recent|top|reacted] [page]",
    "links": "links on|off",
    "account": "account link | account confirm <code> | account unlink",
    "mod": "mod add|remove @user",
    "artist": "artist add|remove @user | artist list",
    "roles": "roles",
    "ban": "ban @user [reason] [purge 10m]",
    "unban": "unban @user",
    "modlog": "modlog [@user]",
    "timeout": "timeout @user 10m",
    "untimeout": "untimeout @user",
    "kick": "kick @user [reason]",
    "policy": "policy mirror|suggest|log",
    "banscope": "banscope channel|guild",
    "kickscope": "kickscope channel|guild",
    "modchannel": "modchannel [group|clear]",
    "visibility": "visibility public|invite|approval",
    "invite": "invite [uses] [expiry]",
    "join": "join [code|group]",
    "web": "web [group]",
    "party": (
        "party start <top|recent|links> [when:<time>] | party pause|resume|skip|stop|queue | "
        "party add <link> | party adds on|off"
    ),
    "poll": (
        "poll <question> | <option> | <option> ... [duration:2d] [anonymous] [blind] | "
        "poll close <id>"
    ),
    "digest": "digest weekly <day> <HH:MM> | digest off | digest",
}
# the second word of the subcommands that have one
SECOND_WORDS: dict[str, tuple[str, ...]] = {
    "account": ("link", "confirm", "unlink"),
    "mod": ("add", "remove"),
    "artist": ("add", "remove", "list"),
    "party": ("start", "pause", "resume", "skip", "stop", "queue", "status", "add", "adds"),
    "digest": ("weekly", "off", "show"),
}
# the argument a command path cannot do without
REQUIRED: dict[tuple[str, ...], str] = {
    ("create",): "name",
    ("link",): "group",
    ("account", "confirm"): "code",
    ("mod", "add"): "user",
    ("mod", "remove"): "user",
    ("artist", "add"): "user",
    ("artist", "remove"): "user",
    ("ban",): "user",
    ("unban",): "user",
    ("timeout",): "user",
    ("untimeout",): "user",
    ("kick",): "user",
}


def usage(subcommand: str) -> str:
    """``Usage: `/fangroup link <group>``` (the help's pointer for a subcommand it lacks)."""
    line = USAGE.get(subcommand)
    return f"Usage: `/fangroup {line}`" if line else "See `/fangroup help`."


def missing_argument(event: CommandInvoked) -> str | None:
    """The usage line when the command lacks the argument it cannot do without; else None."""
    needed = REQUIRED.get(event.path)
    if needed is None or event.args.get(needed, "").strip():
        return None
    return usage(event.path[0])


def unknown(word: str, known: Collection[str]) -> str:
    """The answer to a subcommand that does not exist: the likeliest one and its usage."""
    shown = word[:40].replace("`", "'")
    close = difflib.get_close_matches(word.lower(), sorted(known), n=1, cutoff=0.6)
    if not close:
        return f"Unknown subcommand `{shown}`. See `/fangroup help` for them all."
    return f"Unknown subcommand `{shown}`. Did you mean `{close[0]}`?\n{usage(close[0])}"


def second_word_typo(path: tuple[str, ...]) -> str | None:
    """ "Did you mean `account confirm`?" for ``account confrim``; None unless a second word
    was mistyped into one close to a known one."""
    known = SECOND_WORDS.get(path[0]) if path else None
    if known is None or len(path) < 2 or path[1] in known:
        return None
    close = difflib.get_close_matches(path[1], known, n=1, cutoff=0.6)
    if not close:
        return None
    shown = path[1][:40].replace("`", "'")
    return (
        f"Unknown subcommand `{path[0]} {shown}`. Did you mean `{path[0]} {close[0]}`?\n"
        f"{usage(path[0])}"
    )


async def find_group(store: GroupStore, word: str) -> FanGroup | None:
    """The group ``word`` names: by slug or by name, in any case (None when none)."""
    wanted = word.strip()
    if not wanted:
        return None
    by_slug = await store.get_group(wanted.lower())
    if by_slug is not None:
        return by_slug
    folded = wanted.casefold()
    return next((g for g in await store.list_groups() if g.name.casefold() == folded), None)
