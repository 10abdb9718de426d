"""What handling one event came to: handled, ignored (with why), or a reply to the person
(text, a page of the music tab, the tabs of a person's home)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bridge.music.tab_query import TabPage
from bridge.records import TabEntry


@dataclass(frozen=True, slots=True)
class Handled:
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Ignored:
    reason: str


@dataclass(frozen=True, slots=True)
class Held(Ignored):
    """Kept by the catch-up gate until its channel's history is read, then handled."""


@dataclass(frozen=True, slots=True)
class Reply:
    """A command's answer; ``ephemeral`` replies are shown to the caller only."""

    text: str
    ephemeral: bool = True


@dataclass(frozen=True, slots=True)
class HomeTabs:
    """The first page of the music tab of every group a person's home shows."""

    tabs: tuple[TabPage[TabEntry], ...]


Outcome = Handled | Ignored | Reply | TabPage[TabEntry] | HomeTabs
# What a service declares it handles (``handlers()``): event type -> bound handler. The
# composition root merges every service's into the one table the router dispatches on.
EventHandler = Callable[[Any], Awaitable[Outcome]]
EventHandlers = dict[type, EventHandler]
