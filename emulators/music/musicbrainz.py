"""MusicBrainz web service under ``/musicbrainz/ws/2`` (``https://musicbrainz.org/ws/2``).

- ``/isrc/{ISRC}`` and ``/recording/{mbid}``; ``inc=artist-credits+releases+isrcs`` adds those
  parts (without ``inc`` a recording has only id, title, length, disambiguation, video and
  first-release-date, like the real service). ``/recording?query=isrc:X`` searches.
- JSON with ``fmt=json`` or ``Accept: application/json``, XML otherwise.
- Like the real service, requests without a meaningful User-Agent are refused (HTTP 403): a missing
  header or a library default (``python-requests/``, ``Python-urllib/``, aiohttp's
  ``Python/3.x aiohttp/...``, ``curl/``, ``Go-http-client/``). About 1 request per second per client
  address (scaled by time_scale); above that HTTP 503.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any
from xml.sax.saxutils import escape

from aiohttp import web

from emulators.core import json_response
from emulators.music import ids
from emulators.music.catalog import Catalog, Query
from emulators.music.model import Artist, Item
from emulators.music.spotify import parse_query
from emulators.music.state import MusicState

PREFIX = "/musicbrainz/ws/2"
HELP = "For usage, please see: https://musicbrainz.org/development/mmd"
GENERIC_AGENT = re.compile(
    r"^(python-requests/|Python-urllib/|Python/[\d.]+ aiohttp/|curl/|Go-http-client/|Java/|okhttp/)"
)
MBID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
OFFICIAL = "4e304316-386d-3409-af2e-78857eec5cfe"
GROUP_WORDS = ("&", "The ", "Brothers", "Twins", "Orchard", "Cartography", "Parade", "Mount ")


class MBError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _incs(request: web.Request) -> set[str]:
    return set(re.split(r"[+ ]", request.query.get("inc", ""))) - {""}


def artist_credit(names: list[str]) -> list[dict[str, Any]]:
    credits = []
    for index, name in enumerate(names):
        joiner = "" if index == len(names) - 1 else (" & " if index == len(names) - 2 else ", ")
        group = any(word in name for word in GROUP_WORDS)
        sort_name = _sort_name(name, group)
        artist = {"id": Artist(name).mbid, "name": name, "sort-name": sort_name}
        artist.update(disambiguation="", type="Group" if group else "Person")
        credits.append({"name": name, "joinphrase": joiner, "artist": artist})
    return credits


def _sort_name(name: str, group: bool) -> str:
    if name.startswith("The "):
        return f"{name[4:]}, The"
    first, _, last = name.rpartition(" ")
    return name if group or not first else f"{last}, {first}"


def release(album: Item) -> dict[str, Any]:
    return {
        "id": ids.uuid_from("mb-release:" + album.key),
        "title": album.title,
        "status": "Official",
        "status-id": OFFICIAL,
        "date": album.release_date,
        "country": "XW",
        "barcode": album.upc,
        "disambiguation": "",
        "quality": "normal",
        "packaging": None,
        "text-representation": {"language": "eng", "script": "Latn"},
        "release-events": [{"date": album.release_date, "area": None}],
    }


def recording(catalog: Catalog, track: Item, incs: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": track.mbid,
        "title": track.title,
        "length": track.duration_ms,
        "disambiguation": "",
        "video": False,
        "first-release-date": track.release_date,
    }
    if "artist-credits" in incs:
        out["artist-credit"] = artist_credit(track.artists)
    album = catalog.album_of(track)
    if "releases" in incs:
        out["releases"] = [release(album)] if album else []
    if "isrcs" in incs:
        out["isrcs"] = [track.isrc] if track.isrc else []
    return out


# -- XML (the default format) ---------------------------------------------------------------------
def _xml_recording(rec: dict[str, Any]) -> str:
    parts = [f"<title>{escape(rec['title'])}</title>", f"<length>{rec['length']}</length>"]
    if "artist-credit" in rec:
        names = "".join(
            f'<name-credit joinphrase="{escape(c["joinphrase"])}"><artist id="{c["artist"]["id"]}">'
            f"<name>{escape(c['name'])}</name></artist></name-credit>"
            for c in rec["artist-credit"]
        )
        parts.append(f"<artist-credit>{names}</artist-credit>")
    return f'<recording id="{rec["id"]}">{"".join(parts)}</recording>'


def _xml(data: dict[str, Any]) -> str:
    recordings = data.get("recordings", [data] if "title" in data else [])
    body = "".join(_xml_recording(r) for r in recordings)
    listing = f'<recording-list count="{len(recordings)}">{body}</recording-list>'
    inner = f'<isrc id="{data["isrc"]}">{listing}</isrc>' if "isrc" in data else body
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<metadata xmlns="http://musicbrainz.org/ns/mmd-2.0#">{inner}</metadata>'
    )


def _wants_json(request: web.Request) -> bool:
    return request.query.get("fmt") == "json" or "json" in request.headers.get("Accept", "")


# -- endpoints ------------------------------------------------------------------------------------
async def by_isrc(catalog: Catalog, request: web.Request) -> dict[str, Any]:
    isrc = request.match_info["isrc"].upper()
    if not ids.ISRC_RE.match(isrc):
        raise MBError(400, "Invalid isrc.")
    tracks = catalog.by_isrc(isrc)
    if not tracks:
        raise MBError(404, "Not Found")
    incs = _incs(request)
    return {"isrc": isrc, "recordings": [recording(catalog, t, incs) for t in tracks]}


async def by_mbid(catalog: Catalog, request: web.Request) -> dict[str, Any]:
    mbid = request.match_info["mbid"].lower()
    if not MBID_RE.match(mbid):
        raise MBError(400, "Invalid mbid.")
    track = next((t for t in catalog.items.values() if t.kind == "track" and t.mbid == mbid), None)
    if track is None:
        raise MBError(404, "Not Found")
    return recording(catalog, track, _incs(request))


async def search(catalog: Catalog, request: web.Request) -> dict[str, Any]:
    text = request.query.get("query", "")
    if not text.strip():
        raise MBError(400, "Missing query.")
    spotify_style = parse_query(re.sub(r"\b(AND|OR)\b", " ", text).replace("recording:", "track:"))
    query = Query(
        words=spotify_style.words,
        title=spotify_style.title,
        artist=spotify_style.artist,
        isrc=spotify_style.isrc,
    )
    found = catalog.search(query)
    recs = [
        {**recording(catalog, t, {"artist-credits", "releases", "isrcs"}), "score": 100}
        for t in found[:25]
    ]
    return {
        "created": "2026-01-01T00:00:00.000Z",
        "count": len(found),
        "offset": 0,
        "recordings": recs,
    }


Endpoint = Callable[[Catalog, web.Request], Awaitable[dict[str, Any]]]


def _gate(state: MusicState, request: web.Request) -> None:
    agent = request.headers.get("User-Agent", "").strip()
    if not agent or GENERIC_AGENT.match(agent):
        raise MBError(
            403,
            "Your requests are blocked: send a meaningful User-Agent such as "
            "'AppName/1.0 ( contact@example.com )'. " + HELP,
        )
    peer = request.remote or "local"
    allowed, _, _ = state.emu.limiter.take(f"musicbrainz:{peer}", limit=1, window=1.0)
    if not allowed:
        raise MBError(503, "Your requests are exceeding the allowable rate limit. " + HELP)


def handler(
    state: MusicState, endpoint: Endpoint
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        try:
            _gate(state, request)
            data = await endpoint(state.catalog, request)
        except MBError as exc:
            return json_response({"error": exc.message, "help": HELP}, status=exc.status)
        if _wants_json(request):
            return json_response(data)
        return web.Response(text=_xml(data), content_type="application/xml")

    return handle


def install(app: web.Application, state: MusicState) -> None:
    app.router.add_get(PREFIX + "/isrc/{isrc}", handler(state, by_isrc))
    app.router.add_get(PREFIX + "/recording/{mbid}", handler(state, by_mbid))
    app.router.add_get(PREFIX + "/recording", handler(state, search))
