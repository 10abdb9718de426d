"""One way to run an emulator for a test module: started on its own thread, and on the way out
the module fails if the product made a request the official specs reject (unless it makes bad
requests on purpose)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from emulators.core import EmulatorOptions
from emulators.server import ThreadedEmulator


@contextmanager
def running_emulator(
    *,
    world: dict[str, Any] | None = None,
    time_scale: float = 0.02,
    check_violations: bool = True,
) -> Iterator[ThreadedEmulator]:
    """Rate limits on, windows scaled by ``time_scale`` (tests keep the real shape, fast)."""
    options = EmulatorOptions(rate_limits=True, time_scale=time_scale)
    emu = ThreadedEmulator(world=world, options=options).start()
    try:
        yield emu
    finally:
        violations = [(r.method, r.path, r.violations) for r in emu.emu.requests if r.violations]
        emu.stop()
    if check_violations:
        assert violations == [], f"contract violations recorded: {violations}"
