"""The tracks of an album or a playlist, for a listening party (bridge.party.sources.TrackLister):
asked of the provider of the link's platform when it can list them (Spotify today); the other
platforms' collections are refused with a clear reason by the party command."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from bridge.music.model import Metadata


@runtime_checkable
class ListsTracks(Protocol):
    async def tracks_of(self, platform: str, kind: str, platform_id: str) -> list[Metadata]: ...


class ProviderTracks:
    def __init__(self, providers: Mapping[str, object]) -> None:
        self._listers = {p: v for p, v in providers.items() if isinstance(v, ListsTracks)}

    async def tracks_of(self, platform: str, kind: str, platform_id: str) -> list[Metadata]:
        lister = self._listers.get(platform)
        return await lister.tracks_of(platform, kind, platform_id) if lister else []
