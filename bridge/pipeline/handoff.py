"""The fast path from the relay to the outbox worker of the same process: the items of a new
message are recorded already claimed for this worker (when nothing else waits for their
channel) and handed over in memory, so a lone message costs no claim query and no wake-up
(DESIGN §4). The lease keeps it safe: if this process dies, the lease runs out and any worker's
claim resumes the item, looking for a copy already sent before posting again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bridge.ids import ChannelRef
from bridge.records import OutboxItem


class Handoff(Protocol):
    def lease(self) -> float | None:
        """Seconds to record fresh items claimed for, or None when this process is not
        delivering right now (then they are left for the claim)."""
        ...

    def deliver_now(self, items: Sequence[OutboxItem]) -> None:
        """Deliver items that were recorded claimed for this process."""
        ...

    async def settled(self, channel: ChannelRef) -> None:
        """Return once this process's deliveries into ``channel`` in flight are recorded: a
        person may react to a copy before its id is in the store."""
        ...
