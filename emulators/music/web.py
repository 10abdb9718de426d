"""Public web pages under ``/web/<host>/<path>``: what ``https://<host>/<path>`` serves.

- Short-link redirectors (spotify.link, link.tospotify.com, on.soundcloud.com,
  soundcloud.app.goo.gl, deezer.page.link, dzr.page.link, link.deezer.com/s/...) answer 301/302
  with the REAL https Location; youtu.be/<id> answers 303 to www.youtube.com/watch.
- Bandcamp track/album pages with Open Graph tags and a schema.org JSON-LD block (duration,
  byArtist); other catalog pages (open.spotify.com, music.apple.com, deezer.com, tidal.com, ...)
  with Open Graph + ``music:*`` tags. Unknown pages and codes answer 404.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from aiohttp import web

from emulators.music import ids
from emulators.music.catalog import Catalog
from emulators.music.links import SHORT_HOSTS
from emulators.music.model import Item
from emulators.music.state import MusicState

PREFIX = "/web"
BANDCAMP_404 = "<h2>Sorry, that something isn’t here.</h2>"


def _meta(tags: list[tuple[str, str, str]]) -> str:
    return "\n".join(
        f'<meta {attr}="{escape(name)}" content="{escape(value)}">' for attr, name, value in tags
    )


def _document(title: str, tags: list[tuple[str, str, str]], body: str, extra: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n{_meta(tags)}\n{extra}</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


def _iso_duration(ms: int | None) -> str:
    seconds = (ms or 0) // 1000
    return f"P00H{seconds // 60:02d}M{seconds % 60:02d}S"


# -- Bandcamp -------------------------------------------------------------------------------------
def _bandcamp_image(item: Item) -> str:
    return f"https://f4.bcbits.com/img/a{ids.digits('bc-art:' + item.key, 10)}_5.jpg"


def _list_item(position: int, track: Item) -> dict[str, Any]:
    recording = {"@type": "MusicRecording", "@id": track.platforms["bandcamp"]["url"]}
    recording.update(name=track.title, duration=_iso_duration(track.duration_ms))
    return {"@type": "ListItem", "position": position, "item": recording}


def _bandcamp_ld(catalog: Catalog, item: Item, url: str) -> dict[str, Any]:
    sub = item.pid("bandcamp").split("/")[0]
    artist = {"@type": "MusicGroup", "name": item.artist, "@id": f"https://{sub}.bandcamp.com"}
    data: dict[str, Any] = {"@context": "https://schema.org", "@id": url, "name": item.title}
    data.update(byArtist=artist, image=_bandcamp_image(item), datePublished=item.release_date)
    if item.kind == "track":
        data.update({"@type": "MusicRecording", "duration": _iso_duration(item.duration_ms)})
        album = catalog.album_of(item)
        if album is not None and "bandcamp" in album.platforms:
            data["inAlbum"] = {
                "@type": "MusicAlbum",
                "name": album.title,
                "@id": album.platforms["bandcamp"]["url"],
            }
        return data
    tracks = catalog.tracks_of(item, "bandcamp")
    elements = [_list_item(n, t) for n, t in enumerate(tracks, start=1)]
    data.update({"@type": "MusicAlbum", "numTracks": len(tracks)})
    data["track"] = {"@type": "ItemList", "numberOfItems": len(tracks), "itemListElement": elements}
    return data


def bandcamp_page(catalog: Catalog, item: Item) -> str:
    url = item.platforms["bandcamp"]["url"]
    heading = f"{item.title}, by {item.artist}"
    album = f"from the album {item.album}" if item.kind == "track" and item.album else "album"
    number = ids.digits("bc:" + item.key, 10)
    player = f"https://bandcamp.com/EmbeddedPlayer/v=2/{item.kind}={number}/size=large/"
    tags = [
        ("name", "title", heading),
        ("name", "description", f"{album} by {item.artist}, released {item.release_date}"),
        ("property", "og:title", heading),
        ("property", "og:type", "song" if item.kind == "track" else "album"),
        ("property", "og:site_name", item.artist),
        ("property", "og:description", f"{album} by {item.artist}"),
        ("property", "og:image", _bandcamp_image(item)),
        ("property", "og:url", url),
        ("property", "og:video", player),
        ("name", "twitter:card", "player"),
    ]
    ld = json.dumps(_bandcamp_ld(catalog, item, url), ensure_ascii=False).replace("</", "<\\/")
    script = f'<script type="application/ld+json">\n{ld}\n</script>\n'
    body = f'<h2 class="trackTitle">{escape(item.title)}</h2>\n<h3>by {escape(item.artist)}</h3>'
    return _document(f"{item.title} | {item.artist}", tags, body, script)


# -- other hosts ----------------------------------------------------------------------------------
OG_TYPES = {"track": "music.song", "album": "music.album", "playlist": "music.playlist"}


def _og_title(item: Item, platform: str) -> str:
    by = f" by {item.artist}" if item.artists else ""
    titles = {
        "apple_music": f"{item.title}{by} on Apple Music",
        "deezer": f"{item.title} - {item.artist}" if item.artists else item.title,
        "youtube": f"{item.artist} - {item.title}" if item.kind == "track" else item.title,
        "tidal": f"{item.title}{by}",
        "amazon_music": f"{item.title}{by} on Amazon Music",
    }
    return titles.get(platform, item.title)


IMAGES: dict[str, Callable[[str], str]] = {
    "spotify": lambda h: f"https://i.scdn.co/image/ab67616d0000b273{h[:24]}",
    "apple_music": lambda h: (
        f"https://is1-ssl.mzstatic.com/image/thumb/Music126/v4/{h[:32]}/1200x630wp.jpg"
    ),
    "deezer": lambda h: (
        f"https://cdn-images.dzcdn.net/images/cover/{h[:32]}/1200x630-000000-80-0-0.jpg"
    ),
    "tidal": lambda h: (
        f"https://resources.tidal.com/images/{h[:8]}/{h[8:12]}/{h[12:16]}/1280x1280.jpg"
    ),
    "soundcloud": lambda h: f"https://i1.sndcdn.com/artworks-{h[:12]}-0-t500x500.jpg",
    "amazon_music": lambda h: f"https://m.media-amazon.com/images/I/{h[:11]}._SX500_.jpg",
}


def _og_image(item: Item, platform: str) -> str:
    if platform in ("youtube", "youtube_music") and item.kind == "track":
        return f"https://i.ytimg.com/vi/{item.pid(platform)}/maxresdefault.jpg"
    digest = ids.hex_id(f"og:{platform}:{item.key}", 40)
    return IMAGES.get(platform, IMAGES["spotify"])(digest)


def generic_page(catalog: Catalog, item: Item, platform: str) -> str:
    ref = item.platforms[platform]
    kind_word = {"track": "Song", "album": "Album", "playlist": "Playlist"}[item.kind]
    parts = [p for p in (item.artist, item.album, kind_word, item.release_date[:4]) if p]
    youtube = platform in ("youtube", "youtube_music") and item.kind == "track"
    tags = [
        ("property", "og:title", _og_title(item, platform)),
        ("property", "og:description", " · ".join(parts)),
        ("property", "og:type", "video.other" if youtube else OG_TYPES[item.kind]),
        ("property", "og:url", ref["url"]),
        ("property", "og:image", _og_image(item, platform)),
    ]
    if item.kind == "track":
        tags.append(("name", "music:duration", str((item.duration_ms or 0) // 1000)))
        album = catalog.album_of(item)
        if album is not None and platform in album.platforms:
            tags.append(("name", "music:album", album.platforms[platform]["url"]))
    body = f"<h1>{escape(item.title)}</h1>\n<p>{escape(item.artist)}</p>"
    return _document(_og_title(item, platform), tags, body)


# -- routing --------------------------------------------------------------------------------------
def _redirect(location: str, status: int) -> web.Response:
    return web.Response(status=status, headers={"Location": location})


def serve(state: MusicState, request: web.Request) -> web.Response:
    host = request.match_info["host"].lower()
    path = request.match_info.get("path", "")
    redirect = state.catalog.redirects.get(f"{host}/{path}".rstrip("/"))
    if redirect is not None:
        return _redirect(redirect.location, redirect.status)
    if host in SHORT_HOSTS:
        return _html("<h1>Not Found</h1>", status=404)
    if host == "youtu.be" and path and "/" not in path:
        return _redirect(f"https://www.youtube.com/watch?v={path}&feature=youtu.be", 303)
    query = f"?{request.query_string}" if request.query_string else ""
    hit = state.catalog.page(f"https://{host}/{path}{query}")
    if hit is not None and hit[1] == "bandcamp":
        return _html(bandcamp_page(state.catalog, hit[0]))
    if hit is not None:
        return _html(generic_page(state.catalog, *hit))
    if host.endswith(".bandcamp.com"):
        return _html(_document("Bandcamp", [], BANDCAMP_404), status=404)
    return _html("<!DOCTYPE html><title>Page not found</title><h1>Page not found</h1>", status=404)


def handler(state: MusicState) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        return serve(state, request)

    return handle


def install(app: web.Application, state: MusicState) -> None:
    app.router.add_get(PREFIX + "/{host}", handler(state))
    app.router.add_get(PREFIX + "/{host}/{path:.*}", handler(state))
