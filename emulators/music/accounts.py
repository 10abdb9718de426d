"""Spotify Accounts service: ``/spotify-accounts/authorize`` and ``/spotify-accounts/api/token``.

Grants: client_credentials, authorization_code (with optional PKCE) and refresh_token. Client
authentication by HTTP Basic ``client_id:client_secret`` or form fields. Errors are HTTP 400
``{"error": "invalid_client" | "invalid_grant" | ..., "error_description": "..."}``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from emulators.core import json_response
from emulators.music.state import Grant, MusicState, Token

PREFIX = "/spotify-accounts"
LOOPBACK = ("127.0.0.1", "[::1]", "::1")


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def install(app: web.Application, state: MusicState) -> None:
    routes = web.RouteTableDef()

    @routes.get(PREFIX + "/authorize")
    async def authorize(request: web.Request) -> web.StreamResponse:
        return _authorize(state, request)

    @routes.post(PREFIX + "/api/token")
    async def token(request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        try:
            return json_response(await _grant(state, request, form))
        except OAuthError as exc:
            body = {"error": exc.error, "error_description": exc.description}
            return json_response(body, status=exc.status)

    app.add_routes(routes)


# -- /authorize -----------------------------------------------------------------------------------
def redirect_uri_allowed(uri: str) -> bool:
    """Spotify's 2025 rules: https, a loopback IP literal over http, or an app scheme."""
    parts = urlsplit(uri)
    if parts.scheme == "http":
        return (parts.hostname or "") in LOOPBACK or parts.netloc.startswith("[::1]")
    return parts.scheme == "https" or (parts.scheme not in ("", "javascript", "data"))


def _authorize(state: MusicState, request: web.Request) -> web.StreamResponse:
    query = request.query
    if query.get("client_id") != state.config.client_id:
        return web.Response(status=400, text="INVALID_CLIENT: Invalid client")
    redirect_uri = query.get("redirect_uri", "")
    if not redirect_uri_allowed(redirect_uri):
        return web.Response(status=400, text="INVALID_CLIENT: Invalid redirect URI")
    params = {"state": query["state"]} if "state" in query else {}
    if query.get("response_type") != "code":
        params = {"error": "unsupported_response_type", **params}
    else:
        params = {"code": _new_code(state, redirect_uri, query), **params}
    separator = "&" if "?" in redirect_uri else "?"
    raise web.HTTPFound(f"{redirect_uri}{separator}{urlencode(params)}")


def _new_code(state: MusicState, redirect_uri: str, query: Mapping[str, str]) -> str:
    code = "AQ" + secrets.token_urlsafe(160)[:200]
    state.grants[code] = Grant(
        client_id=state.config.client_id,
        redirect_uri=redirect_uri,
        scopes=frozenset(query.get("scope", "").split()),
        expires_at=time.time() + 600,
        challenge=query.get("code_challenge"),
    )
    return code


# -- /api/token -----------------------------------------------------------------------------------
GrantHandler = Callable[[MusicState, dict[str, str], bool], Awaitable[dict[str, object]]]


async def _grant(
    state: MusicState, request: web.Request, form: dict[str, str]
) -> dict[str, object]:
    grant_type = form.get("grant_type")
    if not grant_type:
        raise OAuthError("unsupported_grant_type", "grant_type parameter is missing")
    handler = GRANTS.get(grant_type)
    if handler is None:
        raise OAuthError("unsupported_grant_type", f"grant_type must be one of {', '.join(GRANTS)}")
    authenticated = _client_auth(state, request, form)
    return await handler(state, form, authenticated)


def _client_auth(state: MusicState, request: web.Request, form: dict[str, str]) -> bool:
    """True when the secret was given and is right; False for a public (PKCE) client."""
    client_id, secret = form.get("client_id"), form.get("client_secret")
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "Invalid client") from None
    if client_id != state.config.client_id:
        raise OAuthError("invalid_client", "Invalid client")
    if secret is None:
        return False
    if secret != state.config.client_secret:
        raise OAuthError("invalid_client", "Invalid client secret")
    return True


def _token_body(token: Token, refresh: str | None, scope: bool) -> dict[str, object]:
    body: dict[str, object] = {
        "access_token": token.value,
        "token_type": "Bearer",
        "expires_in": 3600,
    }
    if scope:
        body["scope"] = " ".join(sorted(token.scopes))
    if refresh:
        body["refresh_token"] = refresh
    return body


async def _client_credentials(
    state: MusicState, form: dict[str, str], authenticated: bool
) -> dict[str, object]:
    if not authenticated:
        raise OAuthError("invalid_client", "Invalid client secret")
    token, _ = state.issue_token(state.config.client_id, None, frozenset(), refresh=False)
    return _token_body(token, None, scope=False)


async def _authorization_code(
    state: MusicState, form: dict[str, str], authenticated: bool
) -> dict[str, object]:
    code = form.get("code", "")
    grant = state.grants.pop(code, None)
    if grant is None or grant.expires_at < time.time():
        raise OAuthError("invalid_grant", "Invalid authorization code")
    if form.get("redirect_uri") != grant.redirect_uri:
        raise OAuthError("invalid_grant", "Invalid redirect URI")
    if not authenticated and not _pkce_ok(grant.challenge, form.get("code_verifier")):
        raise OAuthError("invalid_grant", "code_verifier was incorrect")
    user = state.config.user_id
    token, refresh = state.issue_token(grant.client_id, user, grant.scopes, refresh=True)
    return _token_body(token, refresh, scope=True)


def _pkce_ok(challenge: str | None, verifier: str | None) -> bool:
    if not challenge or not verifier:
        return False
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=") == challenge


async def _refresh_token(
    state: MusicState, form: dict[str, str], authenticated: bool
) -> dict[str, object]:
    old = state.refresh_tokens.get(form.get("refresh_token", ""))
    if old is None:
        raise OAuthError("invalid_grant", "Invalid refresh token")
    token, _ = state.issue_token(old.client_id, old.user_id, old.scopes, refresh=False)
    state.refresh_tokens[form["refresh_token"]] = token
    return _token_body(token, None, scope=True)


GRANTS: dict[str, GrantHandler] = {
    "client_credentials": _client_credentials,
    "authorization_code": _authorization_code,
    "refresh_token": _refresh_token,
}
