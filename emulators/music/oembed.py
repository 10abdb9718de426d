"""oEmbed endpoints: ``/youtube/oembed`` (youtube.com/oembed), ``/soundcloud/oembed``
(soundcloud.com/oembed) and ``/tidal/oembed`` (oembed.tidal.com). Unknown URLs answer 404."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape
from typing import Any
from urllib.parse import quote

from aiohttp import web

from emulators.core import json_response
from emulators.music import ids
from emulators.music.catalog import Catalog
from emulators.music.model import Item
from emulators.music.state import MusicState

Builder = Callable[[Item, str], dict[str, Any]]


def _iframe(src: str, title: str, width: Any, height: int) -> str:
    return (
        f'<iframe width="{width}" height="{height}" src="{src}" frameborder="0" '
        'allow="autoplay; clipboard-write; encrypted-media; picture-in-picture; web-share" '
        f'allowfullscreen title="{escape(title)}"></iframe>'
    )


# -- YouTube --------------------------------------------------------------------------------------
def _youtube_titles(item: Item, platform: str) -> tuple[str, str, str]:
    """(title, channel name, channel URL): official videos vs. YouTube Music "Topic" uploads."""
    artist = item.artists[0] if item.artists else item.owner
    if item.kind == "track" and platform == "youtube":
        title, channel = f"{item.artist} - {item.title} (Official Video)", artist
    elif item.kind == "track":
        title, channel = item.title, f"{artist} - Topic"
    elif item.kind == "album":
        title, channel = f"Album - {item.title}", f"{artist} - Topic"
    else:
        title, channel = item.title, item.owner
    channel_id = "UC" + ids.chars("channel:" + channel, 22, ids.URLSAFE)
    return title, channel, f"https://www.youtube.com/channel/{channel_id}"


def youtube(item: Item, platform: str) -> dict[str, Any]:
    pid = item.pid(platform)
    title, channel, channel_url = _youtube_titles(item, platform)
    if item.kind == "track":
        src, thumb = f"https://www.youtube.com/embed/{pid}?feature=oembed", pid
    else:
        src = f"https://www.youtube.com/embed/videoseries?list={pid}"
        thumb = ids.youtube_id("thumb:" + pid)
    return {
        "title": title,
        "author_name": channel,
        "author_url": channel_url,
        "type": "video",
        "height": 113,
        "width": 200,
        "version": "1.0",
        "provider_name": "YouTube",
        "provider_url": "https://www.youtube.com/",
        "thumbnail_height": 360,
        "thumbnail_width": 480,
        "thumbnail_url": f"https://i.ytimg.com/vi/{thumb}/hqdefault.jpg",
        "html": _iframe(src, title, 200, 113),
    }


# -- SoundCloud -----------------------------------------------------------------------------------
def soundcloud(item: Item, platform: str) -> dict[str, Any]:
    user = item.pid(platform).split("/")[0]
    author = item.artists[0] if item.artists else item.owner
    title = f"{item.title} by {author}"
    kind = "tracks" if item.kind == "track" else "playlists"
    number = ids.digits(f"scnum:{item.key}", 10)
    player = quote(f"https://api.soundcloud.com/{kind}/{number}", safe="")
    src = f"https://w.soundcloud.com/player/?visual=true&url={player}&show_artwork=true"
    artwork = ids.hex_id("sc:" + item.key, 12)
    return {
        "version": 1.0,
        "type": "rich",
        "provider_name": "SoundCloud",
        "provider_url": "https://soundcloud.com",
        "height": 400 if item.kind == "track" else 450,
        "width": "100%",
        "title": title,
        "description": f"{item.album or item.title} ({item.release_date[:4]})",
        "thumbnail_url": f"https://i1.sndcdn.com/artworks-{artwork}-0-t500x500.jpg",
        "html": _iframe(src, title, "100%", 400),
        "author_name": author,
        "author_url": f"https://soundcloud.com/{user}",
    }


# -- TIDAL ----------------------------------------------------------------------------------------
def tidal(item: Item, platform: str) -> dict[str, Any]:
    pid = item.pid(platform)
    image = ids.uuid_from("tidal-img:" + item.key).replace("-", "/")
    kind = {"track": "tracks", "album": "albums", "playlist": "playlists"}[item.kind]
    src = f"https://embed.tidal.com/{kind}/{pid}?layout=gridify"
    return {
        "type": "rich",
        "version": "1.0",
        "provider_name": "TIDAL",
        "provider_url": "https://tidal.com",
        "title": item.title,
        "author_name": item.artist or item.owner,
        "thumbnail_url": f"https://resources.tidal.com/images/{image}/640x640.jpg",
        "thumbnail_width": 640,
        "thumbnail_height": 640,
        "width": 400,
        "height": 400 if item.kind == "track" else 600,
        "html": f'<div class="tidal-embed">{_iframe(src, item.title, "100%", 400)}</div>',
    }


def _not_found_youtube() -> web.Response:
    return web.Response(status=404, text="Not Found")


def _not_found_soundcloud() -> web.Response:
    return json_response({"errors": [{"error_message": "404 - Not Found"}]}, status=404)


PROVIDERS: dict[str, tuple[tuple[str, ...], Builder, Callable[[], web.Response]]] = {
    "youtube": (("youtube", "youtube_music"), youtube, _not_found_youtube),
    "soundcloud": (("soundcloud",), soundcloud, _not_found_soundcloud),
    "tidal": (("tidal",), tidal, _not_found_youtube),
}


def _resolve(catalog: Catalog, url: str, platforms: tuple[str, ...]) -> tuple[Item, str] | None:
    hit = catalog.page(url)
    if hit is None or hit[1] not in platforms:
        return None
    return hit


def handler(state: MusicState, provider: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    platforms, build, not_found = PROVIDERS[provider]

    async def handle(request: web.Request) -> web.Response:
        url = request.query.get("url", "")
        if not url:
            return web.Response(status=400, text="Bad Request")
        if request.query.get("format", "json") != "json":
            return web.Response(status=501, text="Not Implemented")
        hit = _resolve(state.catalog, url, platforms)
        if hit is None:
            return not_found()
        return json_response(build(*hit))

    return handle


def install(app: web.Application, state: MusicState) -> None:
    for provider in PROVIDERS:
        app.router.add_get(f"/{provider}/oembed", handler(state, provider))
