"""Add to Slack: slack-bolt's OAuth v2 flow on the bridge's web server. ``install_path`` shows
the Add to Slack button (with a fresh state, also set as a cookie in the browser);
``redirect_uri_path`` checks the state (this browser, single use, unexpired), trades the code
for the workspace's bot token (``oauth.v2.access``), saves the install and names the workspace
on the page it shows. Slack's URLs (authorize page, Web API) follow ``[network] emulator``."""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.web.async_client import AsyncWebClient
from yarl import URL

from adapters.config import Config
from adapters.slack.installs import SqlInstallationStore, SqlOAuthStateStore
from bridge.ports import Clock
from storage.repo_slack_installs import SlackInstallRepo

log = logging.getLogger(__name__)

AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"
# the bot scopes of slack-app-manifest.yml (what the bridge needs in each workspace)
BOT_SCOPES = (
    "chat:write",
    "chat:write.customize",
    "chat:write.public",
    "pins:write",
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
)
Installed = Callable[[Installation], Awaitable[None]]

FAILURES = {
    "access_denied": "The install was cancelled in Slack: nothing was changed.",
    "invalid_browser": "This install was started in another browser, or its link has expired. "
    "Start again from the Add to Slack page.",
    "invalid_state": "This install link has expired or was already used. "
    "Start again from the Add to Slack page.",
    "missing_code": "Slack sent no install code back. Start again from the Add to Slack page.",
    "invalid_code": "Slack did not accept the install code (it may have expired). "
    "Start again from the Add to Slack page.",
    "storage_error": "The install could not be saved. Try again in a moment.",
}


@dataclass(frozen=True)
class InstallSettings:
    client_id: str
    client_secret: str
    install_path: str = "/slack/install"
    redirect_uri_path: str = "/slack/oauth_redirect"
    redirect_uri: str | None = None  # None: this server's own address as the browser sees it
    state_expiration_seconds: int = 600
    authorize_url: str = AUTHORIZE_URL
    scopes: tuple[str, ...] = BOT_SCOPES


def emulated_urls(emulator: str | None) -> tuple[str, str]:
    """The authorize page and the Web API base: Slack's, or the emulator's."""
    if emulator:
        return f"{emulator}/slack/oauth/v2/authorize", f"{emulator}/slack/api/"
    return AUTHORIZE_URL, AsyncWebClient.BASE_URL


def page(title: str, text: str, *, status: int = 200) -> BoltResponse:
    body = (
        '<!doctype html><html lang="en"><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        f"<body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>"
    )
    return BoltResponse(status=status, body=body, headers={"Content-Type": "text/html"})


class SlackInstallFlow:
    """The two routes, as aiohttp handlers over bolt's ``AsyncOAuthFlow`` (one per redirect
    URL: with none configured, the browser's view of this server decides it)."""

    def __init__(
        self,
        settings: InstallSettings,
        *,
        installs: SqlInstallationStore,
        states: SqlOAuthStateStore,
        client: AsyncWebClient,
        on_installed: Installed | None = None,
    ) -> None:
        self.settings = settings
        self.installs = installs
        self.states = states
        self.client = client
        self.on_installed = on_installed
        self._flows: dict[str, AsyncOAuthFlow] = {}

    @property
    def install_path(self) -> str:
        return self.settings.install_path

    @property
    def redirect_uri_path(self) -> str:
        return self.settings.redirect_uri_path

    async def install(self, request: web.Request) -> web.Response:
        flow = self.flow(request)
        return await to_aiohttp_response(
            await flow.handle_installation(await to_bolt_request(request))
        )

    async def callback(self, request: web.Request) -> web.Response:
        flow = self.flow(request)
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    def flow(self, request: web.Request) -> AsyncOAuthFlow:
        path = URL(self.settings.redirect_uri_path)
        redirect_uri = self.settings.redirect_uri or str(request.url.origin().join(path))
        if redirect_uri not in self._flows:
            self._flows[redirect_uri] = AsyncOAuthFlow(
                client=self.client, logger=log, settings=self._settings(redirect_uri)
            )
        return self._flows[redirect_uri]

    def _settings(self, redirect_uri: str) -> AsyncOAuthSettings:
        s = self.settings
        return AsyncOAuthSettings(
            client_id=s.client_id,
            client_secret=s.client_secret,
            scopes=list(s.scopes),
            redirect_uri=redirect_uri,
            install_path=s.install_path,
            redirect_uri_path=s.redirect_uri_path,
            authorization_url=s.authorize_url,
            installation_store=self.installs,
            installation_store_bot_only=True,
            state_store=self.states,
            state_expiration_seconds=s.state_expiration_seconds,
            callback_options=AsyncCallbackOptions(success=self._success, failure=self._failure),
            logger=log,
        )

    async def _success(self, args: AsyncSuccessArgs) -> BoltResponse:
        installation = args.installation
        team = installation.team_name or installation.team_id or "your workspace"
        if self.on_installed is not None:
            await self.on_installed(installation)
        response = page(
            f"fanbridge was added to {team}",
            "Go to a channel of the workspace and type /fangroup link <group> to bridge it "
            "(or /fangroup create <name> to start a Fan Group).",
        )
        response.headers["set-cookie"] = [args.settings.state_utils.build_set_cookie_for_deletion()]
        return response

    async def _failure(self, args: AsyncFailureArgs) -> BoltResponse:
        log.info("<= Slack install refused: %s", args.reason)
        text = FAILURES.get(args.reason, f"The install failed ({args.reason}).")
        response = page("fanbridge was not added", text, status=args.suggested_status_code)
        response.headers["set-cookie"] = [args.settings.state_utils.build_set_cookie_for_deletion()]
        return response


def install_flow(
    config: Config, repo: SlackInstallRepo, clock: Clock, on_installed: Installed | None = None
) -> SlackInstallFlow | None:
    """The Add to Slack flow the config asks for (``[slack] client_id`` and ``client_secret``),
    else None."""
    slack = config.slack
    if slack is None or not slack.client_id or not slack.client_secret:
        return None
    authorize_url, api_base = emulated_urls(config.network.emulator)
    public = config.web.public_url
    redirect_uri = slack.redirect_uri or (
        f"{public.rstrip('/')}{slack.redirect_uri_path}" if public else None
    )
    settings = InstallSettings(
        client_id=slack.client_id,
        client_secret=slack.client_secret,
        install_path=slack.install_path,
        redirect_uri_path=slack.redirect_uri_path,
        redirect_uri=redirect_uri,
        state_expiration_seconds=slack.state_expiration_seconds,
        authorize_url=authorize_url,
    )
    states = SqlOAuthStateStore(repo, clock, slack.state_expiration_seconds)
    client = AsyncWebClient(base_url=api_base)
    return SlackInstallFlow(
        settings,
        installs=SqlInstallationStore(repo),
        states=states,
        client=client,
        on_installed=on_installed,
    )
