"""`fanbridge emulate --write-config PATH` writes a config that `fanbridge run --config PATH`
bridges the emulated world with: both real subprocesses, a message posted on Discord #general
shows up on Slack #general, and both stop on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import subprocess
import tomllib
from pathlib import Path

import aiohttp

from tests.e2e.harness import Chats, Emu
from tests.e2e.test_startup_failures import Lines, child_env, fanbridge_cmd, start_emulator, stop

WAIT = 60.0


def test_write_config_then_run_bridges_the_emulated_world(tmp_path: Path) -> None:
    path = tmp_path / "emulated.toml"
    emulator, url, _ = start_emulator(tmp_path, "--write-config", str(path))
    bridge = None
    try:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# EMULATOR ONLY")
        config = tomllib.loads(text)
        assert config["network"]["emulator"] == url
        assert config["web"]["port"] == 8080
        assert config["database"]["url"] == f"sqlite+aiosqlite:///{tmp_path / 'emulated.db'}"
        links = config["groups"][0]["channels"]
        d_link = next(c for c in links if c["platform"] == "discord")
        s_link = next(c for c in links if c["platform"] == "slack")

        env = child_env()
        env["FANBRIDGE_WEB_PORT"] = "0"  # 8080 may be taken on a shared machine
        env["FANBRIDGE_LOGGING_LEVEL"] = "INFO"
        bridge = subprocess.Popen(
            fanbridge_cmd("run", "--config", str(path)),
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert bridge.stderr is not None
        err = Lines(bridge.stderr)
        err.until("fanbridge running")
        asyncio.run(relay_once(url, d_link["channel"], s_link["channel"]))
    finally:
        codes = [stop(bridge)] if bridge is not None else []
        codes.append(stop(emulator))
    assert codes[0] == 0


async def relay_once(url: str, d_channel: str, s_channel: str) -> None:
    """A fan posts on Discord #general; its copy appears on Slack #general."""
    marker = "hello from the written config"
    async with aiohttp.ClientSession() as session:
        emu = Emu(url, session)
        chats = Chats(emu, await emu.world())
        fan = next(name for name in chats.d_users if "bot" not in name.lower())
        await chats.discord_post(fan, marker, channel=d_channel)

        async def copied() -> bool:
            return any(marker in json.dumps(m) for m in await emu.slack_messages(s_channel))

        await emu.until(copied, timeout=WAIT, what="the copy on Slack")
