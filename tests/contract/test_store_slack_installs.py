"""Slack installs in the product's database, through slack-bolt's store interfaces: an install is
found by its workspace while active, a re-install replaces the token and resumes it, an uninstall
keeps the row (name, installer) but hides the token; OAuth states are single use and expire."""

from __future__ import annotations

from slack_sdk.oauth.installation_store import Installation

from adapters.logsetup import RedactingFilter
from adapters.slack.installs import SqlInstallationStore, SqlOAuthStateStore
from adapters.slack.tokens import FRESH_SECONDS, TeamTokens
from bridge.testing import ManualClock
from storage.repo_slack_installs import REVOKED, UNINSTALLED, SlackInstallRepo
from storage.repos import SqlStore


def _installation(team: str, token: str) -> Installation:
    return Installation(
        app_id="A0FANBRIDGE",
        team_id=team,
        team_name="Night Owls",
        bot_token=token,
        bot_id="B01",
        bot_user_id="U0BOT",
        bot_scopes="chat:write,commands",
        user_id="U0ZOE",
        installed_at=1_800_000_000.0,
    )


async def test_an_install_is_found_by_workspace_until_uninstalled(sql_store: SqlStore) -> None:
    repo = SlackInstallRepo(sql_store.db)
    installs = SqlInstallationStore(repo)
    await installs.async_save(_installation("T02", "xoxb-first"))
    bot = await installs.async_find_bot(enterprise_id=None, team_id="T02")
    assert bot is not None and bot.bot_token == "xoxb-first"
    assert bot.bot_scopes == ["chat:write", "commands"] and bot.team_name == "Night Owls"
    assert await installs.async_find_bot(enterprise_id=None, team_id="T09") is None
    assert await repo.set_install_status("T02", UNINSTALLED)
    assert not await repo.set_install_status("T02", UNINSTALLED)  # already so
    assert await installs.async_find_bot(enterprise_id=None, team_id="T02") is None
    kept = await repo.find_install("T02")
    assert kept is not None and kept.status == UNINSTALLED and kept.installed_by == "U0ZOE"
    assert "xoxb" not in repr(kept)  # the token never shows in a log line


async def test_a_reinstall_replaces_the_token_and_resumes(sql_store: SqlStore) -> None:
    repo = SlackInstallRepo(sql_store.db)
    installs = SqlInstallationStore(repo)
    await installs.async_save(_installation("T02", "xoxb-first"))
    await repo.set_install_status("T02", REVOKED)
    await installs.async_save(_installation("T02", "xoxb-second"))
    found = await installs.async_find_installation(enterprise_id=None, team_id="T02")
    assert found is not None and found.bot_token == "xoxb-second"
    assert [(i.team_id, i.status) for i in await repo.installs()] == [("T02", "active")]


async def test_oauth_states_are_single_use_and_expire(
    sql_store: SqlStore, clock: ManualClock
) -> None:
    states = SqlOAuthStateStore(SlackInstallRepo(sql_store.db), clock, expiration_seconds=600)
    first, second = await states.async_issue(), await states.async_issue()
    assert first != second
    assert await states.async_consume(first)
    assert not await states.async_consume(first)  # used
    assert not await states.async_consume("made-up")
    clock.advance(601)
    assert not await states.async_consume(second)  # expired


def test_an_installed_token_never_reaches_a_log_line() -> None:
    token = "xoxb-1000000003-a1b2c3d4e5f6-Q0w9E8r7T6y5U4i3O2p1A0s9"
    sql = f"INSERT INTO slack_install (...) VALUES ('T02', 'Night Owls', '{token}')"
    assert token not in RedactingFilter().redact(sql)


async def test_workers_follow_an_uninstall_another_worker_saw(
    sql_store: SqlStore, clock: ManualClock
) -> None:
    repo = SlackInstallRepo(sql_store.db)
    seen_it, other = (TeamTokens(repo, clock, "xoxb-home") for _ in range(2))
    assert await other.token("T02") == "xoxb-home"  # no install yet: the configured token
    await SqlInstallationStore(repo).async_save(_installation("T02", "xoxb-night"))
    await seen_it.installed(_installation("T02", "xoxb-night"))
    assert await seen_it.token("T02") == "xoxb-night"
    clock.advance(FRESH_SECONDS + 1)
    assert await other.token("T02") == "xoxb-night"
    await seen_it.lost("T02", UNINSTALLED)
    assert await seen_it.token("T02") is None
    assert "uninstalled from Night Owls" in await seen_it.paused("T02")
    clock.advance(FRESH_SECONDS + 1)
    assert await other.token("T02") is None
