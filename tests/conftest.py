from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulators.core import EmulatorOptions
from emulators.server import ThreadedEmulator


@pytest.fixture(scope="module")
def emulator(request: pytest.FixtureRequest) -> Iterator[ThreadedEmulator]:
    """One emulator per test module, on its own thread and loop, reached over real sockets.

    Rate limits are on with windows scaled down (time_scale) so tests keep the real shape fast.
    At the end of the module, any request the official specs reject fails the module, unless the
    module is marked ``allow_violations`` (it makes bad requests on purpose).
    """
    emu = ThreadedEmulator(options=EmulatorOptions(rate_limits=True, time_scale=0.02)).start()
    yield emu
    violations = [(r.method, r.path, r.violations) for r in emu.emu.requests if r.violations]
    emu.stop()
    if request.node.get_closest_marker("allow_violations") is None:
        assert violations == [], f"contract violations recorded: {violations}"
