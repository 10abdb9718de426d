"""Operations: /healthz, /readyz and /metrics of a bridge running against the emulators. The
counters move as a person would see the bridge work: a message in, copies out per platform, a
429 from Slack, the outbox queueing up during an outage and draining after it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from prometheus_client.parser import text_string_to_metric_families

from adapters.runtime import Runtime
from adapters.web.metrics import METRIC_NAMES
from bridge.pipeline.outbox import OutboxSettings
from emulators.server import ThreadedEmulator
from tests.e2e.harness import Chats, Emu, running_bridge

pytestmark = pytest.mark.asyncio(loop_scope="module")
SLACK_POST = {"platform": "slack", "method": "POST", "path_glob": "*chat.postMessage"}
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


class Ops:
    def __init__(self, emu: Emu, world: dict[str, Any], runtime: Runtime) -> None:
        self.emu, self.runtime = emu, runtime
        self.chats = Chats(emu, world)
        assert runtime.web is not None
        self.url = runtime.web.url

    async def http(self, path: str) -> tuple[int, str, str]:
        async with self.emu.session.get(self.url + path) as response:
            return response.status, response.headers["Content-Type"], await response.text()

    async def metrics(self) -> Samples:
        status, ctype, text = await self.http("/metrics")
        assert status == 200 and ctype.startswith("text/plain; version="), ctype
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }

    async def value(self, name: str, **labels: str) -> float:
        return (await self.metrics()).get((name, frozenset(labels.items())), 0.0)

    async def until_value(self, name: str, at_least: float, **labels: str) -> float:
        async def check() -> float | None:
            value = await self.value(name, **labels)
            return value if value >= at_least else None

        return await self.emu.until(check, what=f"{name}{labels} >= {at_least}")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def ops(
    emulator: ThreadedEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Ops]:
    db_dir = Path(tmp_path_factory.mktemp("ops"))
    fast = OutboxSettings(base_backoff=0.05, max_backoff=0.2, idle_poll=0.1)
    async with running_bridge(emulator.url, db_dir, outbox=fast) as (emu, world, runtime):
        yield Ops(emu, world, runtime)


async def test_healthz_and_readyz_answer_ok(ops: Ops) -> None:
    status, _, text = await ops.http("/healthz")
    assert status == 200 and '"ok": true' in text
    status, _, text = await ops.http("/readyz")
    assert status == 200, text
    assert '"database": true' in text and '"discord": true' in text and '"slack": true' in text


async def test_metrics_count_events_and_relayed_copies_per_platform(ops: Ops) -> None:
    names = {name for name, _ in await ops.metrics()}
    # every family is there (counters show their _total sample once they have a label value)
    assert {"fanbridge_outbox_depth", "fanbridge_outbox_oldest_age_seconds"} <= names
    assert "fanbridge_resolver_cache_hits_total" in names
    before = await ops.value("fanbridge_events_in_total", kind="MessagePosted")
    to_slack = await ops.value("fanbridge_relayed_total", platform="slack")
    to_discord = await ops.value("fanbridge_relayed_total", platform="discord")
    await ops.chats.discord_post("alice", "ops: hello from discord")
    await ops.chats.wait_for(ops.chats.slack_texts, "ops: hello from discord")
    await ops.chats.slack_post("erin", "ops: hello from slack")
    await ops.chats.wait_for(ops.chats.discord_texts, "ops: hello from slack")
    await ops.until_value("fanbridge_relayed_total", to_slack + 1, platform="slack")
    await ops.until_value("fanbridge_relayed_total", to_discord + 1, platform="discord")
    events = await ops.value("fanbridge_events_in_total", kind="MessagePosted")
    assert events >= before + 2
    assert await ops.value("fanbridge_outbox_depth") == 0
    assert all(name.startswith("fanbridge_") for name in METRIC_NAMES)


async def test_outbox_depth_age_and_429s_during_a_slack_outage(ops: Ops) -> None:
    relayed = await ops.value("fanbridge_relayed_total", platform="slack")
    # both faults set before the post (the first that matches answers): the copy's first try
    # meets a 429, the next ones the outage, with no race between clearing one and adding one
    await ops.emu.post("/_emu/faults", SLACK_POST | {"status": 429, "retry_after": 1, "count": 1})
    await ops.emu.post("/_emu/faults", SLACK_POST | {"status": 503, "seconds": 60})
    await ops.chats.discord_post("alice", "ops: during the outage")
    await ops.until_value("fanbridge_outbox_depth", 1)  # the copy waits in the outbox
    await ops.until_value("fanbridge_outbox_oldest_age_seconds", 0.2)  # and ages
    async with ops.emu.session.delete(ops.emu.url + "/_emu/faults") as response:
        assert response.status == 200
    await ops.chats.wait_for(ops.chats.slack_texts, "ops: during the outage")
    assert await ops.until_value("fanbridge_relayed_total", relayed + 1, platform="slack")
    assert await ops.value("fanbridge_rate_limited_total", platform="slack") == 1
    assert await ops.value("fanbridge_platform_429_total", platform="slack") == 1
    samples = await ops.metrics()
    assert samples[("fanbridge_outbox_depth", frozenset())] == 0
    assert samples[("fanbridge_outbox_oldest_age_seconds", frozenset())] == 0


async def test_429s_discord_py_retries_on_its_own_are_counted(ops: Ops) -> None:
    """discord.py waits out a 429 and retries without the outbox ever seeing it: the HTTP-level
    counter still shows it."""
    before = await ops.value("fanbridge_platform_429_total", platform="discord")
    fault = {"platform": "discord", "method": "POST", "path_glob": "/discord/api/v10/webhooks/*"}
    await ops.emu.post("/_emu/faults", fault | {"status": 429, "retry_after": 0.2, "count": 1})
    await ops.chats.slack_post("erin", "ops: after a discord 429")
    await ops.chats.wait_for(ops.chats.discord_texts, "ops: after a discord 429")
    assert await ops.until_value("fanbridge_platform_429_total", before + 1, platform="discord")
    assert await ops.value("fanbridge_rate_limited_total", platform="discord") == 0


async def test_resolver_calls_and_cache_hits(ops: Ops) -> None:
    catalog = (await ops.emu.get("/_emu/music/catalog"))["items"]
    song, short = next(
        (i, link["url"])
        for i in catalog
        for link in i.get("short_links", [])
        if i["kind"] == "track" and "deezer" in i["platforms"] and link["platform"] == "deezer"
    )
    await ops.chats.discord_post("alice", f"ops: listen {song['platforms']['deezer']['url']}")
    calls = await ops.until_value("fanbridge_resolver_calls_total", 1, provider="deezer")
    hits = await ops.value("fanbridge_resolver_cache_hits_total")
    # a short link to the same song: expanded, then known without asking Deezer again
    await ops.chats.slack_post("erin", f"ops: also {short}")
    assert await ops.until_value("fanbridge_resolver_cache_hits_total", hits + 1) == hits + 1
    assert await ops.value("fanbridge_resolver_calls_total", provider="deezer") == calls


async def test_readyz_is_503_when_the_discord_gateway_is_down(ops: Ops) -> None:
    """Last in the module: the bridge's Discord connection is closed for good."""
    assert ops.runtime.discord is not None
    await ops.runtime.discord.stop()
    status, _, text = await ops.http("/readyz")
    assert status == 503 and '"discord": false' in text and '"slack": true' in text, text
    status, _, _ = await ops.http("/healthz")
    assert status == 200  # the process is up all the same
