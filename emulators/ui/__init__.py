"""The viewer page ``/_emu/ui``: the emulated Discord and Slack channels side by side, live.

This is not a platform: nothing under ``/_emu/ui`` is recorded, faulted or validated. The page
only uses the platforms' control API (``GET /_emu/world``,
``GET /_emu/<platform>/channels/{id}/messages``, ``POST /_emu/<platform>/messages``) and the live
bus, served here as Server-Sent Events at ``GET /_emu/ui/events``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from emulators.core import Emulator
from emulators.ui.assets import page, static_file
from emulators.ui.events import EventStreams

UI_ROOT = "/_emu/ui"


def install(app: web.Application, emu: Emulator, world: dict[str, Any] | None) -> None:
    """Add the viewer's routes; ``world`` is unused (the page shows what the platforms loaded)."""
    del world
    streams = EventStreams(emu.bus)
    app.router.add_get(UI_ROOT, page)
    app.router.add_get(UI_ROOT + "/", _to_root)
    app.router.add_get(UI_ROOT + "/static/{name}", static_file)
    app.router.add_get(UI_ROOT + "/events", streams.handle)
    app.on_shutdown.append(streams.close_all)


async def _to_root(_: web.Request) -> web.StreamResponse:
    raise web.HTTPFound(UI_ROOT)
