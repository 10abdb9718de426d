"""slack-bolt's installation and OAuth state stores over the product's database
(storage/repo_slack_installs.py): what "Add to Slack" writes, and what every Slack call reads to
find the token of a workspace."""

from __future__ import annotations

import logging
import secrets
from logging import Logger

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bridge.ports import Clock
from storage.repo_slack_installs import UNINSTALLED, SlackInstall, SlackInstallRepo

log = logging.getLogger(__name__)


def _record(installation: Installation) -> SlackInstall:
    if not installation.team_id or not installation.bot_token:
        raise ValueError("an install without a workspace or a bot token")
    return SlackInstall(
        team_id=installation.team_id,
        bot_token=installation.bot_token,
        team_name=installation.team_name or "",
        enterprise_id=installation.enterprise_id,
        app_id=installation.app_id,
        bot_user_id=installation.bot_user_id,
        bot_id=installation.bot_id,
        scopes=",".join(installation.bot_scopes or ()),
        installed_by=installation.user_id,
        installed_at=float(installation.installed_at),
    )


def as_bot(install: SlackInstall) -> Bot:
    return Bot(
        app_id=install.app_id,
        enterprise_id=install.enterprise_id,
        team_id=install.team_id,
        team_name=install.team_name,
        bot_token=install.bot_token,
        bot_id=install.bot_id or "",
        bot_user_id=install.bot_user_id or "",
        bot_scopes=install.scopes,
        installed_at=install.installed_at,
    )


def as_installation(install: SlackInstall) -> Installation:
    return Installation(
        app_id=install.app_id,
        enterprise_id=install.enterprise_id,
        team_id=install.team_id,
        team_name=install.team_name,
        bot_token=install.bot_token,
        bot_id=install.bot_id,
        bot_user_id=install.bot_user_id,
        bot_scopes=install.scopes,
        user_id=install.installed_by or "",
        installed_at=install.installed_at,
    )


class SqlInstallationStore(AsyncInstallationStore):
    """Installs by workspace (one bot per workspace; no user tokens are kept). Only an active
    install is found: an uninstalled or revoked workspace has no token to use."""

    def __init__(self, repo: SlackInstallRepo) -> None:
        self.repo = repo

    @property
    def logger(self) -> Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        saved = await self.repo.save_install(_record(installation))
        log.info("<= Slack app installed in %s (%s)", saved.team_name, saved.team_id)

    async def async_save_bot(self, bot: Bot) -> None:
        await self.async_save(as_installation(_bot_record(bot)))

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        install = await self.active(team_id)
        return as_bot(install) if install is not None else None

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        install = await self.active(team_id)
        return as_installation(install) if install is not None else None

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        if team_id:
            await self.repo.set_install_status(team_id, UNINSTALLED)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if team_id and user_id is None:
            await self.repo.set_install_status(team_id, UNINSTALLED)

    async def active(self, team_id: str | None) -> SlackInstall | None:
        install = await self.repo.find_install(team_id) if team_id else None
        return install if install is not None and install.active else None


def _bot_record(bot: Bot) -> SlackInstall:
    return SlackInstall(
        team_id=bot.team_id or "",
        bot_token=bot.bot_token,
        team_name=bot.team_name or "",
        enterprise_id=bot.enterprise_id,
        app_id=bot.app_id,
        bot_user_id=bot.bot_user_id,
        bot_id=bot.bot_id,
        scopes=",".join(bot.bot_scopes or ()),
        installed_at=float(bot.installed_at),
    )


class SqlOAuthStateStore(AsyncOAuthStateStore):
    """States for the install flow: random, single use, valid ``expiration_seconds``."""

    def __init__(self, repo: SlackInstallRepo, clock: Clock, expiration_seconds: int) -> None:
        self.repo = repo
        self.clock = clock
        self.expiration_seconds = expiration_seconds

    @property
    def logger(self) -> Logger:
        return log

    async def async_issue(self, *args: object, **kwargs: object) -> str:
        state = secrets.token_urlsafe(24)
        expires_at = self.clock.now() + self.expiration_seconds
        await self.repo.issue_state(state, expires_at=expires_at)
        return state

    async def async_consume(self, state: str) -> bool:
        return bool(state) and await self.repo.consume_state(state)
