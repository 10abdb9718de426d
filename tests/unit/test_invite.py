"""`fanbridge discord invite-url`: the OAuth2 URL and its permission integer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import discord
import pytest

from adapters import invite

ROOT = Path(__file__).resolve().parents[2]

# The permissions the bridge needs, by discord.py's names (the README lists the same ones).
NEEDED = (
    "view_channel",
    "send_messages",
    "send_messages_in_threads",
    "create_public_threads",
    "manage_messages",
    "manage_webhooks",
    "manage_threads",
    "read_message_history",
    "add_reactions",
    "external_emojis",
    "attach_files",
    "embed_links",
    "manage_channels",
    "manage_roles",
    "ban_members",
    "kick_members",
    "moderate_members",
    "view_audit_log",
    "pin_messages",
    "create_events",
    "connect",
)


def documented_bits() -> dict[str, int]:
    return {
        name: value
        for name, value in vars(invite).items()
        if name.isupper() and name != "BRIDGE_PERMISSIONS" and isinstance(value, int)
    }


def test_the_integer_is_the_sum_of_the_documented_bits() -> None:
    bits = documented_bits()
    assert len(bits) == len(NEEDED)
    assert all(value & (value - 1) == 0 for value in bits.values())  # one bit each
    assert sum(bits.values()) == invite.BRIDGE_PERMISSIONS


def test_the_bits_are_exactly_the_permissions_the_bridge_needs() -> None:
    expected = discord.Permissions(**dict.fromkeys(NEEDED, True))
    assert expected.value == invite.BRIDGE_PERMISSIONS
    assert not discord.Permissions(invite.BRIDGE_PERMISSIONS).administrator
    assert not discord.Permissions(invite.BRIDGE_PERMISSIONS).mention_everyone


def test_the_url_parses() -> None:
    url = invite.invite_url("1573895267613282304")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "discord.com", "/oauth2/authorize")
    query = parse_qs(parts.query)
    assert query == {
        "client_id": ["1573895267613282304"],
        "scope": ["bot applications.commands"],
        "permissions": [str(invite.BRIDGE_PERMISSIONS)],
    }
    assert "scope=bot+applications.commands" in url


def test_a_non_numeric_client_id_is_refused() -> None:
    with pytest.raises(ValueError, match="digits"):
        invite.invite_url("my-app")


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FANBRIDGE_")}
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", "discord", "invite-url", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env | {"PYTHONPATH": str(ROOT)},
        timeout=60,
    )


def test_cli_reads_the_application_id_without_the_secrets(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[discord]\ntoken = "env:UNSET_TOKEN"\napplication_id = "4242"\n')
    result = run("--config", str(config))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == invite.invite_url("4242")


def test_cli_client_id_flag_wins(tmp_path: Path) -> None:
    result = run("--client-id", "77", cwd=tmp_path)
    assert result.returncode == 0 and "client_id=77&" in result.stdout


def test_cli_without_an_id_is_a_one_line_error(tmp_path: Path) -> None:
    result = run(cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "--client-id" in result.stderr and "application_id" in result.stderr
