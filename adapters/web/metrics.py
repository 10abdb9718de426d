"""``/metrics`` in the Prometheus text format: the core's counters (bridge.metrics.Metrics) and
the outbox's depth and oldest-item age, read from the store at scrape time.

Each Runtime has its own CollectorRegistry (never the process-global one), so several bridges
in one process (tests) never share or collide on metrics."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
)

from bridge.ports import Lease

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
METRIC_NAMES = (
    "fanbridge_events_in_total",
    "fanbridge_relayed_total",
    "fanbridge_rate_limited_total",
    "fanbridge_platform_429_total",
    "fanbridge_resolver_calls_total",
    "fanbridge_resolver_cache_hits_total",
    "fanbridge_outbox_depth",
    "fanbridge_fallback_copies_total",
    "fanbridge_catchup_pending_channels",
    "fanbridge_catchup_requests_total",
    "fanbridge_caught_up_total",
    "fanbridge_outbox_oldest_age_seconds",
    "fanbridge_worker_leases",
)


class OutboxStats(Protocol):
    async def outbox_depth(self) -> int: ...

    async def outbox_oldest_pending_at(self) -> float | None: ...


class HeldLeases(Protocol):
    """This process as a worker (adapters.workers.WorkerRegistry)."""

    @property
    def id(self) -> str: ...

    async def held(self) -> list[Lease]: ...


class PrometheusMetrics:
    """bridge.metrics.Metrics over a private registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        reg = self.registry
        self._events = Counter(
            "fanbridge_events_in", "Inbound events by kind", ["kind"], registry=reg
        )
        self._relayed = Counter(
            "fanbridge_relayed",
            "Outbox actions delivered (posts, edits, deletes, reactions, moderation) by platform",
            ["platform"],
            registry=reg,
        )
        self._limited = Counter(
            "fanbridge_rate_limited",
            "429 answers to deliveries by platform",
            ["platform"],
            registry=reg,
        )
        self._platform_429 = Counter(
            "fanbridge_platform_429",
            "429 answers from a platform's API to any request (also those its SDK retried)",
            ["platform"],
            registry=reg,
        )
        self._calls = Counter(
            "fanbridge_resolver_calls",
            "Music provider lookups by provider",
            ["provider"],
            registry=reg,
        )
        self._hits = Counter(
            "fanbridge_resolver_cache_hits", "Music links resolved from the store", registry=reg
        )
        self._fallbacks = Counter(
            "fanbridge_fallback_copies",
            "Copies a platform refused as sent and that went out bot-sent instead",
            ["platform", "reason"],
            registry=reg,
        )
        self._catchup_pending = Gauge(
            "fanbridge_catchup_pending_channels",
            "Linked channels whose history is still being caught up",
            registry=reg,
        )
        self._catchup_requests = Counter(
            "fanbridge_catchup_requests",
            "History pages read by catch-up, by platform",
            ["platform"],
            registry=reg,
        )
        self._caught_up = Counter(
            "fanbridge_caught_up",
            "Posts, edits, deletes, reactions and bans found by catch-up that live events missed",
            ["kind"],
            registry=reg,
        )
        self.depth = Gauge("fanbridge_outbox_depth", "Unfinished outbox items", registry=reg)
        self.age = Gauge(
            "fanbridge_outbox_oldest_age_seconds",
            "Age of the oldest unfinished outbox item (0 when empty)",
            registry=reg,
        )

        self.worker = Gauge(
            "fanbridge_worker_leases",
            "Leases this worker holds, by kind (worker: its own presence; shard, ...)",
            ["worker", "kind"],
            registry=reg,
        )

    def event_in(self, kind: str) -> None:
        self._events.labels(kind=kind).inc()

    def relayed(self, platform: str) -> None:
        self._relayed.labels(platform=platform).inc()

    def rate_limited(self, platform: str) -> None:
        self._limited.labels(platform=platform).inc()

    def platform_429(self, platform: str) -> None:
        self._platform_429.labels(platform=platform).inc()

    def resolver_call(self, provider: str) -> None:
        self._calls.labels(provider=provider).inc()

    def cache_hit(self) -> None:
        self._hits.inc()

    def fallback_copy(self, platform: str, reason: str) -> None:
        self._fallbacks.labels(platform=platform, reason=reason).inc()

    def catchup_channels(self, pending: int) -> None:
        self._catchup_pending.set(pending)

    def catchup_request(self, platform: str) -> None:
        self._catchup_requests.labels(platform=platform).inc()

    def caught_up(self, kind: str) -> None:
        self._caught_up.labels(kind=kind).inc()

    async def refresh(self, store: OutboxStats | None, now: float) -> None:
        """Read the outbox gauges from the store (kept as they were if the database is away)."""
        if store is None:
            return
        try:
            depth = await store.outbox_depth()
            oldest = await store.outbox_oldest_pending_at()
        except Exception:  # a scrape must answer even when the database does not
            log.warning("metrics: the outbox could not be read", exc_info=True)
            return
        self.depth.set(depth)
        self.age.set(0.0 if oldest is None else max(0.0, now - oldest))

    async def refresh_worker(self, worker: HeldLeases | None) -> None:
        """Read the leases this worker holds (kept as they were if the database is away)."""
        if worker is None:
            return
        try:
            held = await worker.held()
        except Exception:  # a scrape must answer even when the database does not
            log.warning("metrics: the worker's leases could not be read", exc_info=True)
            return
        kinds: dict[str, int] = {}
        for lease in held:
            kind = lease.name.split(":", 1)[0]
            kinds[kind] = kinds.get(kind, 0) + 1
        self.worker.clear()
        for kind, count in kinds.items():
            self.worker.labels(worker=worker.id, kind=kind).set(count)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def metrics_handler(
    metrics: PrometheusMetrics,
    store: Callable[[], OutboxStats | None],
    now: Callable[[], float],
    worker: Callable[[], HeldLeases | None] = lambda: None,
) -> Handler:
    """The ``/metrics`` route; ``store`` gives the runtime's current store (None once closed),
    ``worker`` this process as a worker (its leases)."""

    async def handle(_: web.Request) -> web.StreamResponse:
        await metrics.refresh(store(), now())
        await metrics.refresh_worker(worker())
        return web.Response(
            body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    return handle
