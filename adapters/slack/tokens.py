"""Which bot token a Slack call uses: the token of the workspace it is made for.

The workspace is carried by a context variable, set where a call's workspace is known: bolt's
middleware for an incoming event (its ``team_id``), the chat adapter for a copy, an effect or an
announcement (the target channel's workspace), catch-up for the channel it reads. ``TeamClient``
(the one ``AsyncWebClient`` of the Slack side) sends each call with that workspace's token: its
install's (Add to Slack), else the configured ``bot_token`` (the home workspace, or a bridge
with one workspace). A call given a token explicitly keeps it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.pacing import Pacer, SharedPacer
from bridge.ports import Clock, Paused
from storage.rate_windows import RateWindows
from storage.repo_slack_installs import PAUSED, REVOKED, SlackInstall, SlackInstallRepo

log = logging.getLogger(__name__)

TEAM: ContextVar[str | None] = ContextVar("slack_team", default=None)
FRESH_SECONDS = 5.0  # read again after this long: an uninstall another worker saw counts here soon
# Methods whose tier the bridge's own bursts reach (a party's cards redrawn in every channel):
# at most (calls, seconds) per workspace, waited for here rather than answered 429 by Slack.
TIERS: dict[str, tuple[int, float]] = {"chat.update": (50, 60.0)}  # Tier 3


@contextmanager
def acting_for(team: str | None) -> Iterator[None]:
    """Slack calls made inside use ``team``'s token."""
    reset = TEAM.set(team or None)
    try:
        yield
    finally:
        TEAM.reset(reset)


class TeamTokens:
    """The installs by workspace, kept in memory: an install or an uninstall this process sees
    updates them at once, and each is read again after ``FRESH_SECONDS``, so what another
    worker saw (an install, an uninstall) is followed within that time."""

    def __init__(self, repo: SlackInstallRepo, clock: Clock, default: str) -> None:
        self.repo = repo
        self.clock = clock
        self.default = default
        self.bot_user_id = ""
        self.bot_id = ""
        self._known: dict[str, tuple[SlackInstall | None, float]] = {}  # team -> (install, until)

    async def install_of(self, team: str) -> SlackInstall | None:
        """The workspace's install (any status), or None when it has none."""
        known = self._known.get(team)
        # an absent or paused install is read again every time: another worker may have just
        # installed it
        fresh = known is not None and known[1] > self.clock.now()
        if known is not None and fresh and known[0] is not None and known[0].active:
            return known[0]
        install = await self.repo.find_install(team)
        self._known[team] = (install, self.clock.now() + FRESH_SECONDS)
        return install

    async def token(self, team: str | None) -> str | None:
        """The token for ``team``: its active install's, the configured one when it has no
        install, None when the app was uninstalled from it (or its token revoked)."""
        install = await self.install_of(team) if team else None
        if install is None:
            return self.default
        return install.bot_token if install.active else None

    def forget(self, team: str) -> None:
        self._known.pop(team, None)

    async def lost(self, team: str, status: str) -> None:
        """The app was uninstalled from ``team`` or its token revoked: the workspace's links
        pause (nothing is sent there) until it installs the app again."""
        if await self.repo.set_install_status(team, status):
            log.info("<= Slack app %s in %s: its links pause", status, team)
        self.forget(team)

    async def paused(self, team: str) -> str:
        """Why ``team``'s links are paused, for `/fangroup info` ("" when they are not)."""
        install = await self.install_of(team)
        if install is None or install.active:
            return ""
        where = install.team_name or team
        if install.status == REVOKED:
            return f"{PAUSED} the Slack app's token was revoked in {where}; install it again"
        return f"{PAUSED} the Slack app was uninstalled from {where}; install it again"

    async def installed(self, installation: Installation) -> None:
        """Add to Slack saved an install: its token is used from the next call on."""
        if installation.team_id:
            self.forget(installation.team_id)
            await self.install_of(installation.team_id)

    def authorize(self) -> Callable[..., Awaitable[Any]]:
        """bolt's ``authorize`` function (bolt passes the arguments it names, so a plain
        function, not a bound method)."""

        async def authorize(enterprise_id: str | None, team_id: str | None) -> Any:
            return await self._authorize(enterprise_id, team_id)

        return authorize

    async def _authorize(self, enterprise_id: str | None, team_id: str | None) -> Any:
        """The bot of the event's workspace, or None (bolt then drops the event) when the app
        no longer has a token there."""
        install = await self.install_of(team_id) if team_id else None
        if install is not None and not install.active:
            return None
        token = install.bot_token if install is not None else self.default
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_token=token,
            bot_user_id=(install.bot_user_id if install else None) or self.bot_user_id,
            bot_id=(install.bot_id if install else None) or self.bot_id,
        )


class TeamClient(AsyncWebClient):
    """An ``AsyncWebClient`` whose calls carry the token of the workspace they are made for,
    and wait for their turn in the workspace's tier of the methods in ``TIERS``: in this
    process, and with ``windows`` (PostgreSQL) in a window every worker draws from, so N
    workers redrawing cards in one workspace stay under one allowance, not N."""

    tokens: TeamTokens | None = None
    windows: RateWindows | None = None
    tiers: Mapping[str, tuple[int, float]] = TIERS  # a test against a sped-up emulator scales

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (workspace, method) -> its pacer
        self._tiers: dict[tuple[str, str], Pacer | SharedPacer] = {}

    async def api_call(
        self, api_method: str, *, headers: dict[str, Any] | None = None, **kwargs: Any
    ) -> AsyncSlackResponse:
        tier = self.tiers.get(api_method)
        if tier is None:
            return await self._team_call(api_method, headers=headers, **kwargs)
        pacer = self._pacer(TEAM.get() or "", api_method, tier)
        slot = await pacer.take()
        try:
            return await self._team_call(api_method, headers=headers, **kwargs)
        finally:
            pacer.finish(slot)

    def _pacer(self, team: str, api_method: str, tier: tuple[int, float]) -> Pacer | SharedPacer:
        pacer = self._tiers.get((team, api_method))
        if pacer is None:
            local = Pacer(*tier)
            key = f"slack:{team}:{api_method}"
            pacer = local if self.windows is None else SharedPacer(local, self.windows, key)
            self._tiers[(team, api_method)] = pacer
        return pacer

    async def close_pacing(self) -> None:
        """Close the shared slots still being closed and give the windows' connection back
        (before the store closes)."""
        for pacer in list(self._tiers.values()):
            await pacer.close()  # each SharedPacer closes the one shared RateWindows: idempotent
        if self.windows is not None:
            await self.windows.close()

    async def _team_call(
        self, api_method: str, *, headers: dict[str, Any] | None = None, **kwargs: Any
    ) -> AsyncSlackResponse:
        team = TEAM.get()
        if self.tokens is not None and team and not _explicit_token(kwargs):
            token = await self.tokens.token(team)
            if token is None:  # nothing is sent to a workspace the app was removed from: the
                # outbox holds what it was sending until the workspace installs the app again
                raise Paused(await self.tokens.paused(team))
            if token != self.token:
                headers = {**(headers or {}), "Authorization": f"Bearer {token}"}
        return await super().api_call(api_method, headers=headers, **kwargs)


def _explicit_token(kwargs: dict[str, Any]) -> bool:
    return any(
        isinstance(kwargs.get(part), dict) and "token" in kwargs[part]
        for part in ("params", "json", "data")
    ) or bool(kwargs.get("auth"))
