"""Requests the real APIs would reject are answered like the real APIs and recorded as
violations (this module makes them on purpose)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from emulators.server import ThreadedEmulator

pytestmark = pytest.mark.allow_violations


async def test_spec_invalid_requests_are_refused_and_recorded(emulator: ThreadedEmulator) -> None:
    async with aiohttp.ClientSession() as http:
        world = await (await http.get(f"{emulator.url}/_emu/world")).json()
        discord = world["discord"]
        channel = discord["guilds"][0]["channels"][0]["id"]
        headers = {"Authorization": f"Bot {discord['bot_token']}"}
        url = f"{emulator.url}/discord/api/v10/channels/{channel}/messages"
        async with http.post(url, json={"content": 5}, headers=headers) as response:
            assert response.status == 400
            assert (await response.json())["code"] == 50035
        slack = world["slack"]
        async with http.post(
            f"{emulator.url}/slack/api/chat.postMessage",
            data={"text": "no channel"},
            headers={"Authorization": f"Bearer {slack['bot_token']}"},
        ) as response:
            body = await response.json()
            assert body["ok"] is False
        log = await (await http.get(f"{emulator.url}/_emu/requests")).json()
    bad = [(r["platform"], r["path"]) for r in log if r["violations"]]
    assert ("discord", f"/discord/api/v10/channels/{channel}/messages") in bad
    assert ("slack", "/slack/api/chat.postMessage") in bad


def test_fanbridge_emulate_starts_and_writes_its_world(tmp_path: Path) -> None:
    world_out = tmp_path / "world.json"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "adapters.cli",
            "emulate",
            "--port",
            "0",
            "--world-out",
            str(world_out),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until the server is listening
        assert line.startswith("fanbridge emulator on http://127.0.0.1:")
        world = json.loads(world_out.read_text())
        assert world["discord"]["bot_token"] and world["slack"]["signing_secret"]
        assert world["spotify"]["client_id"]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
