"""Spotify Web API object shapes (2026 Development Mode: fields removed in February 2026 are absent:
popularity, available_markets, linked_from, label, followers, user country/email/product)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from emulators.music import ids
from emulators.music.catalog import Catalog
from emulators.music.model import Artist, Item
from emulators.music.state import Entry, SpotifyPlaylist

ALBUM_TYPES = {"album": "album", "single": "single", "ep": "single", "compilation": "compilation"}
IMAGE_SIZES = (("ab67616d0000b273", 640), ("ab67616d00001e02", 300), ("ab67616d00004851", 64))
ARTIST_SIZES = (("ab6761610000e5eb", 640), ("ab67616100005174", 320), ("ab6761610000f178", 160))


def paging(
    href: str, items: list[Any], *, total: int, limit: int, offset: int, **query: str
) -> dict[str, Any]:
    def page(at: int) -> str:
        return f"{href}?{urlencode({**query, 'offset': at, 'limit': limit})}"

    return {
        "href": page(offset),
        "items": items,
        "limit": limit,
        "next": page(offset + limit) if offset + limit < total else None,
        "offset": offset,
        "previous": page(max(offset - limit, 0)) if offset > 0 else None,
        "total": total,
    }


class Render:
    """Builds Spotify objects for one request (``api`` = the local ``.../spotify/v1`` base)."""

    def __init__(self, catalog: Catalog, api: str, display_names: dict[str, str]) -> None:
        self.catalog = catalog
        self.api = api
        self.display_names = display_names

    # -- artists --------------------------------------------------------------------------------
    def simplified_artist(self, name: str) -> dict[str, Any]:
        aid = Artist(name).spotify_id
        return {
            "external_urls": {"spotify": f"https://open.spotify.com/artist/{aid}"},
            "href": f"{self.api}/artists/{aid}",
            "id": aid,
            "name": name,
            "type": "artist",
            "uri": f"spotify:artist:{aid}",
        }

    def artist(self, artist: Artist) -> dict[str, Any]:
        images = [
            {"url": f"https://i.scdn.co/image/{p}{artist.image_hash}", "height": s, "width": s}
            for p, s in ARTIST_SIZES
        ]
        return {**self.simplified_artist(artist.name), "images": images}

    # -- albums ---------------------------------------------------------------------------------
    def images(self, item: Item | None) -> list[dict[str, Any]]:
        if item is None or "spotify" not in item.platforms:
            return []
        digest = ids.hex_id("img:" + item.pid("spotify"), 24)
        return [
            {"url": f"https://i.scdn.co/image/{prefix}{digest}", "height": size, "width": size}
            for prefix, size in IMAGE_SIZES
        ]

    def simplified_album(self, album: Item) -> dict[str, Any]:
        aid = album.pid("spotify")
        return {
            "album_type": ALBUM_TYPES.get(album.album_type, "album"),
            "total_tracks": len(album.tracks),
            "external_urls": {"spotify": album.platforms["spotify"]["url"]},
            "href": f"{self.api}/albums/{aid}",
            "id": aid,
            "images": self.images(album),
            "name": album.title,
            "release_date": album.release_date,
            "release_date_precision": "day",
            "type": "album",
            "uri": f"spotify:album:{aid}",
            "artists": [self.simplified_artist(a) for a in album.artists],
        }

    def album(self, album: Item, *, limit: int = 50) -> dict[str, Any]:
        tracks = self.catalog.tracks_of(album, "spotify")
        year = album.release_date[:4]
        return {
            **self.simplified_album(album),
            "tracks": self.album_tracks(album, tracks[:limit], limit=limit, offset=0),
            "copyrights": [
                {"text": f"© {year} {album.label}", "type": "C"},
                {"text": f"℗ {year} {album.label}", "type": "P"},
            ],
            "external_ids": {"upc": album.upc},
            "genres": [],
        }

    def album_tracks(
        self, album: Item, page: list[Item], *, limit: int, offset: int
    ) -> dict[str, Any]:
        href = f"{self.api}/albums/{album.pid('spotify')}/tracks"
        total = len(self.catalog.tracks_of(album, "spotify"))
        items = [self.simplified_track(t) for t in page]
        return paging(href, items, total=total, limit=limit, offset=offset)

    # -- tracks ---------------------------------------------------------------------------------
    def simplified_track(self, track: Item) -> dict[str, Any]:
        tid = track.pid("spotify")
        return {
            "artists": [self.simplified_artist(a) for a in track.artists],
            "disc_number": 1,
            "duration_ms": track.duration_ms,
            "explicit": track.explicit,
            "external_urls": {"spotify": track.platforms["spotify"]["url"]},
            "href": f"{self.api}/tracks/{tid}",
            "id": tid,
            "is_local": False,
            "is_playable": True,
            "name": track.title,
            "preview_url": None,
            "track_number": track.track_number,
            "type": "track",
            "uri": f"spotify:track:{tid}",
        }

    def track(self, track: Item) -> dict[str, Any]:
        album = self.catalog.album_of(track)
        out = self.simplified_track(track)
        if album is not None and "spotify" in album.platforms:
            out["album"] = self.simplified_album(album)
        out["external_ids"] = {"isrc": track.isrc}
        return out

    # -- users and playlists --------------------------------------------------------------------
    def user(self, user_id: str) -> dict[str, Any]:
        return {
            "display_name": self.display_names.get(user_id, user_id),
            "external_urls": {"spotify": f"https://open.spotify.com/user/{user_id}"},
            "href": f"{self.api}/users/{user_id}",
            "id": user_id,
            "type": "user",
            "uri": f"spotify:user:{user_id}",
        }

    def playlist_entry(self, entry: Entry) -> dict[str, Any] | None:
        track = self.catalog.get(entry.track_id)
        if track is None or "spotify" not in track.platforms:
            return None
        rendered = self.track(track)
        added_by = {k: v for k, v in self.user(entry.added_by).items() if k != "display_name"}
        return {
            "added_at": entry.added_at,
            "added_by": added_by,
            "is_local": False,
            "item": rendered,
            "track": rendered,
        }

    def playlist_items(
        self, playlist: SpotifyPlaylist, *, limit: int, offset: int
    ) -> dict[str, Any]:
        rows = [r for e in playlist.entries if (r := self.playlist_entry(e)) is not None]
        href = f"{self.api}/playlists/{playlist.id}/items"
        page = rows[offset : offset + limit]
        return paging(href, page, total=len(rows), limit=limit, offset=offset)

    def playlist(self, playlist: SpotifyPlaylist, *, items: str) -> dict[str, Any]:
        """``items``: "full" (owner/collaborator view), "ref" ({href, total}) or "none"."""
        out: dict[str, Any] = {
            "collaborative": playlist.collaborative,
            "description": playlist.description,
            "external_urls": {"spotify": f"https://open.spotify.com/playlist/{playlist.id}"},
            "href": f"{self.api}/playlists/{playlist.id}",
            "id": playlist.id,
            "images": self._playlist_images(playlist),
            "name": playlist.name,
            "owner": self.user(playlist.owner),
            "public": playlist.public,
            "snapshot_id": playlist.snapshot_id,
            "type": "playlist",
            "uri": f"spotify:playlist:{playlist.id}",
        }
        ref = {"href": f"{self.api}/playlists/{playlist.id}/items", "total": len(playlist.entries)}
        if items == "full":
            out["items"] = out["tracks"] = self.playlist_items(playlist, limit=100, offset=0)
        elif items == "ref":
            out["items"] = out["tracks"] = ref
        return out

    def _playlist_images(self, playlist: SpotifyPlaylist) -> list[dict[str, Any]]:
        if not playlist.entries:
            return []
        digest = ids.hex_id("mosaic:" + playlist.id + str(playlist.version), 40)
        return [{"url": f"https://mosaic.scdn.co/640/{digest}", "height": 640, "width": 640}]
