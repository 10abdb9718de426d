"""Workers, with real `fanbridge` processes against the emulators: a second `fanbridge run` on
one SQLite file is refused with one line (SQLite runs one process); `fanbridge workers` lists
the live workers and what each holds; /readyz and /metrics name the worker and its leases;
bridges on one host share the web port, or take their own from FANBRIDGE_WEB_PORT; on
PostgreSQL several workers run side by side and each is listed, and one killed with -9 leaves
the list once its lease expires."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_startup_failures import (
    WAIT,
    Lines,
    assert_one_line,
    child_env,
    emulator,
    fanbridge_cmd,
    run_failing,
    stop,
    toml_config,
)
from tests.postgres import POSTGRES_URL, fresh_schema

__all__ = ["emulator"]

World = tuple[str, dict[str, Any]]
HAS_REUSE_PORT = hasattr(socket, "SO_REUSEPORT")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(config: Path, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[str]]:
    """`fanbridge run` until it logs that it runs; stopped (SIGTERM) on the way out."""
    process = subprocess.Popen(
        fanbridge_cmd("run", "--config", str(config)),
        cwd=config.parent,
        env=child_env() | (env or {}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    try:
        Lines(process.stderr).until("fanbridge running")
        yield process
    finally:
        stop(process)


def workers(config: Path) -> list[str]:
    result = subprocess.run(
        fanbridge_cmd("workers", "--config", str(config)),
        cwd=config.parent,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def get(port: int, path: str) -> tuple[int, str]:
    """A GET on a new connection (so the kernel may pick either listener of a shared port)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:  # /readyz answers 503 while not ready
        return exc.code, exc.read().decode()


def readyz_worker(port: int) -> dict[str, Any]:
    _, body = get(port, "/readyz")
    worker: dict[str, Any] = json.loads(body)["worker"]
    return worker


def test_a_second_bridge_on_one_sqlite_file_is_refused_and_workers_are_listed(
    emulator: World, tmp_path: Path
) -> None:
    url, world = emulator
    port = free_port()
    config = toml_config(world, url, tmp_path, web_port=port, level="INFO")
    assert workers(config) == [
        "no live workers (none renewed its lease within [workers] lease_seconds)"
    ]
    with running(config) as first:
        code, lines = run_failing(config)
        assert_one_line(code, lines, 1, "in use by another fanbridge process", "PostgreSQL")
        assert f"pid {first.pid}" in lines[-1]
        [line] = workers(config)
        worker = readyz_worker(port)
        assert line.startswith(f"{socket.gethostname()}:{first.pid}:")
        # alone, it connects the one Discord gateway shard the emulator recommends
        assert line.split()[0] == worker["id"] and line.endswith("holds: discord:shard:0")
        assert worker["leases"] == [f"worker:{worker['id']}", "discord:shard:0"]
        _, metrics = get(port, "/metrics")
        assert f'fanbridge_worker_leases{{kind="worker",worker="{worker["id"]}"}} 1.0' in metrics
    assert workers(config)[0].startswith("no live workers")  # released on a clean stop
    assert not (tmp_path / "bridge.db.lock").exists()  # and its lock file removed
    with running(config):  # the lock went with the process: the next one starts
        assert len(workers(config)) == 1


@pytest.mark.skipif(not HAS_REUSE_PORT, reason="the OS has no SO_REUSEPORT")
def test_two_bridges_share_one_web_port(emulator: World, tmp_path: Path) -> None:
    url, world = emulator
    port = free_port()
    configs = []
    for name in ("one", "two"):
        folder = tmp_path / name
        folder.mkdir()
        configs.append(toml_config(world, url, folder, web_port=port, level="INFO"))
    with running(configs[0]) as first, running(configs[1]) as second:
        assert first.poll() is None and second.poll() is None  # neither died on the port
        seen: set[str] = set()
        for _ in range(200):
            assert get(port, "/healthz") == (200, '{"ok": true}')
            seen.add(readyz_worker(port)["id"].split(":")[1])
            if len(seen) == 2:
                break
        assert seen == {str(first.pid), str(second.pid)}  # both answer on the one port


def test_fanbridge_web_port_overrides_the_config(emulator: World, tmp_path: Path) -> None:
    url, world = emulator
    configured, own = free_port(), free_port()
    config = toml_config(world, url, tmp_path, web_port=configured, level="INFO")
    with running(config, {"FANBRIDGE_WEB_PORT": str(own)}) as process:
        assert get(own, "/healthz")[0] == 200
        assert readyz_worker(own)["id"].split(":")[1] == str(process.pid)
        with pytest.raises(OSError):
            get(configured, "/healthz")


@pytest.mark.skipif(POSTGRES_URL is None, reason="needs FANBRIDGE_TEST_POSTGRES_URL (CI sets it)")
def test_workers_on_one_postgresql_database_are_each_listed(
    emulator: World, tmp_path: Path
) -> None:
    assert POSTGRES_URL is not None
    url, world = emulator

    async def with_schema() -> None:
        async with fresh_schema(POSTGRES_URL) as schema:
            await asyncio.to_thread(_two_workers, world, url, tmp_path, schema)

    asyncio.run(with_schema())


def _two_workers(world: dict[str, Any], url: str, tmp_path: Path, schema: str) -> None:
    assert POSTGRES_URL is not None
    config = toml_config(world, url, tmp_path, db=POSTGRES_URL, web_port=0, level="INFO")
    text = config.read_text(encoding="utf-8")
    text = text.replace("[discord]", f'schema_name = "{schema}"\n[discord]', 1)
    config.write_text(text + "[workers]\nlease_seconds = 3\n", encoding="utf-8")
    with running(config) as first, running(config) as second:
        listed = workers(config)
        assert len(listed) == 2, listed
        pids = sorted(line.split()[0].split(":")[1] for line in listed)
        assert pids == sorted([str(first.pid), str(second.pid)])
        second.kill()  # kill -9: no clean stop, its lease is left to expire
        second.wait(timeout=WAIT)
        deadline = time.monotonic() + 30
        while len(listed := workers(config)) == 2 and time.monotonic() < deadline:
            pass  # each look takes a process start; the lease runs out within 3 s
        assert [line.split()[0].split(":")[1] for line in listed] == [str(first.pid)]
    assert workers(config)[0].startswith("no live workers")
