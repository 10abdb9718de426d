"""``route_key``: Discord's bucket for a request, named from its method and URL alone (the
shared route buckets of several workers are keyed by it)."""

from __future__ import annotations

import pytest

from adapters.pacing import route_key

API = "https://discord.com/api/v10"


@pytest.mark.parametrize(
    ("method", "url", "key"),
    [
        ("POST", f"{API}/channels/111/messages", "POST /channels/111/messages"),
        ("patch", f"{API}/channels/111/messages/222", "PATCH /channels/111/messages/{id}"),
        ("DELETE", f"{API}/channels/111/messages/222", "DELETE /channels/111/messages/{id}"),
        (
            "PUT",
            f"{API}/channels/111/messages/222/reactions/%F0%9F%91%8D/@me",
            "PUT /channels/111/messages/{id}/reactions/{emoji}/@me",
        ),
        (
            "DELETE",
            f"{API}/channels/111/messages/222/reactions/party:333/444",
            "DELETE /channels/111/messages/{id}/reactions/{emoji}/{id}",
        ),
        ("PUT", f"{API}/guilds/555/bans/666", "PUT /guilds/555/bans/{id}"),
        ("PATCH", f"{API}/guilds/555/members/666", "PATCH /guilds/555/members/{id}"),
        ("GET", f"{API}/channels/111/messages?limit=100&before=9", "GET /channels/111/messages"),
        ("GET", f"{API}/users/@me", "GET /users/@me"),
        ("GET", f"{API}/users/777", "GET /users/{id}"),
        (
            "POST",
            f"{API}/webhooks/888/s3cr3t-token?wait=true",
            "POST /webhooks/888/{token}",
        ),
        (
            "PATCH",
            f"{API}/webhooks/888/s3cr3t-token/messages/222",
            "PATCH /webhooks/888/{token}/messages/{id}",
        ),
        (
            "POST",
            f"{API}/interactions/999/aW50ZXJhY3Rpb24/callback",
            "POST /interactions/{id}/{token}/callback",
        ),
        (
            "GET",
            "http://127.0.0.1:8000/discord/api/v10/channels/111/messages/222",
            "GET /channels/111/messages/{id}",
        ),
    ],
)
def test_route_key_names_the_bucket(method: str, url: str, key: str) -> None:
    assert route_key(method, url) == key


def test_one_bucket_per_channel_not_per_message() -> None:
    assert route_key("PATCH", f"{API}/channels/1/messages/2") == route_key(
        "PATCH", f"{API}/channels/1/messages/3"
    )
    assert route_key("PATCH", f"{API}/channels/1/messages/2") != route_key(
        "PATCH", f"{API}/channels/4/messages/2"
    )


def test_a_webhook_token_never_appears_in_the_key() -> None:
    assert "s3cr3t" not in route_key("POST", f"{API}/webhooks/1/s3cr3t")
