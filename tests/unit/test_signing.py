"""Personal links to private groups: a link verifies for its group until it expires; anything
altered, made with another key, for another group, or not a token at all is "forged"."""

from __future__ import annotations

import pytest

from adapters.config import config_from_dict
from adapters.web.signing import (
    Grant,
    GrantError,
    GroupLinks,
    sign_grant,
    verify_grant,
    web_secret,
)
from bridge.ids import Platform, UserRef

KEY = b"k" * 32
NOW = 1_800_000_000.0
WEEK = 7 * 24 * 3600.0
USER = "discord:900:11"


def test_a_valid_link_names_the_group_the_person_and_the_expiry() -> None:
    token = sign_grant(KEY, "fans", USER, NOW + WEEK)
    assert verify_grant(KEY, token, "fans", NOW) == Grant("fans", USER, NOW + WEEK)
    assert verify_grant(KEY, token, "fans", NOW + WEEK - 1) == Grant("fans", USER, NOW + WEEK)
    assert token.replace("-", "").replace("_", "").replace(".", "").isalnum()  # URL-safe


def test_an_expired_link_says_expired() -> None:
    token = sign_grant(KEY, "fans", USER, NOW + WEEK)
    assert verify_grant(KEY, token, "fans", NOW + WEEK) == GrantError("expired")
    assert verify_grant(KEY, token, "fans", NOW + 2 * WEEK) == GrantError("expired")


def test_a_tampered_or_foreign_signature_is_forged() -> None:
    token = sign_grant(KEY, "fans", USER, NOW + WEEK)
    payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    assert verify_grant(KEY, f"{payload}.{flipped}", "fans", NOW) == GrantError("forged")
    assert verify_grant(b"other key", token, "fans", NOW) == GrantError("forged")
    # a longer expiry spliced onto the original signature
    longer = sign_grant(b"x", "fans", USER, NOW + 100 * WEEK).split(".")[0]
    assert verify_grant(KEY, f"{longer}.{signature}", "fans", NOW) == GrantError("forged")


def test_a_link_for_another_group_is_forged() -> None:
    token = sign_grant(KEY, "fans", USER, NOW + WEEK)
    assert verify_grant(KEY, token, "other", NOW) == GrantError("forged")
    # even an expired link for another group does not say more than "forged"
    assert verify_grant(KEY, token, "other", NOW + 2 * WEEK) == GrantError("forged")


@pytest.mark.parametrize(
    "garbage", ["", ".", "abc", "abc.", ".abc", "a.b.c", "!!!.???", "é.é", "x" * 10_000, "e30.e30"]
)
def test_garbage_is_forged(garbage: str) -> None:
    assert verify_grant(KEY, garbage, "fans", NOW) == GrantError("forged")


def test_secret_from_config_or_derived_from_the_tokens() -> None:
    tokens = {"discord": {"token": "d-token"}, "slack": {"bot_token": "xoxb-1"}}
    derived = web_secret(config_from_dict(tokens))
    assert derived == web_secret(config_from_dict(tokens))  # survives a restart
    assert derived != web_secret(config_from_dict(tokens | {"discord": {"token": "other"}}))
    chosen = config_from_dict(tokens | {"web": {"secret": "s3cret"}})
    assert web_secret(chosen) not in (derived, b"s3cret")
    assert "s3cret" in chosen.secrets()  # redacted from logs


def test_group_links_need_a_public_url() -> None:
    user = UserRef(Platform.SLACK, "T1", "U1")
    assert GroupLinks(None, KEY).personal("fans", user, NOW + WEEK) is None
    links = GroupLinks("https://fans.example.org/", KEY)
    assert links.page("fans") == "https://fans.example.org/g/fans"
    link = links.personal("fans", user, NOW + WEEK)
    assert link is not None and link.startswith("https://fans.example.org/g/fans?key=")
    grant = verify_grant(KEY, link.split("?key=")[1], "fans", NOW)
    assert grant == Grant("fans", str(user), NOW + WEEK)
