"""`fanbridge demo`: the emulators, the bridge and a scripted cast of fans, on one machine.

The emulators serve the default world (one Discord guild, one Slack workspace) and the viewer page;
the bridge (a real Runtime on a fresh SQLite file) connects to them as it would to Discord and
Slack, with Fan Groups linking #general and #music on both sides; the cast (adapters.demo_cast)
then chats through the emulator's control API. No token and no network are needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters import demo_cast
from adapters.config import Config, config_from_dict
from adapters.runtime import Runtime
from emulators.core import EmulatorOptions
from emulators.server import EmulatorServer

log = logging.getLogger(__name__)

# Fan Groups of the demo: slug, name, the channel name linked on both sides.
DEMO_GROUPS = (("demo-fans", "Demo Fans", "general"), ("demo-music", "Demo Music", "music"))
ANY_HOST = {"", "0.0.0.0", "::"}


@dataclass(frozen=True)
class DemoOptions:
    host: str = "127.0.0.1"
    port: int = 8765
    speed: float = 1.0  # 2 = the cast talks twice as fast
    script_once: bool = False  # play the script once, then keep serving
    cast: bool = True  # False: no scripted fans, only what people type in the viewer
    db: str | None = None  # SQLite file; default a fresh one in a temporary directory
    web_port: int = 8080  # the bridge's web server: the music tab pages (0: any free port)
    emulator: EmulatorOptions = field(default_factory=EmulatorOptions)


def demo_config(
    world: dict[str, Any], emulator_url: str, db_path: Path, web_port: int = 0
) -> Config:
    """The bridge's config for the emulated world: tokens from the world, groups linking the
    channels of the same name in the first guild and the first workspace."""
    discord = world["discord"]
    slack = world["slack"]
    guild = discord["guilds"][0]
    team = slack["workspaces"][0]
    d_ids = {c["name"]: c["id"] for c in guild["channels"]}
    s_ids = {c["name"]: c["id"] for c in team["channels"]}
    groups = [
        {
            "slug": slug,
            "name": name,
            "channels": [
                {"platform": "discord", "workspace": guild["id"], "channel": d_ids[room]},
                {"platform": "slack", "workspace": team["id"], "channel": s_ids[room]},
            ],
        }
        for slug, name, room in DEMO_GROUPS
        if room in d_ids and room in s_ids
    ]
    data: dict[str, Any] = {
        "database": {"url": f"sqlite+aiosqlite:///{db_path}"},
        "discord": {"token": discord["bot_token"], "application_id": discord["application_id"]},
        "slack": {
            "bot_token": slack["bot_token"],
            "app_token": slack["app_token"],
            "signing_secret": slack["signing_secret"],
            "mode": "socket",
        },
        "web": {"host": "127.0.0.1", "port": web_port},
        "network": {"emulator": emulator_url},
        "logging": {"level": "WARNING"},
        "groups": groups,
    }
    if "spotify" in world:
        spotify = world["spotify"]
        data["spotify"] = {
            "client_id": spotify["client_id"],
            "client_secret": spotify["client_secret"],
        }
    return config_from_dict(data, "<demo>")


class Demo:
    """The running demo: emulator server, bridge runtime and (optionally) the cast."""

    def __init__(self, options: DemoOptions) -> None:
        self.options = options
        self.server = EmulatorServer(host=options.host, port=options.port, options=options.emulator)
        self.runtime: Runtime | None = None
        self.cast: asyncio.Task[None] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        """The emulator's origin as a local client reaches it."""
        host = "127.0.0.1" if self.options.host in ANY_HOST else self.options.host
        return f"http://{host}:{self.server.port}"

    @property
    def viewer_url(self) -> str:
        return f"{self.url}/_emu/ui"

    def _db_path(self) -> Path:
        if self.options.db:
            return Path(self.options.db)
        self._tmp = tempfile.TemporaryDirectory(prefix="fanbridge-demo-")
        return Path(self._tmp.name) / "demo.db"

    async def start(self) -> None:
        await self.server.start()
        try:
            config = demo_config(
                self.server.emu.world(), self.url, self._db_path(), self.options.web_port
            )
            if self.options.web_port:
                web = config.web.model_copy(
                    update={"public_url": f"http://127.0.0.1:{self.options.web_port}"}
                )
                config = config.model_copy(update={"web": web})
            self.runtime = Runtime(config, web_port=self.options.web_port)
            await self.runtime.start()
        except BaseException:
            await self.stop()
            raise
        if self.options.cast:
            self.cast = asyncio.create_task(self._play(), name="demo-cast")

    async def _play(self) -> None:
        try:
            await demo_cast.play(self.url, speed=self.options.speed, once=self.options.script_once)
        except Exception:  # the show must go on: people can still type in the viewer
            log.exception("demo cast stopped")
        else:
            if self.options.script_once:
                print("The scripted cast is done; type in the viewer to keep chatting.", flush=True)

    async def stop(self) -> None:
        if self.cast is not None:
            self.cast.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.cast
            self.cast = None
        if self.runtime is not None:
            await self.runtime.stop()
            self.runtime = None
        await self.server.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def banner(self) -> str:
        rule = "=" * 64
        web = self.runtime.web.url if self.runtime and self.runtime.web else "?"
        cast = "a scripted cast of fans is chatting" if self.options.cast else "no scripted cast"
        rooms = ", ".join(f"#{room}" for _, _, room in DEMO_GROUPS)
        return "\n".join(
            [
                rule,
                "  fanbridge demo: Discord and Slack, bridged, all on this machine",
                "",
                f"  Open the viewer:  {self.viewer_url}",
                f"  The music tab:    {web}/  (the groups' shared songs, live; try /g/demo-music)",
                "",
                f"  Bridged rooms: {rooms} ({cast}).",
                "  Pick a user under either chat and type: it appears on the other side.",
                f"  Emulator: {self.url}   bridge health: {web}/readyz",
                "  Press Ctrl+C to stop.",
                rule,
            ]
        )


def quiet_library_logs() -> None:
    """discord.py warns that voice is unsupported, and on a localhost gateway its heartbeat thread
    can lose the race with the instant ACK and report a bogus "Can't keep up": noise for a demo."""
    for name in ("discord.client", "discord.gateway"):
        logging.getLogger(name).setLevel(logging.ERROR)


async def run_demo(options: DemoOptions) -> None:
    """Start everything, print the viewer URL, and serve until cancelled (Ctrl+C)."""
    quiet_library_logs()
    demo = Demo(options)
    starting = asyncio.ensure_future(demo.start())
    try:
        # Ctrl+C while starting lets the start finish first: cancelling the bridge halfway
        # through a database call would only print the database driver's complaints.
        await asyncio.shield(starting)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await starting
        await demo.stop()
        raise
    try:
        print(demo.banner(), flush=True)
        await asyncio.Event().wait()
    finally:
        await demo.stop()
