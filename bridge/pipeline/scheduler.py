"""The scheduling port: the core says *when* a job is due; apscheduler (wired in adapters) keeps
the timer and its persistent job store. The truth of what is scheduled stays in the core's own
tables, so a job store lost or shared between processes can be rebuilt from them."""

from __future__ import annotations

from typing import Protocol


class Scheduler(Protocol):
    def schedule(self, announcement_id: int, due_at: float) -> None:
        """Run the announcement's job at ``due_at`` (a timestamp on the bridge's clock)."""
        ...

    def unschedule(self, announcement_id: int) -> None: ...


class NoScheduler:
    """Used where nothing keeps timers (unit tests of the command surface): the announcement is
    still recorded and the start-up/periodic recovery pass sends it."""

    def schedule(self, announcement_id: int, due_at: float) -> None:
        return None

    def unschedule(self, announcement_id: int) -> None:
        return None
