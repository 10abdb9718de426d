"""Slack Web API and network failures mapped onto the outbox's retry policy (a leaf: every part
that calls Slack for the outbox uses it)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiohttp
from slack_sdk.errors import SlackApiError

from bridge.ports import Paused, PermanentError, RateLimited, TransientError, WaitForRoom
from storage.repo_slack_installs import PAUSED

HARMLESS = {"already_reacted", "no_reaction", "message_not_found"}
# the app was removed from the workspace (its uninstall event may not have come yet): held
REMOVED = {"token_revoked", "account_inactive"}
TRANSIENT = {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
NO_ROOM = {"too_many_emoji"}  # the message has as many distinct reactions as Slack allows


@contextlib.asynccontextmanager
async def platform_errors() -> AsyncIterator[None]:
    try:
        yield
    except SlackApiError as exc:
        _raise_for(exc)
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise TransientError(repr(exc)) from exc


def _raise_for(exc: SlackApiError) -> None:
    response = exc.response
    error = str(response.get("error", "")) if response is not None else ""
    status = response.status_code if response is not None else 0
    if status == 429 or error == "ratelimited":
        headers = response.headers if response is not None else {}
        retry = float(headers.get("Retry-After", headers.get("retry-after", 1)) or 1)
        raise RateLimited(retry) from exc
    if error in HARMLESS:
        return
    if error in NO_ROOM:
        raise WaitForRoom(error) from exc
    if error in REMOVED:
        raise Paused(f"{PAUSED} Slack refused the app's token there ({error})") from exc
    if status >= 500 or error in TRANSIENT:
        raise TransientError(f"{status} {error}") from exc
    raise PermanentError(f"{status} {error}") from exc
