"""What handling one event came to: handled, ignored (with why), or a reply to the person."""

from __future__ import annotations

from dataclasses import dataclass

from bridge.records import TabEntry


@dataclass(frozen=True, slots=True)
class Handled:
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Ignored:
    reason: str


@dataclass(frozen=True, slots=True)
class Reply:
    """A command's answer; ``ephemeral`` replies are shown to the caller only."""

    text: str
    ephemeral: bool = True


@dataclass(frozen=True, slots=True)
class TabPage:
    """One page of a group's music tab, for the adapters to render (embed, blocks)."""

    group_slug: str
    group_name: str
    sort: str
    page: int
    pages: int
    total: int
    entries: tuple[TabEntry, ...]
    ephemeral: bool = True


@dataclass(frozen=True, slots=True)
class HomeTabs:
    """The first page of the music tab of every group a person's home shows."""

    tabs: tuple[TabPage, ...]


Outcome = Handled | Ignored | Reply | TabPage | HomeTabs
