"""`fanbridge demo`: the emulators on one port, ready to watch in a browser.

Until the relay (issue #4) lands, the demo starts the emulators only: the viewer shows the
emulated Discord and Slack channels and lets a person post as any emulated user, but nothing is
bridged yet.
"""

from __future__ import annotations

import asyncio

from emulators.core import EmulatorOptions
from emulators.server import EmulatorServer


async def run_demo(*, host: str, port: int) -> None:
    server = EmulatorServer(host=host, port=port, options=EmulatorOptions())
    await server.start()
    print(
        "fanbridge demo: emulators only (the bridge itself arrives with the relay issue #4).\n"
        f"  viewer:    {server.url}/_emu/ui\n"
        f"  world:     {server.url}/_emu/world\n"
        "Press Ctrl+C to stop.",
        flush=True,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()
