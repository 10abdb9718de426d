"""The page and its static files, served from ``emulators/ui/static`` (no build step, no CDN)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).with_name("static")

# Only these files are served; anything else under /_emu/ui/static is a 404.
CONTENT_TYPES = {
    "viewer.html": "text/html",
    "viewer.css": "text/css",
    "platforms.js": "text/javascript",
    "viewer.js": "text/javascript",
}

# The page loads nothing from outside the emulator and runs no inline script.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


async def page(_: web.Request) -> web.Response:
    """``GET /_emu/ui``: the viewer page."""
    return await _serve("viewer.html")


async def static_file(request: web.Request) -> web.Response:
    """``GET /_emu/ui/static/{name}``: the page's script and style sheet."""
    name = request.match_info["name"]
    if name not in CONTENT_TYPES:
        raise web.HTTPNotFound(text="no such file")
    return await _serve(name)


async def _serve(name: str) -> web.Response:
    body = await asyncio.to_thread((STATIC_DIR / name).read_bytes)
    return web.Response(
        body=body,
        content_type=CONTENT_TYPES[name],
        charset="utf-8",
        headers=SECURITY_HEADERS,
    )
