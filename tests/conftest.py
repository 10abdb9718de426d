from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulators.server import ThreadedEmulator
from tests.emulation import running_emulator


@pytest.fixture(scope="module")
def emulator(request: pytest.FixtureRequest) -> Iterator[ThreadedEmulator]:
    """One emulator per test module, on its own thread and loop, reached over real sockets.

    Rate limits are on with windows scaled down (time_scale) so tests keep the real shape fast.
    At the end of the module, any request the official specs reject fails the module, unless the
    module is marked ``allow_violations`` (it makes bad requests on purpose).
    """
    allowed = request.node.get_closest_marker("allow_violations") is not None
    with running_emulator(check_violations=not allowed) as emu:
        yield emu
