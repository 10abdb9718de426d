"""slack-app-manifest.yml grants what the Slack adapter relies on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from adapters.slack.oauth import BOT_SCOPES

MANIFEST = Path(__file__).resolve().parents[2] / "slack-app-manifest.yml"

SCOPES = {
    "chat:write",
    "chat:write.customize",
    "chat:write.public",
    "channels:history",
    "groups:history",
    "channels:read",
    "groups:read",
    "reactions:read",
    "reactions:write",
    "users:read",
    "files:read",
    "files:write",
    "commands",
    "channels:manage",
    "groups:write",
    "im:write",
    "pins:write",
}
EVENTS = {
    "message.channels",
    "message.groups",
    "reaction_added",
    "reaction_removed",
    "member_joined_channel",
    "member_left_channel",
    "app_home_opened",
    "app_uninstalled",
    "tokens_revoked",
}


def manifest() -> dict[str, Any]:
    data = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_it_is_a_version_2_manifest_named_fanbridge() -> None:
    data = manifest()
    assert data["_metadata"]["major_version"] == 2
    assert data["display_information"]["name"] == "fanbridge"
    assert data["features"]["bot_user"]["display_name"] == "fanbridge"


def test_bot_scopes_cover_the_adapters() -> None:
    assert set(manifest()["oauth_config"]["scopes"]["bot"]) == SCOPES


def test_bot_events_cover_the_adapters() -> None:
    assert set(manifest()["settings"]["event_subscriptions"]["bot_events"]) == EVENTS


def test_commands_and_shortcuts() -> None:
    features = manifest()["features"]
    commands = {c["command"] for c in features["slash_commands"]}
    assert {"/fangroup", "/announce"} <= commands
    shortcuts = {s["callback_id"]: s for s in features["shortcuts"]}
    assert shortcuts["delete_everywhere"]["name"] == "Delete everywhere"
    assert shortcuts["ban_from_group"]["name"] == "Ban from group"
    assert shortcuts["report"]["name"] == "Report to moderators"
    assert all(s["type"] == "message" for s in shortcuts.values())
    assert all(len(s["description"]) <= 150 for s in shortcuts.values())


def test_settings_socket_mode_and_interactivity() -> None:
    settings = manifest()["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False


def test_add_to_slack_asks_for_the_manifest_scopes_and_comes_back_to_the_bridge() -> None:
    oauth = manifest()["oauth_config"]
    assert set(BOT_SCOPES) == set(oauth["scopes"]["bot"])
    assert [url.endswith("/slack/oauth_redirect") for url in oauth["redirect_urls"]] == [True]
