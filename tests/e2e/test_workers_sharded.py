"""Three workers, one bridge: three `fanbridge run` processes on one PostgreSQL database against
the emulators, with 2 Discord guilds on different gateway shards (``shard_count = 2``), 2 Slack
workspaces that installed the app through "Add to Slack", and 6 linked channel pairs.

- a 600-message burst crosses exactly once, in order per channel, although one worker is
  killed with -9 in the middle of it: its shards and claims are taken over by the others;
- a rolling restart of all three under traffic loses nothing, doubles nothing, and leaves no
  channel silent for more than 30 s;
- a workspace that uninstalls the app stops receiving copies and is shown as uninstalled.

The emulator runs its rate-limit windows 20 times faster (``--time-scale 0.05``) so the burst
fits Slack's and Discord's per-channel limits in seconds; the Discord global limit shared by
the workers is tested at its real pace in tests/e2e/test_shared_pacing_emulator.py."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import signal
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.test_startup_failures import WAIT, Lines, child_env, fanbridge_cmd, start_emulator
from tests.e2e.test_startup_failures import stop as stop_process
from tests.e2e.test_workers import free_port, get, readyz_worker
from tests.postgres import POSTGRES_URL, fresh_schema

pytestmark = pytest.mark.skipif(
    POSTGRES_URL is None, reason="needs FANBRIDGE_TEST_POSTGRES_URL (CI sets it)"
)

LEASE = 3  # [workers] lease_seconds: the config's minimum, so take-overs are quick
SHARDS = 2
PAIRS_PER_SIDE = 3


@dataclass(frozen=True)
class Pair:
    """One linked channel pair and a fan on each side."""

    index: int
    guild: str
    d_channel: str
    d_user: str
    team: str
    s_channel: str
    s_user: str


@dataclass
class Worker:
    name: str
    port: int
    process: subprocess.Popen[str] | None = None
    log: list[str] = field(default_factory=list)


@dataclass
class Deployment:
    url: str
    world: dict[str, Any]
    config: Path
    pairs: list[Pair]
    workers: list[Worker]
    teams: dict[str, str]  # team id -> name

    def start(self, worker: Worker) -> None:
        """`fanbridge run` until it logs that it runs; its later log lines are kept."""
        process = subprocess.Popen(
            fanbridge_cmd("run", "--config", str(self.config)),
            cwd=self.config.parent,
            env=child_env() | {"FANBRIDGE_WEB_PORT": str(worker.port)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stderr is not None
        lines = Lines(process.stderr)
        lines.until("fanbridge running")
        worker.process = process
        stream = process.stderr

        def keep() -> None:  # drain stderr so the worker never blocks on a full pipe
            for line in stream:
                worker.log.append(line.rstrip())

        threading.Thread(target=keep, daemon=True).start()

    def stop(self, worker: Worker) -> None:
        if worker.process is not None:
            stop_process(worker.process)
            worker.process = None

    def kill(self, worker: Worker) -> None:
        assert worker.process is not None
        worker.process.send_signal(signal.SIGKILL)
        worker.process.wait(timeout=WAIT)
        worker.process = None


# -- the world: guilds on both shards, two workspaces ----------------------------------------
async def control(http: aiohttp.ClientSession, url: str, path: str, body: Any = None) -> Any:
    method = "POST" if body is not None else "GET"
    async with http.request(method, f"{url}{path}", json=body) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def guilds_on_each_shard(http: aiohttp.ClientSession, url: str) -> list[dict[str, Any]]:
    """New guilds until one lands on each shard (a guild's shard is (id >> 22) % count)."""
    found: dict[int, dict[str, Any]] = {}
    for attempt in range(200):
        body = {
            "name": f"Shard guild {attempt}",
            "channels": [f"pair-{i}" for i in range(PAIRS_PER_SIDE)],
            "users": [{"username": f"fan{attempt}"}],
        }
        guild = await control(http, url, "/_emu/discord/guilds", body)
        found.setdefault((int(guild["id"]) >> 22) % SHARDS, guild)
        if len(found) == SHARDS:
            return [found[s] for s in range(SHARDS)]
    raise AssertionError("no guild landed on every shard")


def config_text(url: str, world: dict[str, Any], schema: str, pairs: list[Pair], port: int) -> str:
    q = json.dumps
    discord, slack = world["discord"], world["slack"]
    groups = "".join(
        f"""
[[groups]]
slug = "pair-{p.index}"
name = "Pair {p.index}"
[[groups.channels]]
platform = "discord"
workspace = {q(p.guild)}
channel = {q(p.d_channel)}
[[groups.channels]]
platform = "slack"
workspace = {q(p.team)}
channel = {q(p.s_channel)}
"""
        for p in pairs
    )
    return f"""
[database]
url = {q(POSTGRES_URL)}
schema_name = {q(schema)}
[discord]
token = {q(discord["bot_token"])}
shard_count = {SHARDS}
[slack]
bot_token = {q(slack["bot_token"])}
app_token = {q(slack["app_token"])}
client_id = {q(slack["client_id"])}
client_secret = {q(slack["client_secret"])}
[web]
port = 0
public_url = "http://127.0.0.1:{port}"
[workers]
lease_seconds = {LEASE}
[network]
emulator = {q(url)}
[logging]
level = "INFO"
{groups}"""


async def add_to_slack(url: str, web: str, team: str, user: str) -> str:
    """A browser on the bridge's /slack/install: Add to Slack, approved by ``user``."""
    async with aiohttp.ClientSession() as http:
        await control(http, url, "/_emu/slack/oauth/approver", {"team": team, "user": user})
    # a browser keeps Secure cookies for a local address (a secure context, as in Chromium)
    jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[web])
    async with aiohttp.ClientSession(cookie_jar=jar) as browser:
        async with browser.get(f"{web}/slack/install") as resp:
            page = await resp.text()
        found = re.search(r'<a href="([^"]+)"', page)
        assert found is not None, page
        async with browser.get(found.group(1).replace("&amp;", "&")) as resp:
            return await resp.text()


@asynccontextmanager
async def deployment(folder: Path) -> AsyncIterator[Deployment]:
    assert POSTGRES_URL is not None
    world_file = folder / "world.json"
    emulator, url, _ = start_emulator(
        folder, "--world-out", str(world_file), "--time-scale", "0.05"
    )
    workers = [Worker(f"w{i}", free_port()) for i in range(3)]
    try:
        world = json.loads(world_file.read_text(encoding="utf-8"))
        async with aiohttp.ClientSession() as http, fresh_schema(POSTGRES_URL) as schema:
            guilds = await guilds_on_each_shard(http, url)
            teams = []
            for name, person in (("Night Owls", "zoe"), ("Early Birds", "yan")):
                spec = {
                    "name": name,
                    "users": [{"name": person, "admin": True}],
                    "channels": [f"pair-{i}" for i in range(PAIRS_PER_SIDE)],
                }
                teams.append(await control(http, url, "/_emu/slack/workspaces", spec))
            pairs = [
                Pair(
                    side * PAIRS_PER_SIDE + i,
                    str(guild["id"]),
                    str(guild["channels"][i]["id"]),
                    str(guild["users"][0]["id"]),
                    str(team["id"]),
                    str(team["channels"][i]["id"]),
                    str(team["users"][0]["id"]),
                )
                for side, (guild, team) in enumerate(zip(guilds, teams, strict=True))
                for i in range(PAIRS_PER_SIDE)
            ]
            config = folder / "config.toml"
            text = config_text(url, world, schema, pairs, workers[0].port)
            config.write_text(text, encoding="utf-8")
            names = {str(t["id"]): str(t["name"]) for t in teams}
            scene = Deployment(url, world, config, pairs, workers, names)
            try:
                scene.start(workers[0])  # the first one migrates the schema
                await asyncio.gather(*(asyncio.to_thread(scene.start, w) for w in workers[1:]))
                web = f"http://127.0.0.1:{workers[0].port}"
                for team, person in zip(teams, ("zoe", "yan"), strict=True):
                    page = await add_to_slack(url, web, str(team["id"]), person)
                    assert f"fanbridge was added to {team['name']}" in page, page
                for worker in workers:  # the start-up catch-up of every worker is over
                    await wait_until(lambda w=worker: caught_up(w), f"{worker.name} caught up")
                await wait_until(lambda: shared_fairly(scene), "the shards shared out")
                yield scene
            finally:
                for worker in workers:
                    if worker.process is not None:
                        scene.stop(worker)
    finally:
        stop_process(emulator)


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """The deployment, set up once for the module on a loop of its own (the tests' loops come
    and go; the workers are processes and outlive them)."""
    folder = tmp_path_factory.mktemp("workers")
    ready: dict[str, Deployment] = {}
    done = threading.Event()
    started = threading.Event()
    failure: list[BaseException] = []

    async def hold() -> None:
        try:
            async with deployment(folder) as deployed:
                ready["scene"] = deployed
                started.set()
                await asyncio.to_thread(done.wait)
        except BaseException as exc:
            failure.append(exc)
            started.set()

    thread = threading.Thread(target=lambda: asyncio.run(hold()), daemon=True)
    thread.start()
    started.wait(timeout=180)
    if failure:
        raise failure[0]
    try:
        yield ready["scene"]
    finally:
        done.set()
        thread.join(timeout=120)


# -- traffic ---------------------------------------------------------------------------------
class Traffic:
    """Posts tagged messages on both sides of every pair and reads back what each channel
    shows, with the time each copy first appeared."""

    def __init__(self, scene: Deployment, http: aiohttp.ClientSession) -> None:
        self.scene = scene
        self.http = http
        self.posted: dict[tuple[int, str], list[str]] = {}  # (pair, "d"|"s") -> tags in order
        self.first_seen: dict[str, float] = {}

    async def post(self, pair: Pair, side: str, tag: str) -> None:
        if side == "d":
            body = {"channel_id": pair.d_channel, "user_id": pair.d_user, "content": tag}
            await control(self.http, self.scene.url, "/_emu/discord/messages", body)
        else:
            body = {"channel": pair.s_channel, "user": pair.s_user, "text": tag}
            await control(self.http, self.scene.url, "/_emu/slack/messages", body)
        self.posted.setdefault((pair.index, side), []).append(tag)

    async def shown(self, pair: Pair, side: str) -> list[str]:
        """The tags relayed from ``side`` as the other side shows them, in its order."""
        url = self.scene.url
        if side == "d":
            path = f"/_emu/slack/channels/{pair.s_channel}/messages"
            texts = [str(m.get("text") or "") for m in await control(self.http, url, path)]
        else:
            path = f"/_emu/discord/channels/{pair.d_channel}/messages"
            texts = [str(m.get("content") or "") for m in await control(self.http, url, path)]
        wanted = set(self.posted.get((pair.index, side), []))
        found = [t for text in texts for t in re.findall(r"\b[\w-]+#\d+\b", text) if t in wanted]
        now = time.monotonic()
        for tag in found:
            self.first_seen.setdefault(tag, now)
        return found

    async def settled(self, timeout: float = 120.0) -> dict[tuple[int, str], list[str]]:
        """Wait until every posted tag is shown; what each channel shows."""
        deadline = time.monotonic() + timeout
        while True:
            shown = {
                (p.index, side): await self.shown(p, side)
                for p in self.scene.pairs
                for side in ("d", "s")
            }
            missing = sum(len(set(self.posted.get(k, [])) - set(v)) for k, v in shown.items())
            if not missing or time.monotonic() > deadline:
                return shown
            await asyncio.sleep(0.2)  # polling the emulator's lists, not waiting on the bridge

    async def resent(self) -> set[str]:
        """The tags of the Slack messages whose event Slack had to send again: the worker it
        went to did not acknowledge it (killed, or stopping, before it recorded it)."""
        deliveries = await control(self.http, self.scene.url, "/_emu/slack/deliveries")
        again = {d["event_id"] for d in deliveries if d.get("retry_num")}
        events = await control(self.http, self.scene.url, "/_emu/slack/events")
        texts = [str(e["event"].get("text") or "") for e in events if e["event_id"] in again]
        return {tag for text in texts for tag in re.findall(r"\b[\w-]+#\d+\b", text)}

    def check(self, shown: dict[tuple[int, str], list[str]], resent: set[str]) -> None:
        """Every message exactly once and in order: a guild's events come from the one worker
        holding its shard; a Slack channel's events, spread over the workers' connections,
        wait for the earlier ones another worker is handling (adapters/slack/turns.py). The
        one exception: a Slack message whose event reached a worker that died (or stopped)
        before recording it comes again from Slack seconds later, and is relayed then, after
        the messages that followed it; the others keep their order around it."""
        for key, tags in self.posted.items():
            got = shown.get(key, [])
            doubled = sorted(t for t in set(got) if got.count(t) > 1)
            lost = sorted(set(tags) - set(got))
            assert sorted(got) == sorted(tags), f"pair {key}: lost {lost}, doubled {doubled}"
            if key[1] == "s":
                got = [t for t in got if t not in resent]
                tags = [t for t in tags if t not in resent]
            assert got == tags, f"pair {key}: out of order: {got}"


def caught_up(worker: Worker) -> bool:
    """No channel of this worker waits for or is reading its history."""
    _, metrics = get(worker.port, "/metrics")
    return "\nfanbridge_catchup_pending_channels 0.0" in metrics


def shared_fairly(scene: Deployment) -> bool:
    """Both shards held, by two workers (one each: the fair share of 2 shards on 3)."""
    counts = [
        len([x for x in readyz_worker(w.port)["leases"] if x.startswith("discord:")])
        for w in scene.workers
        if w.process is not None
    ]
    return sum(counts) == SHARDS and max(counts) == 1


def shard_holder(scene: Deployment, shard: int) -> Worker:
    for worker in scene.workers:
        if worker.process is not None:
            leases = readyz_worker(worker.port)["leases"]
            if f"discord:shard:{shard}" in leases:
                return worker
    raise AssertionError(f"no worker holds shard {shard}")


async def wait_until(check: Any, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(check):
        assert time.monotonic() < deadline, f"timed out: {what}"
        await asyncio.sleep(0.1)


def shards_held(scene: Deployment) -> list[str]:
    held: list[str] = []
    for worker in scene.workers:
        if worker.process is not None:
            held += [x for x in readyz_worker(worker.port)["leases"] if x.startswith("discord:")]
    return sorted(held)


# -- the tests -------------------------------------------------------------------------------
async def test_a_burst_crosses_once_in_order_with_a_worker_killed_in_the_middle(
    scene: Deployment,
) -> None:
    await wait_until(
        lambda: shards_held(scene) == ["discord:shard:0", "discord:shard:1"], "both shards held"
    )
    async with aiohttp.ClientSession() as http:
        traffic = Traffic(scene, http)
        victim = shard_holder(scene, 0)
        for i in range(50):  # 600 messages: 50 each way on each of the 6 pairs
            if i == 25:
                scene.kill(victim)  # mid-burst, with its outbox claims in flight
            posts = [
                traffic.post(pair, side, f"burst-{pair.index}{side}#{i}")
                for pair in scene.pairs
                for side in ("d", "s")
            ]
            await asyncio.gather(*posts)
        assert sum(len(tags) for tags in traffic.posted.values()) == 600
        shown = await traffic.settled()
        traffic.check(shown, await traffic.resent())
        held = shards_held(scene)
        assert held == ["discord:shard:0", "discord:shard:1"]  # taken over by the others
        scene.start(victim)  # three again for the next test


async def test_a_rolling_restart_under_traffic_loses_nothing_and_no_channel_goes_silent(
    scene: Deployment,
) -> None:
    async with aiohttp.ClientSession() as http:
        traffic = Traffic(scene, http)
        stop_traffic = asyncio.Event()

        async def trickle() -> None:
            i = 0
            while not stop_traffic.is_set():
                posts = [
                    traffic.post(pair, side, f"roll-{pair.index}{side}#{i}")
                    for pair in scene.pairs
                    for side in ("d", "s")
                ]
                await asyncio.gather(*posts)
                i += 1
                with_reads = [traffic.shown(p, s) for p in scene.pairs for s in ("d", "s")]
                await asyncio.gather(*with_reads)  # stamps when each copy first shows

        posting = asyncio.create_task(trickle())
        for worker in scene.workers:  # one at a time, the others keep relaying
            await asyncio.to_thread(scene.stop, worker)
            await asyncio.to_thread(scene.start, worker)
        stop_traffic.set()
        await posting
        shown = await traffic.settled()
        traffic.check(shown, await traffic.resent())
        for key, tags in traffic.posted.items():
            seen = [traffic.first_seen[tag] for tag in tags]
            gaps = [b - a for a, b in itertools.pairwise(seen)]
            assert max(gaps, default=0) < 30, f"pair {key} silent for {max(gaps):.0f}s"


async def test_a_workspace_that_uninstalls_the_app_gets_no_more_copies(
    scene: Deployment,
) -> None:
    gone = scene.pairs[PAIRS_PER_SIDE]  # a pair of the second workspace
    kept = scene.pairs[0]
    async with aiohttp.ClientSession() as http:
        await control(http, scene.url, "/_emu/slack/oauth/uninstall", {"team": gone.team})
        name = scene.teams[gone.team]
        deadline = time.monotonic() + 30
        # /fangroup info on the Discord side of that pair (answered by its shard's worker)
        while f"paused: the Slack app was uninstalled from {name}" not in (
            info := await discord_info(scene, http, gone)
        ):
            assert time.monotonic() < deadline, f"the uninstall is not shown: {info}"
            await asyncio.sleep(0.2)
        traffic = Traffic(scene, http)
        for i in range(3):
            await traffic.post(gone, "d", f"after-{gone.index}d#{i}")
            await traffic.post(kept, "d", f"after-{kept.index}d#{i}")
        await wait_shown(traffic, kept, [f"after-{kept.index}d#{i}" for i in range(3)])
        assert await traffic.shown(gone, "d") == []  # the uninstalled workspace got nothing


async def discord_info(scene: Deployment, http: aiohttp.ClientSession, pair: Pair) -> str:
    body = {
        "channel_id": pair.d_channel,
        "user_id": pair.d_user,
        "name": "fangroup info",
        "options": {},
        "timeout": 10,
    }
    answer = await control(http, scene.url, "/_emu/discord/commands", body)
    return str(answer["data"]["content"])


async def wait_shown(traffic: Traffic, pair: Pair, tags: list[str]) -> None:
    deadline = time.monotonic() + 30
    while await traffic.shown(pair, "d") != tags:
        assert time.monotonic() < deadline, f"{tags} not shown"
        await asyncio.sleep(0.1)
