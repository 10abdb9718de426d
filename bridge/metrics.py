"""What the core counts for operators: events in, messages relayed and 429s per platform,
resolver calls and cache hits. The adapters layer implements it (Prometheus); the default counts
nothing."""

from __future__ import annotations

from typing import Protocol


class Metrics(Protocol):
    def event_in(self, kind: str) -> None:
        """An inbound core event reached the router (``kind`` is its class name)."""

    def relayed(self, platform: str) -> None:
        """An outbox action was delivered to ``platform``."""

    def rate_limited(self, platform: str) -> None:
        """``platform`` answered 429 to a delivery."""

    def platform_429(self, platform: str) -> None:
        """``platform``'s API answered 429 to any request, including those its SDK retried on
        its own (discord.py waits and retries without telling the outbox)."""

    def resolver_call(self, provider: str) -> None:
        """The music resolver asked ``provider`` about a link."""

    def cache_hit(self) -> None:
        """The music resolver found a link's item without asking a provider."""

    def fallback_copy(self, platform: str, reason: str) -> None:
        """``platform`` refused a relayed copy as sent (a webhook name it rejects, any 400) and
        the copy went out the plain way (bot-sent, the author's name in the text)."""

    def catchup_channels(self, pending: int) -> None:
        """How many linked channels are still being caught up (history read after a restart
        or a lost session)."""

    def catchup_request(self, platform: str) -> None:
        """Catch-up read one page of ``platform``'s history."""

    def caught_up(self, kind: str) -> None:
        """Catch-up found something the live events missed: ``kind`` is post, edit, delete,
        reaction, ban or unban."""


class NullMetrics:
    """Counts nothing (tests, benchmarks, and anything built without a metrics registry)."""

    def event_in(self, kind: str) -> None:
        pass

    def relayed(self, platform: str) -> None:
        pass

    def rate_limited(self, platform: str) -> None:
        pass

    def platform_429(self, platform: str) -> None:
        pass

    def resolver_call(self, provider: str) -> None:
        pass

    def cache_hit(self) -> None:
        pass

    def fallback_copy(self, platform: str, reason: str) -> None:
        pass

    def catchup_channels(self, pending: int) -> None:
        pass

    def catchup_request(self, platform: str) -> None:
        pass

    def caught_up(self, kind: str) -> None:
        pass
