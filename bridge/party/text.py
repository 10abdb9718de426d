"""The parties' words: notices in the channels and the commands' replies."""

from __future__ import annotations

from bridge.party.card import clock_text
from bridge.party.model import Party, PartyState

USAGE = (
    "Usage: `/fangroup party start <top|recent|links...> [when:<time>]`, "
    "`/fangroup party pause|resume|skip|stop`, `/fangroup party queue`, "
    "`/fangroup party add <link>`, `/fangroup party adds on|off`"
)
NO_PARTY = "No listening party is on in this group. Start one with `/fangroup party start top`."
NOT_HOST = "Only the party's host and the group's moderators may do that."


def reminder(party: Party, before: float) -> str:
    when = "in 1 hour" if before >= 3600 else f"in {round(before / 60)} minutes"
    title = f": {party.draft.title}" if party.draft.title else ""
    return f"⏰ Listening party with {party.draft.host_name} starts {when}{title}"


def scheduled(party: Party) -> str:
    title = f": {party.draft.title}" if party.draft.title else ""
    return (
        f"📅 Listening party #{party.id} with {party.draft.host_name} starts "
        f"<t:{round(party.draft.starts_at)}>, {len(party.queue)} song(s){title}"
    )


def starting(party: Party) -> str:
    return (
        f"🎧 Listening party #{party.id} with {party.draft.host_name} is starting: "
        f"{len(party.queue)} song(s). Listen along and comment here."
    )


def summary(party: Party, comments: int) -> str:
    played = min(party.index, len(party.queue))
    return (
        f"🎧 Listening party #{party.id} is over: {played} of {len(party.queue)} song(s) "
        f"played with {party.draft.host_name}, {comments} comment(s) stamped on the songs."
    )


def status(party: Party, titles: list[str], position_ms: int) -> str:
    if party.state is PartyState.SCHEDULED:
        return scheduled(party)
    lines = [f"🎧 Party #{party.id} ({party.state.value}), host {party.draft.host_name}:"]
    for n, title in enumerate(titles):
        if n < party.index:
            continue
        mark = "▶" if n == party.index else f"{n + 1}."
        at = f" ({clock_text(position_ms)})" if n == party.index else ""
        lines.append(f"{mark} {title}{at}")
        if len(lines) > 12:
            lines.append(f"… {len(titles) - n - 1} more")
            break
    return "\n".join(lines)
