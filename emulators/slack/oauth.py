"""Installing the app in a workspace ("Add to Slack", OAuth v2): the authorize page
(``/slack/oauth/v2/authorize``, standing for ``https://slack.com/oauth/v2/authorize``) that sends
the browser back to the app's ``redirect_uri`` with a code, ``oauth.v2.access`` that trades the
code for the workspace's bot token, ``auth.revoke``, and the control routes that choose who
approves the next install and uninstall the app from a workspace (``tokens_revoked`` and
``app_uninstalled`` events, as Slack sends them)."""

from __future__ import annotations

import base64
import binascii
import html
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from aiohttp import web

from emulators.slack.errors import SlackError
from emulators.slack.ids import random_id
from emulators.slack.state import Grant, Install, SlackState, User, Workspace
from emulators.slack.webapi import BOT_SCOPES, TIER_3, TIER_4, Call, Method

if TYPE_CHECKING:
    from emulators.slack.service import SlackService

AUTHORIZE_PATH = "/slack/oauth/v2/authorize"


# -- the authorize page --------------------------------------------------------------------------
def authorize_handler(svc: SlackService) -> Any:
    async def handle(request: web.Request) -> web.StreamResponse:
        query = request.query
        if query.get("client_id") != svc.state.config.client_id:
            return _page(400, "This app could not be found (invalid_client_id).")
        redirect_uri = query.get("redirect_uri", "")
        if not redirect_uri.startswith(("http://", "https://")):
            return _page(400, "This app's redirect URL is not valid (bad_redirect_uri).")
        choice = {**svc.state.approver, **{k: v for k, v in query.items() if k in CHOICE}}
        state = query.get("state", "")
        if _truthy(choice.get("deny")):
            raise web.HTTPFound(_back(redirect_uri, error="access_denied", state=state))
        grant = _grant(svc, choice, redirect_uri, query.get("scope") or BOT_SCOPES)
        raise web.HTTPFound(_back(redirect_uri, code=grant.code, state=state))

    return handle


def _grant(svc: SlackService, choice: dict[str, str], redirect_uri: str, scopes: str) -> Grant:
    ws, user = approver(svc.state, choice)
    code = random_id("", 24).lower()
    grant = Grant(code, ws.id, user.id, svc.state.config.client_id, redirect_uri, scopes)
    svc.state.grants[code] = grant
    svc.publish("slack.oauth", {"team": ws.id, "user": user.id, "approved": True})
    return grant


CHOICE = ("team", "user", "deny")


def _truthy(value: str | None) -> bool:
    return str(value or "").lower() in ("1", "true", "yes")


def _back(redirect_uri: str, **params: str) -> str:
    joiner = "&" if "?" in redirect_uri else "?"
    return f"{redirect_uri}{joiner}{urlencode(params)}"


def _page(status: int, text: str) -> web.Response:
    body = f"<!doctype html><title>Slack</title><p>{html.escape(text)}</p>"
    return web.Response(status=status, text=body, content_type="text/html")


def approver(state: SlackState, choice: dict[str, str]) -> tuple[Workspace, User]:
    """The workspace and person approving: by id or name, else the first workspace and its first
    admin (then its first person)."""
    ws = _workspace(state, choice.get("team"))
    people = [state.users[u] for u in ws.users if not state.users[u].is_bot]
    if choice.get("user"):
        found = state.find_user(choice["user"], ws.id)
        if found is None or found.team_id != ws.id:
            raise web.HTTPBadRequest(text=f"no such person in {ws.name}: {choice['user']}")
        return ws, found
    admins = [p for p in people if p.admin] or people
    if not admins:
        raise web.HTTPBadRequest(text=f"nobody in {ws.name} can approve the install")
    return ws, admins[0]


def _workspace(state: SlackState, ref: str | None) -> Workspace:
    if not ref:
        return state.first_team()
    for ws in state.workspaces.values():
        if ref in (ws.id, ws.name, ws.domain):
            return ws
    raise web.HTTPBadRequest(text=f"no such workspace: {ref}")


# -- Web API -------------------------------------------------------------------------------------
def _credentials(call: Call) -> tuple[str, str]:
    """client_id and client_secret from HTTP Basic auth (slack_sdk) or the form fields."""
    header = call.authorization
    if header.lower().startswith("basic "):
        try:
            pair = base64.b64decode(header[6:]).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise SlackError("invalid_client_id") from None
        client_id, _, secret = pair.partition(":")
        return client_id, secret
    return str(call.get("client_id", "")), str(call.get("client_secret", ""))


async def oauth_v2_access(call: Call) -> dict[str, Any]:
    cfg = call.state.config
    client_id, secret = _credentials(call)
    if client_id != cfg.client_id:
        raise SlackError("invalid_client_id")
    if secret != cfg.client_secret:
        raise SlackError("bad_client_secret")
    grant = call.state.grants.pop(str(call.get("code", "")), None)
    if grant is None:
        raise SlackError("invalid_code")
    if call.get("redirect_uri") not in (None, grant.redirect_uri):
        raise SlackError("bad_redirect_uri")
    install = issue(call.state, grant)
    ws = call.state.workspaces[install.team_id]
    return {
        "access_token": install.token,
        "token_type": "bot",
        "scope": install.scopes,
        "bot_user_id": cfg.bot_user_id,
        "app_id": cfg.app_id,
        "team": {"id": ws.id, "name": ws.name},
        "enterprise": None,
        "is_enterprise_install": False,
        "authed_user": {"id": grant.user_id},
    }


def issue(state: SlackState, grant: Grant) -> Install:
    """The workspace's bot token: the one it holds (a re-install keeps it) or a new one."""
    for install in state.installs.values():
        if install.team_id == grant.team_id and not install.revoked:
            install.scopes = grant.scopes
            return install
    number = 1000000000 + len(state.installs) + 2
    token = f"xoxb-{number}-{random_id('', 12)}-{random_id('', 24)}"
    install = Install(token, grant.team_id, grant.user_id, grant.scopes)
    state.installs[token] = install
    return install


async def auth_revoke(call: Call) -> dict[str, Any]:
    """Revokes the calling token (an installed one; the app's configured token stays valid)."""
    install = call.state.installs.get(call.token or "")
    if install is None or call.flag("test"):
        return {"revoked": install is not None and not call.flag("test")}
    install.revoked = True
    call.svc.events.emit(install.team_id, tokens_revoked(call.state))
    return {"revoked": True}


def tokens_revoked(state: SlackState) -> dict[str, Any]:
    return {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [state.config.bot_user_id]}}


METHODS = {
    "oauth.v2.access": Method(oauth_v2_access, TIER_4, token="none"),
    "auth.revoke": Method(auth_revoke, TIER_3),
}


# -- control -------------------------------------------------------------------------------------
async def set_approver(svc: SlackService, data: dict[str, Any]) -> Any:
    """Who approves the next installs: ``{"team": ..., "user": ...}`` or ``{"deny": true}``;
    ``{}`` goes back to the first workspace's first admin."""
    svc.state.approver = {k: str(data[k]) for k in CHOICE if data.get(k) not in (None, "")}
    return {"ok": True, "approver": svc.state.approver}


async def uninstall(svc: SlackService, data: dict[str, Any]) -> Any:
    """An admin removes the app from a workspace: its tokens stop working, and the app receives
    ``tokens_revoked`` then ``app_uninstalled``."""
    ws = _workspace(svc.state, str(data.get("team") or ""))
    revoked = [i for i in svc.state.installs.values() if i.team_id == ws.id and not i.revoked]
    for install in revoked:
        install.revoked = True
    svc.events.emit(ws.id, tokens_revoked(svc.state))
    svc.events.emit(ws.id, {"type": "app_uninstalled"})
    return {"ok": True, "team": ws.id, "revoked": len(revoked)}


async def installs(svc: SlackService, _: dict[str, Any]) -> Any:
    return [install.__dict__ for install in svc.state.installs.values()]


async def calls(svc: SlackService, data: dict[str, Any]) -> Any:
    """The Web API calls the app made: method, the token used and the token's workspace (None for
    the app's configured token)."""
    method = data.get("method")
    return [c for c in svc.calls if method in (None, c["method"])]
