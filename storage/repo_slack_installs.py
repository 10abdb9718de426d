"""Slack installs (``slack_install``) and OAuth states (``slack_oauth_state``).

One row per workspace: an install writes it (a re-install replaces the token and makes it
active again), an uninstall or a revoked token only changes its status, so the workspace's name
and who installed it stay for ``/fangroup info``. An OAuth state is consumed by one DELETE that
matches it only while unexpired: used twice, or too late, it is refused."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Update, update
from sqlmodel import col, delete, select

from bridge.ids import Platform
from bridge.records import OutboxStatus
from storage.base import RepoBase
from storage.tables import OutboxRow, SlackInstallRow, SlackOAuthStateRow

ACTIVE, UNINSTALLED, REVOKED = "active", "uninstalled", "revoked"
STATUSES = (ACTIVE, UNINSTALLED, REVOKED)
# how the error of an outbox item held for a paused workspace begins (adapters/slack/tokens.py)
PAUSED = "paused:"


@dataclass(frozen=True)
class SlackInstall:
    team_id: str
    bot_token: str
    team_name: str = ""
    enterprise_id: str | None = None
    app_id: str | None = None
    bot_user_id: str | None = None
    bot_id: str | None = None
    scopes: str = ""
    installed_by: str | None = None
    installed_at: float = 0.0
    status: str = ACTIVE

    def __repr__(self) -> str:  # the token is a secret: never in a log line or a traceback
        return f"SlackInstall(team_id={self.team_id!r}, status={self.status!r})"

    @property
    def active(self) -> bool:
        return self.status == ACTIVE


def _install(row: SlackInstallRow) -> SlackInstall:
    return SlackInstall(
        team_id=row.team_id,
        bot_token=row.bot_token,
        team_name=row.team_name,
        enterprise_id=row.enterprise_id,
        app_id=row.app_id,
        bot_user_id=row.bot_user_id,
        bot_id=row.bot_id,
        scopes=row.scopes,
        installed_by=row.installed_by,
        installed_at=row.installed_at,
        status=row.status,
    )


def _fields(install: SlackInstall, now: float) -> dict[str, object]:
    return {
        "team_name": install.team_name,
        "enterprise_id": install.enterprise_id,
        "app_id": install.app_id,
        "bot_token": install.bot_token,
        "bot_user_id": install.bot_user_id,
        "bot_id": install.bot_id,
        "scopes": install.scopes,
        "installed_by": install.installed_by,
        "installed_at": install.installed_at or now,
        "status": ACTIVE,
        "status_at": now,
    }


def _resume_held(team_id: str, now: float) -> Update:
    """The workspace's outbox items held while it was paused become due at ``now`` (in their
    order: each channel's oldest first, as always)."""
    held = (
        (col(OutboxRow.target_platform) == Platform.SLACK.value)
        & (col(OutboxRow.target_workspace) == team_id)
        & (col(OutboxRow.status) == OutboxStatus.PENDING.value)
        & col(OutboxRow.last_error).startswith(PAUSED)
    )
    resume = update(OutboxRow).where(held).values(next_attempt_at=now)
    return resume.execution_options(synchronize_session=False)


class SlackInstallRepo(RepoBase):
    async def save_install(self, install: SlackInstall) -> SlackInstall:
        """Writes the workspace's install, active (a re-install replaces the previous one), and
        makes the outbox items held while it was paused due now, in the same transaction."""
        now = self.clock.now()
        values = _fields(install, now)
        async with self.session() as s:
            query = select(SlackInstallRow).where(col(SlackInstallRow.team_id) == install.team_id)
            row = (await s.exec(query.with_for_update())).first()
            if row is None:
                row = SlackInstallRow(team_id=install.team_id, **values)  # type: ignore[arg-type]
            else:
                for name, value in values.items():
                    setattr(row, name, value)
            s.add(row)
            await s.exec(_resume_held(install.team_id, now))
        return replace(install, installed_at=row.installed_at, status=ACTIVE)

    async def find_install(self, team_id: str) -> SlackInstall | None:
        """The workspace's install, whatever its status."""
        query = select(SlackInstallRow).where(col(SlackInstallRow.team_id) == team_id)
        async with self.session() as s:
            row = (await s.exec(query)).first()
        return _install(row) if row is not None else None

    async def installs(self) -> list[SlackInstall]:
        async with self.session() as s:
            rows = (await s.exec(select(SlackInstallRow).order_by(col(SlackInstallRow.id)))).all()
        return [_install(row) for row in rows]

    async def set_install_status(self, team_id: str, status: str) -> bool:
        """Marks the workspace's install (``uninstalled``, ``revoked``); False when it has none
        or it was already so."""
        if status not in STATUSES:
            raise ValueError(f"unknown install status {status!r}")
        match = (col(SlackInstallRow.team_id) == team_id) & (col(SlackInstallRow.status) != status)
        statement = update(SlackInstallRow).where(match)
        async with self.session() as s:
            result = await s.exec(statement.values(status=status, status_at=self.clock.now()))
            return bool(result.rowcount)

    async def delete_install(self, team_id: str) -> bool:
        match = col(SlackInstallRow.team_id) == team_id
        async with self.session() as s:
            return bool((await s.exec(delete(SlackInstallRow).where(match))).rowcount)

    # -- OAuth states ------------------------------------------------------------------------
    async def issue_state(self, state: str, *, expires_at: float) -> None:
        """Remembers a new state (and forgets the expired ones)."""
        expired = col(SlackOAuthStateRow.expires_at) <= self.clock.now()
        async with self.session() as s:
            await s.exec(delete(SlackOAuthStateRow).where(expired))
            s.add(SlackOAuthStateRow(state=state, expires_at=expires_at))

    async def consume_state(self, state: str) -> bool:
        """True once for a state issued and unexpired; it is gone afterwards."""
        match = (col(SlackOAuthStateRow.state) == state) & (
            col(SlackOAuthStateRow.expires_at) > self.clock.now()
        )
        async with self.session() as s:
            return bool((await s.exec(delete(SlackOAuthStateRow).where(match))).rowcount)
