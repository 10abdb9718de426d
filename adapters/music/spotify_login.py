"""``fanbridge spotify login``: the authorization-code flow, once, for the bot's Spotify account.

1. print the authorize URL (scopes playlist-modify-public playlist-modify-private
   playlist-read-private, a random ``state``); 2. the person opens it, agrees, and pastes back
   the URL Spotify redirected to (``[spotify] redirect_uri`` with ``?code=...&state=...``; the
   page itself may fail to load, only its address matters); 3. check ``state``, exchange the
   code, ask who logged in (with the access token of the exchange: a refresh could rotate the
   refresh token) and store the refresh token in the database (in ``[database] schema_name``
   on PostgreSQL). Every failure is one line (``LoginError``).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp

from adapters.config import Config
from adapters.music.spotify_user import (
    SCOPES,
    SpotifyEndpoints,
    SpotifyError,
    error_message,
    request_token,
)
from bridge.music.playlist import SpotifyAccount
from bridge.ports import SpotifyStore
from storage.repos import SqlStore

AskRedirect = Callable[[str], Awaitable[str]]


class LoginError(Exception):
    """A one-line reason the login did not happen."""


@dataclass(frozen=True, slots=True)
class LoginSettings:
    client_id: str
    client_secret: str
    redirect_uri: str
    endpoints: SpotifyEndpoints


def authorize_url(settings: LoginSettings, state: str) -> str:
    query = {
        "client_id": settings.client_id,
        "response_type": "code",
        "redirect_uri": settings.redirect_uri,
        "scope": " ".join(SCOPES),
        "state": state,
    }
    return f"{settings.endpoints.accounts}/authorize?{urlencode(query)}"


def code_from_redirect(url: str, state: str) -> str:
    """The ``code`` of the redirect URL, after checking ``state`` and ``error``."""
    parts = urlsplit(url.strip())
    query = {k: v[0] for k, v in parse_qs(parts.query).items() if v}
    if not parts.scheme or not query:
        raise LoginError("that is not the redirect URL (expected ...?code=...&state=...)")
    if query.get("state") != state:
        raise LoginError("state mismatch: paste the URL from this login attempt, not an older one")
    if "error" in query:
        if query["error"] == "access_denied":
            raise LoginError("Spotify login was denied (access_denied)")
        raise LoginError(f"Spotify login failed: {query['error']}")
    if not query.get("code"):
        raise LoginError("the redirect URL has no code")
    return query["code"]


async def login(
    settings: LoginSettings,
    store: SpotifyStore,
    ask_redirect: AskRedirect,
    *,
    state: str | None = None,
) -> SpotifyAccount:
    """Run the whole flow; ``ask_redirect`` gets the authorize URL and returns the pasted URL."""
    state = state or secrets.token_urlsafe(24)
    pasted = await ask_redirect(authorize_url(settings, state))
    code = code_from_redirect(pasted, state)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": settings.redirect_uri,
    }
    auth = (settings.client_id, settings.client_secret)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session:
            try:
                tokens = await request_token(session, settings.endpoints, auth, form)
            except SpotifyError as exc:
                raise LoginError(f"Spotify refused the code: {exc.message or exc}") from None
            refresh = tokens.get("refresh_token")
            if not isinstance(refresh, str) or not refresh:
                raise LoginError("Spotify returned no refresh token")
            # who logged in, with the access token just given: no refresh, so the refresh
            # token stored is the one Spotify handed out (a refresh could have rotated it)
            me = await _me(session, settings.endpoints, str(tokens["access_token"]))
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise LoginError(f"cannot reach Spotify: {type(exc).__name__}") from None
    scope = str(tokens.get("scope") or " ".join(SCOPES))
    account = _account(me, refresh, scope)
    await store.save_spotify_account(account)
    return account


async def _me(
    session: aiohttp.ClientSession, endpoints: SpotifyEndpoints, access_token: str
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {access_token}"}
    async with session.get(endpoints.api + "/me", headers=headers) as response:
        status = response.status
        text = await response.text(errors="replace")
    try:
        body: Any = json.loads(text)
    except ValueError:
        body = None
    if status >= 400 or not isinstance(body, dict):
        detail = error_message(body) if isinstance(body, dict) else text.strip()[:200]
        raise LoginError(f"cannot read the Spotify account: HTTP {status}: {detail}")
    return body


def _account(me: dict[str, Any], refresh: str, scope: str) -> SpotifyAccount:
    user_id = str(me.get("id") or "")
    return SpotifyAccount(
        user_id=user_id,
        display_name=str(me.get("display_name") or user_id),
        refresh_token=refresh,
        scopes=tuple(scope.split()),
        updated_at=time.time(),
    )


# -- the command ----------------------------------------------------------------------------------
def settings_from_config(config: Config) -> LoginSettings:
    if config.spotify is None:
        raise LoginError(
            "no [spotify] section in the config: add client_id and client_secret from "
            "https://developer.spotify.com/dashboard"
        )
    return LoginSettings(
        client_id=config.spotify.client_id,
        client_secret=config.spotify.client_secret,
        redirect_uri=config.spotify.redirect_uri,
        endpoints=SpotifyEndpoints.for_emulator(config.network.emulator),
    )


async def _prompt(url: str) -> str:
    print("Open this URL, log in as the bot's Spotify account and agree:\n")
    print(f"  {url}\n")
    print("Then paste the address your browser was sent to (it starts with the redirect URI):")
    return await asyncio.to_thread(input, "> ")


async def run_login_command(
    config: Config,
    *,
    state: str | None = None,
    redirect_url: str | None = None,
    url_only: bool = False,
) -> int:
    """``fanbridge spotify login``: 0 when logged in (or the URL printed), 2 on an error."""
    try:
        settings = settings_from_config(config)
        if url_only:
            print(authorize_url(settings, state or secrets.token_urlsafe(24)))
            return 0
        if redirect_url is not None and state is None:
            raise LoginError("--redirect-url needs --state (the one given with --url-only)")
        account = await _login_with_store(config, settings, state, redirect_url)
    except LoginError as exc:
        print(f"fanbridge: spotify login: {exc}", file=sys.stderr)
        return 2
    print(f"Logged in to Spotify as {account.display_name} ({account.user_id}).")
    return 0


async def _login_with_store(
    config: Config, settings: LoginSettings, state: str | None, redirect_url: str | None
) -> SpotifyAccount:
    async def ask(url: str) -> str:
        return redirect_url if redirect_url is not None else await _prompt(url)

    store = await SqlStore.open(config.database.url, schema=config.database.schema_name)
    try:
        return await login(settings, store, ask, state=state)
    finally:
        await store.close()
