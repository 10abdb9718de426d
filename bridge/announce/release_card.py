"""The release card an announcement shows: a known track or album, its artwork and its links
(one per platform). A plain value: actions and adapters read it,
``bridge.announce.release`` builds it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Release:
    title: str
    artists: tuple[str, ...]
    kind: str
    artwork_url: str | None
    links: tuple[tuple[str, str], ...]  # (platform label, url), one per platform

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "artists": list(self.artists),
            "kind": self.kind,
            "artwork_url": self.artwork_url,
            "links": [list(pair) for pair in self.links],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Release:
        return cls(
            title=str(data.get("title", "")),
            artists=tuple(str(a) for a in data.get("artists") or ()),
            kind=str(data.get("kind", "track")),
            artwork_url=str(data["artwork_url"]) if data.get("artwork_url") else None,
            links=tuple((str(p), str(u)) for p, u in data.get("links") or ()),
        )
