"""Echo guard 2: markers of sends in flight.

The outbox attaches a marker to every send (Discord ``nonce``, Slack ``metadata``) and registers
it here first; an inbound event that carries a registered marker is the bridge hearing itself.
(Guard 1 is the adapters dropping their own bot and webhook ids; guard 3 is the router ignoring a
platform id that is already a known copy.)
"""

from __future__ import annotations

from bridge.ports import Clock

MARKER_PREFIX = "fb"


def marker_for(outbox_id: int, attempt: int = 0) -> str:
    return f"{MARKER_PREFIX}{outbox_id}-{attempt}"


class EchoGuard:
    def __init__(self, clock: Clock, ttl: float = 900.0) -> None:
        self._clock = clock
        self._ttl = ttl
        self._pending: dict[str, float] = {}

    def expect(self, marker: str) -> None:
        self._prune()
        self._pending[marker] = self._clock.now() + self._ttl

    def is_echo(self, marker: str | None) -> bool:
        if not marker:
            return False
        deadline = self._pending.get(marker)
        return deadline is not None and deadline >= self._clock.now()

    def _prune(self) -> None:
        if len(self._pending) < 10_000:
            return
        now = self._clock.now()
        self._pending = {m: d for m, d in self._pending.items() if d >= now}
