"""Deezer public API under ``/deezer`` (``https://api.deezer.com``), keyless.

Errors are HTTP 200 with ``{"error": {"type", "message", "code"}}`` like the real API:
800 "no data", 500 "Wrong parameter", 4 "Quota limit exceeded" (50 requests per 5 seconds
per client address).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from emulators.core import json_response
from emulators.music import ids
from emulators.music.catalog import Catalog, Query
from emulators.music.model import Artist, Item
from emulators.music.spotify import FILTER_RE
from emulators.music.state import MusicState

PREFIX = "/deezer"
CDN = "https://cdn-images.dzcdn.net/images"
PREVIEW = "https://cdnt-preview.dzcdn.net/api/1/1"
SIZES = (("_small", 56), ("_medium", 250), ("_big", 500), ("_xl", 1000))
NO_DATA = {"type": "DataException", "message": "no data", "code": 800}
WRONG = {"type": "ParameterException", "message": "Wrong parameter", "code": 500}
QUOTA = {"type": "Exception", "message": "Quota limit exceeded", "code": 4}


class DeezerError(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error["message"])
        self.error = error


Handler = Callable[["Ctx"], Awaitable[Any]]


class Ctx:
    """One Deezer request: the catalog and the local API base for ``tracklist`` links."""

    def __init__(self, request: web.Request, catalog: Catalog) -> None:
        self.request = request
        self.catalog = catalog
        self.api = f"{request.scheme}://{request.host}{PREFIX}"

    def item(self, kind: str) -> Item:
        raw = self.request.match_info["id"]
        found: Item | None
        if kind == "track" and raw.lower().startswith("isrc:"):
            found = next(iter(self.catalog.by_isrc(raw[5:], "deezer")), None)
        elif kind == "album" and raw.lower().startswith("upc:"):
            found = self.catalog.by_upc(raw[4:])
            found = found if found is not None and "deezer" in found.platforms else None
        elif not raw.isdigit():
            raise DeezerError(WRONG)
        else:
            found = self.catalog.find("deezer", kind, raw)
        if found is None:
            raise DeezerError(NO_DATA)
        return found

    # -- objects --------------------------------------------------------------------------------
    def pictures(self, kind: str, digest: str, name: str = "cover") -> dict[str, str]:
        out = {name: f"{CDN}/{kind}/{digest}/120x120-000000-80-0-0.jpg"}
        for suffix, size in SIZES:
            out[name + suffix] = f"{CDN}/{kind}/{digest}/{size}x{size}-000000-80-0-0.jpg"
        return out

    def artist(self, artist: Artist, *, full: bool = False) -> dict[str, Any]:
        aid = int(artist.deezer_id)
        out: dict[str, Any] = {"id": aid, "name": artist.name}
        out["link"] = f"https://www.deezer.com/artist/{aid}"
        out.update(self.pictures("artist", ids.hex_id("dzartist:" + artist.name), "picture"))
        out.update(radio=True, tracklist=f"{self.api}/artist/{aid}/top?limit=50", type="artist")
        if full:
            albums = self.catalog.by_artist(artist.name, "album", "deezer")
            out.update(share=out["link"], nb_album=len(albums), nb_fan=1000 + aid % 90000)
        return out

    def album_small(self, album: Item) -> dict[str, Any]:
        aid = int(album.pid("deezer"))
        md5 = ids.hex_id("dzcover:" + album.key)
        out: dict[str, Any] = {"id": aid, "title": album.title}
        out["link"] = f"https://www.deezer.com/album/{aid}"
        out.update(self.pictures("cover", md5))
        out.update(md5_image=md5, release_date=album.release_date)
        out.update(tracklist=f"{self.api}/album/{aid}/tracks", type="album")
        return out

    def track(self, track: Item, *, full: bool = False) -> dict[str, Any]:
        tid = int(track.pid("deezer"))
        album = self.catalog.album_of(track)
        out: dict[str, Any] = {
            "id": tid,
            "readable": True,
            "title": track.title,
            "title_short": track.title,
            "title_version": "",
            "link": f"https://www.deezer.com/track/{tid}",
            "duration": (track.duration_ms or 0) // 1000,
            "rank": 100_000 + tid % 800_000,
            "explicit_lyrics": track.explicit,
            "explicit_content_lyrics": 1 if track.explicit else 0,
            "explicit_content_cover": 0,
            "preview": f"{PREVIEW}/{ids.hex_id('pv:' + track.key)}.mp3",
            "md5_image": ids.hex_id("dzcover:" + (album.key if album else track.key)),
            "artist": self.artist(Artist(track.artists[0])),
            "type": "track",
        }
        if album is not None and "deezer" in album.platforms:
            out["album"] = self.album_small(album)
        if full:
            out.update(self._track_details(track, tid))
        return out

    def _track_details(self, track: Item, tid: int) -> dict[str, Any]:
        return {
            "isrc": track.isrc,
            "share": f"https://www.deezer.com/track/{tid}?utm_source=deezer&utm_content=track-{tid}",
            "track_position": track.track_number,
            "disk_number": 1,
            "release_date": track.release_date,
            "bpm": 0,
            "gain": -8.4,
            "available_countries": ["DE", "FR", "GB", "US"],
            "contributors": [
                {**self.artist(Artist(name)), "role": "Main"} for name in track.artists
            ],
        }

    def album(self, album: Item) -> dict[str, Any]:
        tracks = self.catalog.tracks_of(album, "deezer")
        out = self.album_small(album)
        out.update(
            upc=album.upc,
            share=out["link"],
            genre_id=ids.number(album.genre) % 400,
            genres={"data": [{"id": ids.number(album.genre) % 400, "name": album.genre}]},
            label=album.label,
            nb_tracks=len(tracks),
            duration=sum((t.duration_ms or 0) // 1000 for t in tracks),
            fans=ids.number(album.key) % 50_000,
            record_type=album.album_type,
            available=True,
            explicit_lyrics=any(t.explicit for t in tracks),
            contributors=[self.artist(Artist(a)) for a in album.artists],
            artist=self.artist(Artist(album.artists[0])),
            tracks={"data": [self.track(t) for t in tracks]},
        )
        return out


def _json(data: Any) -> web.Response:
    return json_response(data)


def _quota(state: MusicState, request: web.Request) -> None:
    peer = request.remote or "local"
    allowed, _, _ = state.emu.limiter.take(f"deezer:{peer}", limit=50, window=5.0)
    if not allowed:
        raise DeezerError(QUOTA)


def handler(state: MusicState, endpoint: Handler) -> Callable[[web.Request], Awaitable[Any]]:
    async def handle(request: web.Request) -> web.Response:
        try:
            _quota(state, request)
            return _json(await endpoint(Ctx(request, state.catalog)))
        except DeezerError as exc:
            return _json({"error": exc.error})

    return handle


# -- endpoints ------------------------------------------------------------------------------------
async def get_track(ctx: Ctx) -> Any:
    return ctx.track(ctx.item("track"), full=True)


async def get_album(ctx: Ctx) -> Any:
    return ctx.album(ctx.item("album"))


async def get_album_tracks(ctx: Ctx) -> Any:
    tracks = ctx.catalog.tracks_of(ctx.item("album"), "deezer")
    return {"data": [ctx.track(t) for t in tracks], "total": len(tracks)}


async def get_artist(ctx: Ctx) -> Any:
    artist = ctx.catalog.artist("deezer", ctx.request.match_info["id"])
    if artist is None:
        raise DeezerError(NO_DATA)
    return ctx.artist(artist, full=True)


async def get_playlist(ctx: Ctx) -> Any:
    playlist = ctx.item("playlist")
    pid = int(playlist.pid("deezer"))
    tracks = ctx.catalog.tracks_of(playlist, "deezer")
    checksum = ids.hex_id("checksum:" + ",".join(t.id for t in tracks))
    out: dict[str, Any] = {"id": pid, "title": playlist.title, "description": playlist.description}
    out.update(duration=sum((t.duration_ms or 0) // 1000 for t in tracks), public=True)
    out.update(is_loved_track=False, collaborative=False, nb_tracks=len(tracks), fans=42)
    out.update(
        link=f"https://www.deezer.com/playlist/{pid}",
        share=f"https://www.deezer.com/playlist/{pid}",
    )
    out.update(ctx.pictures("playlist", ids.hex_id("dzpl:" + playlist.key), "picture"))
    out.update(checksum=checksum, tracklist=f"{ctx.api}/playlist/{pid}/tracks")
    out.update(creation_date=f"{playlist.release_date} 12:00:00", picture_type="playlist")
    creator = int(ids.digits("dzuser:" + playlist.owner, 9))
    out["creator"] = {
        "id": creator,
        "name": playlist.owner,
        "tracklist": f"{ctx.api}/user/{creator}/flow",
        "type": "user",
    }
    out.update(
        type="playlist", tracks={"data": [ctx.track(t) for t in tracks], "checksum": checksum}
    )
    return out


def parse_search(q: str) -> Query:
    """Deezer's advanced search: ``artist:"x" track:"y" album:"z"`` plus free words."""
    fields = {m.group(1).lower(): m.group(2) or m.group(3) for m in FILTER_RE.finditer(q)}
    rest = FILTER_RE.sub("", q)
    words = tuple(w.strip('"') for w in rest.split() if w.strip('"'))
    return Query(
        words=words,
        title=fields.get("track"),
        artist=fields.get("artist"),
        album=fields.get("album"),
    )


async def search(ctx: Ctx) -> Any:
    kind = ctx.request.match_info.get("kind", "track")
    q = ctx.request.query.get("q", "")
    if not q.strip():
        raise DeezerError(
            {"type": "MissingParameterException", "message": "Missing parameters: q", "code": 501}
        )
    query = parse_search(q)
    if kind == "artist":
        names = [a for a in ctx.catalog.artists.values() if query.matches(_artist_item(a))]
        rows = [
            ctx.artist(a, full=True)
            for a in names
            if ctx.catalog.by_artist(a.name, platform="deezer")
        ]
    else:
        found = ctx.catalog.search(
            query, kind="album" if kind == "album" else "track", platform="deezer"
        )
        rows = [ctx.album_small(i) if kind == "album" else ctx.track(i) for i in found]
    return _page(ctx, rows, q, kind)


def _artist_item(artist: Artist) -> Item:
    return Item(id="", kind="track", title="", artists=[artist.name])


def _page(ctx: Ctx, rows: list[Any], q: str, kind: str) -> dict[str, Any]:
    try:
        index = int(ctx.request.query.get("index", 0))
        limit = min(int(ctx.request.query.get("limit", 25)), 100)
    except ValueError:
        raise DeezerError(WRONG) from None
    out: dict[str, Any] = {"data": rows[index : index + limit], "total": len(rows)}
    path = "search" if kind == "track" else f"search/{kind}"
    if index + limit < len(rows):
        out["next"] = f"{ctx.api}/{path}?{urlencode({'q': q, 'index': index + limit})}"
    if index > 0:
        out["prev"] = f"{ctx.api}/{path}?{urlencode({'q': q, 'index': max(index - limit, 0)})}"
    return out


async def unknown(ctx: Ctx) -> Any:
    raise DeezerError(NO_DATA)


ROUTES: tuple[tuple[str, Handler], ...] = (
    ("/track/{id}", get_track),
    ("/album/{id}", get_album),
    ("/album/{id}/tracks", get_album_tracks),
    ("/artist/{id}", get_artist),
    ("/playlist/{id}", get_playlist),
    ("/search", search),
    ("/search/{kind:track|album|artist}", search),
    ("/{tail:.*}", unknown),
)


def install(app: web.Application, state: MusicState) -> None:
    for path, endpoint in ROUTES:
        app.router.add_get(PREFIX + path, handler(state, endpoint))
