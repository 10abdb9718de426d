"""Where the benchmarks' emulator runs: in its own process (``fanbridge emulate``, the default:
the bridge and the emulator do not share a GIL, as with the real platforms) or on a thread of
the benchmark's process (the shape the figures before issue #14 were measured with)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from emulators.core import EmulatorOptions
from emulators.server import ThreadedEmulator

LISTENING = re.compile(r"emulator on (\S+)")


@asynccontextmanager
async def emulator(*, rate_limits: bool, in_process: bool = False) -> AsyncIterator[str]:
    """An emulator with its rate limits on (real windows, time scale 1) or off; yields its
    URL."""
    if in_process:
        options = EmulatorOptions(rate_limits=rate_limits, time_scale=1.0)
        threaded = await asyncio.to_thread(ThreadedEmulator(options=options).start)
        try:
            yield threaded.url
        finally:
            await asyncio.to_thread(threaded.stop)
        return
    async with emulator_process(rate_limits=rate_limits) as url:
        yield url


@asynccontextmanager
async def emulator_process(*, rate_limits: bool = True) -> AsyncIterator[str]:
    """``fanbridge emulate`` in its own process; yields its URL once it listens."""
    limits = [] if rate_limits else ["--no-rate-limits"]
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "adapters.cli", "emulate", "--port", "0", *limits),
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    try:
        while True:
            line = (await asyncio.wait_for(process.stdout.readline(), timeout=30)).decode()
            if not line:
                raise SystemExit("the emulator exited before listening")
            found = LISTENING.search(line)
            if found:
                break
        yield found.group(1)
    finally:
        await _stop(process)


async def _stop(process: asyncio.subprocess.Process) -> None:
    """Ctrl+C, as a person would; killed if it does not stop (a shell that starts a job in the
    background makes it ignore Ctrl+C)."""
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(process.wait(), timeout=10)
    except TimeoutError:
        process.kill()
        await process.wait()
