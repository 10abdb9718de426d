"""Assemble the one-port emulator server and run it (``fanbridge emulate``)."""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from emulators import control
from emulators.core import Emulator, EmulatorOptions, make_middleware

log = logging.getLogger(__name__)

# Each module exposes install(app, emu, world) and registers its Platform with emu.
PLATFORM_MODULES = ("emulators.discord", "emulators.slack", "emulators.music", "emulators.ui")


def build_app(emu: Emulator, world: dict[str, Any] | None = None) -> web.Application:
    app = web.Application(middlewares=[make_middleware(emu)], client_max_size=64 * 1024 * 1024)
    app["emu"] = emu
    control.install(app, emu)
    for name in PLATFORM_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            log.warning("emulator module %s is not available", name)
            continue
        module.install(app, emu, world)
    return app


class EmulatorServer:
    """An emulator listening on host:port (port 0 picks a free one)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        world: dict[str, Any] | None = None,
        options: EmulatorOptions | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.emu = Emulator(options)
        self.app = build_app(self.emu, world)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        addresses = self._runner.addresses
        if addresses:
            self.port = int(addresses[0][1])
        self.emu.base_url = self.url
        for hook in self.app.get("on_emulator_started", []):
            await hook()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


class ThreadedEmulator:
    """An emulator on its own event loop in a background thread: tests and benchmarks share one
    per module and talk to it over real sockets only."""

    def __init__(
        self, *, world: dict[str, Any] | None = None, options: EmulatorOptions | None = None
    ) -> None:
        self._world = world
        self._options = options
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.server: EmulatorServer | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="emulator", daemon=True)

    def start(self, timeout: float = 10.0) -> ThreadedEmulator:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("emulator did not start in time")
        if self._error is not None:
            raise RuntimeError("emulator failed to start") from self._error
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    @property
    def emu(self) -> Emulator:
        assert self.server is not None
        return self.server.emu

    def call(self, fn: Any, *args: Any) -> Any:
        """Run ``fn(*args)`` on the emulator's loop and return its result (for test set-up)."""
        assert self._loop is not None

        async def _run() -> Any:
            result = fn(*args)
            if asyncio.iscoroutine(result):
                result = await result
            return result

        return asyncio.run_coroutine_threadsafe(_run(), self._loop).result(10)

    def stop(self) -> None:
        if self._loop is None:
            return
        loop = self._loop
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)

    async def _shutdown(self) -> None:
        if self.server is not None:
            await self.server.stop()

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            self.server = EmulatorServer(world=self._world, options=self._options)
            loop.run_until_complete(self.server.start())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        loop.run_forever()
        loop.close()


def load_world(path: str | None) -> dict[str, Any] | None:
    if path is None:
        return None
    return json.loads(Path(path).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _named(channels: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next((c for c in channels if c.get("name") == name), channels[0])


def bridge_config_text(world: dict[str, Any], url: str, path: Path) -> str:
    """A fanbridge config for this emulated world: its tokens, ``[network] emulator`` at
    ``url``, one group linking Discord #general and Slack #general, a SQLite file next to
    ``path`` and the web server on port 8080."""
    discord = world["discord"]
    slack = world["slack"]
    guild = discord["guilds"][0]
    team = slack["workspaces"][0]
    d_channel = _named(guild["channels"], "general")
    s_channel = _named(team["channels"], "general")
    database = path.resolve().parent / f"{path.stem}.db"

    def q(value: Any) -> str:
        return json.dumps(str(value))  # a TOML basic string

    return f"""\
# EMULATOR ONLY: written by `fanbridge emulate --write-config` for the emulated world at {url}.
# These tokens are the emulator's, not real ones: this file cannot reach Discord or Slack.
# Run the bridge against it with:  fanbridge run --config {path}

[database]
url = {q("sqlite+aiosqlite:///" + database.as_posix())}

[discord]
token = {q(discord["bot_token"])}

[slack]
bot_token = {q(slack["bot_token"])}
app_token = {q(slack["app_token"])}
signing_secret = {q(slack["signing_secret"])}
mode = "socket"

[web]
host = "127.0.0.1"
port = 8080

[network]
emulator = {q(url)}

[[groups]]
slug = "general"
name = "General"

[[groups.channels]]
platform = "discord"
workspace = {q(guild["id"])}  # {guild.get("name", "")}
channel = {q(d_channel["id"])}  # #{d_channel.get("name", "")}

[[groups.channels]]
platform = "slack"
workspace = {q(team["id"])}  # {team.get("name", "")}
channel = {q(s_channel["id"])}  # #{s_channel.get("name", "")}
"""


async def serve(
    *,
    host: str,
    port: int,
    world_file: str | None,
    world_out: str | None,
    options: EmulatorOptions,
    ready: asyncio.Event | None = None,
    write_config: str | None = None,
) -> None:
    """Run until cancelled. Writes the world JSON to ``world_out`` and a bridge config for it
    to ``write_config`` once listening."""
    started = time.monotonic()
    server = EmulatorServer(host=host, port=port, world=load_world(world_file), options=options)
    await server.start()
    if world_out:
        text = json.dumps(server.emu.world(), indent=2)
        await asyncio.to_thread(Path(world_out).write_text, text, encoding="utf-8")
    if write_config:
        path = Path(write_config)
        config = bridge_config_text(server.emu.world(), server.url, path)
        await asyncio.to_thread(path.write_text, config, encoding="utf-8")
        print(f"fanbridge emulator: bridge config written to {path} (emulator only)", flush=True)
    log.info("emulator listening on %s (%.2fs)", server.url, time.monotonic() - started)
    print(f"fanbridge emulator on {server.url}  (viewer: {server.url}/_emu/ui)", flush=True)
    if ready is not None:
        ready.set()
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()
