"""What the polls say in replies (chat markdown shared by both platforms)."""

from __future__ import annotations

from bridge.polls.model import MAX_OPTIONS, MIN_OPTIONS

USAGE = (
    "Usage: `/fangroup poll <question> | <option> | <option> ... [duration:2d] [anonymous] "
    f"[blind]` ({MIN_OPTIONS}-{MAX_OPTIONS} options; an option may be a music link; `blind` "
    "hides the songs' titles until the poll closes), `/fangroup poll close <id>`."
)
NO_POLL = "No such poll in this group."
NOT_AUTHOR = "Only the poll's author or a moderator can close it."
BLIND_SONGS = "A blind poll needs every option to be a song (a music link)."
CLOSED = "This poll is closed."


def count_problem(count: int) -> str | None:
    if count < MIN_OPTIONS:
        return f"A poll needs at least {MIN_OPTIONS} options, separated by `|`."
    if count > MAX_OPTIONS:
        return f"A poll takes at most {MAX_OPTIONS} options."
    return None
