from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulators.core import EmulatorOptions
from emulators.server import ThreadedEmulator


@pytest.fixture(scope="module")
def emulator() -> Iterator[ThreadedEmulator]:
    """One emulator per test module, on its own thread and loop, reached over real sockets.

    Rate limits are on with windows scaled down (time_scale) so tests keep the real shape fast.
    """
    emu = ThreadedEmulator(options=EmulatorOptions(rate_limits=True, time_scale=0.02)).start()
    yield emu
    emu.stop()
