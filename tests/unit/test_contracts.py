"""The official-spec validator (emulators.contracts) against the real spec files."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from emulators.contracts import Contracts
from emulators.contracts.sources import DEFAULT_DIR, ENV_VAR

MESSAGES = "/channels/123456789012345678/messages"


@pytest.fixture(scope="module")
def contracts() -> Contracts:
    loaded = Contracts.load(None)
    assert loaded is not None, f"the platform specs were not found in {DEFAULT_DIR}"
    return loaded


@pytest.fixture(autouse=True)
def _default_contracts_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


def message(**fields: object) -> dict[str, object]:
    return {"content": "hello fans", "allowed_mentions": {"parse": []}, **fields}


# -- Discord ---------------------------------------------------------------------------------
def test_valid_message_create_passes(contracts: Contracts) -> None:
    body = message(embeds=[{"title": "Song", "url": "https://open.spotify.com/track/x"}])
    assert contracts.discord("POST", MESSAGES, {}, body) == []


def test_content_longer_than_2000_is_a_violation(contracts: Contracts) -> None:
    violations = contracts.discord("POST", MESSAGES, {}, message(content="x" * 2001))
    assert violations == ["POST /channels/{channel_id}/messages: body.content: longer than 2000"]
    assert contracts.discord("POST", MESSAGES, {}, message(content="x" * 2000)) == []


def test_content_of_wrong_type_is_a_violation(contracts: Contracts) -> None:
    violations = contracts.discord("POST", MESSAGES, {}, message(content=5))
    assert len(violations) == 1
    assert "body.content: expected string or null, got integer" in violations[0]


def test_unknown_route_is_a_violation(contracts: Contracts) -> None:
    assert contracts.discord("GET", "/fan-groups/1", {}, None) == [
        "GET /fan-groups/1: not in the Discord API"
    ]
    violations = contracts.discord("PUT", MESSAGES, {}, message())
    assert violations == ["PUT /channels/{channel_id}/messages: not in the Discord API"]


def test_snowflake_path_param_must_be_digits(contracts: Contracts) -> None:
    violations = contracts.discord("POST", "/channels/abc/messages", {}, message())
    assert violations == [
        'POST /channels/{channel_id}/messages: path.channel_id: "abc" is not a snowflake'
    ]


def test_bad_allowed_mentions_parse_value_is_a_violation(contracts: Contracts) -> None:
    body = message(allowed_mentions={"parse": ["users", "fans"]})
    violations = contracts.discord("POST", MESSAGES, {}, body)
    assert len(violations) == 1
    assert "body.allowed_mentions.parse[1]" in violations[0]
    assert '"fans" is not one of users, roles, everyone' in violations[0]


def test_literal_segments_beat_parameters(contracts: Contracts) -> None:
    assert contracts.discord("GET", "/users/@me", {}, None) == []
    assert contracts.discord("POST", f"{MESSAGES}/bulk-delete", {}, {"messages": ["1", "2"]}) == []
    missing = contracts.discord("POST", f"{MESSAGES}/bulk-delete", {}, {})
    assert missing == ["POST /channels/{channel_id}/messages/bulk-delete: body.messages: required"]


def test_typed_query_params_parse(contracts: Contracts) -> None:
    assert contracts.discord("GET", MESSAGES, {"limit": "50", "before": "42"}, None) == []
    violations = contracts.discord("GET", MESSAGES, {"limit": "many", "after": "x1"}, None)
    assert any('query.limit: "many" is not an integer' in v for v in violations)
    assert any("query.after" in v and "snowflake" in v for v in violations)
    assert contracts.discord("GET", MESSAGES, {"limit": "101"}, None) == [
        "GET /channels/{channel_id}/messages: query.limit: greater than 100"
    ]


def test_webhook_execute_and_interaction_callback(contracts: Contracts) -> None:
    webhook = "/webhooks/223456789012345678/some-token"
    body = message(username="Slack · Ana", avatar_url="https://example.com/a.png")
    assert contracts.discord("POST", webhook, {"wait": "1"}, body) == []
    assert contracts.discord("POST", webhook, {"wait": "maybe"}, body) != []
    long_name = contracts.discord("POST", webhook, {}, message(username="n" * 81))
    assert long_name == [
        "POST /webhooks/{webhook_id}/{webhook_token}: body.username: longer than 80"
    ]
    callback = "/interactions/323456789012345678/tok/callback"
    reply = {"type": 4, "data": {"content": "ok", "flags": 64}}
    assert contracts.discord("POST", callback, {"with_response": "1"}, reply) == []
    assert "body.type: 99 is not one of" in contracts.discord("POST", callback, {}, {"type": 99})[0]


def test_multipart_bodies_check_only_the_route(contracts: Contracts) -> None:
    assert contracts.discord("POST", MESSAGES, {}, {"multipart": True}) == []
    assert contracts.discord("POST", "/channels/x/messages", {}, {"multipart": True}) != []


# -- Slack -----------------------------------------------------------------------------------
def test_slack_required_params(contracts: Contracts) -> None:
    assert contracts.slack("chat.postMessage", {"text": "hi"}) == [
        "chat.postMessage: channel: required"
    ]
    assert contracts.slack("chat.postMessage", {"channel": "C0123", "text": "hi"}) == []


def test_slack_typed_params_accept_form_strings_and_json_values(contracts: Contracts) -> None:
    assert contracts.slack("conversations.history", {"channel": "C1", "limit": "200"}) == []
    assert contracts.slack("conversations.history", {"channel": "C1", "limit": 200}) == []
    assert contracts.slack("chat.postMessage", {"channel": "C1", "unfurl_links": False}) == []
    assert contracts.slack("chat.postMessage", {"channel": "C1", "mrkdwn": "0"}) == []
    assert contracts.slack("conversations.history", {"channel": "C1", "limit": "lots"}) == [
        'conversations.history: limit: "lots" is not an integer'
    ]


def test_slack_methods_newer_than_the_spec_pass(contracts: Contracts) -> None:
    assert contracts.slack("apps.connections.open", {}) == []
    assert contracts.slack("files.getUploadURLExternal", {"filename": "a.png"}) == []


# -- Spotify ---------------------------------------------------------------------------------
def test_spotify_routes(contracts: Contracts) -> None:
    assert contracts.spotify("GET", "/tracks/11dFghVXANMlKmJXsNCbNl", {}, None) == []
    assert contracts.spotify("GET", "/lyrics/11dFghVXANMlKmJXsNCbNl", {}, None) == [
        "GET /lyrics/11dFghVXANMlKmJXsNCbNl: not in the Spotify API"
    ]
    assert contracts.spotify("DELETE", "/tracks/1", {}, None) == [
        "DELETE /tracks/{id}: not in the Spotify API"
    ]


def test_spotify_query_params(contracts: Contracts) -> None:
    search = {"q": "isrc:USUM71703861", "type": "track", "limit": "5"}
    assert contracts.spotify("GET", "/search", search, None) == []
    violations = contracts.spotify("GET", "/search", {"type": "track", "limit": "0"}, None)
    assert "GET /search: query.q: required" in violations
    assert "GET /search: query.limit: less than 1" in violations


# -- loading ---------------------------------------------------------------------------------
def test_load_on_an_empty_dir_returns_none_and_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="emulators.contracts"):
        assert Contracts.load(str(tmp_path)) is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "unvalidated" in warnings[0].getMessage()


def test_environment_variable_overrides_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert Contracts.load() is None


def test_validation_is_fast(contracts: Contracts) -> None:
    body = message(embeds=[{"title": "t", "description": "d", "footer": {"text": "f"}}])
    rounds = 2000
    started = time.perf_counter()
    for _ in range(rounds):
        contracts.discord("POST", MESSAGES, {}, body)
    per_request = (time.perf_counter() - started) / rounds
    print(f"\ndiscord message create validated in {per_request * 1e6:.0f} µs")
