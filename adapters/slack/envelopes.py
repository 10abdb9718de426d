"""bolt's Socket Mode handler with a clean stop: it knows the envelopes it is handling, so a stop
first refuses new ones, lets those in hand finish and acknowledge on the session that is still
open, and only then closes it.

Closing the session under a handler used to make its acknowledgement fail: slack_sdk logged
``Failed to run a request listener: Cannot write to closing transport`` as an ERROR on every
routine stop, which hides the ERRORs that matter. No event is lost either way, because an event
is acknowledged only once it is handled (``process_before_response``, adapters/slack/app.py): one
refused here, or given up at the stop's deadline, was never acknowledged, so Slack sends it again
(to another worker's connection, or to this worker when it is back, whose catch-up also reads the
history of a new session)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

log = logging.getLogger(__name__)

# Slack waits this long for an acknowledgement, then sends the envelope again: an
# acknowledgement later than that is worth nothing, so a stop waits no longer for one.
ACK_DEADLINE = 3.0


class EnvelopeHandler(AsyncSocketModeHandler):
    """``AsyncSocketModeHandler`` (it handles every envelope through the app and acknowledges
    it), plus ``stop``: refuse new envelopes, let the ones in hand finish, then close."""

    def __init__(self, app: AsyncApp, app_token: str) -> None:
        super().__init__(app, app_token)
        self._accepting = True
        self._handling: set[asyncio.Task[Any]] = set()

    async def handle(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:
        if not self._accepting:
            return  # not acknowledged: Slack sends it again
        task = asyncio.current_task()
        if task is not None:
            self._handling.add(task)
        try:
            await super().handle(client, req)  # type: ignore[arg-type]  # as bolt declares it
        finally:
            if task is not None:
                self._handling.discard(task)

    async def stop(self, grace: float = ACK_DEADLINE) -> None:
        """Refuse new envelopes, give the ones being handled ``grace`` seconds to finish and be
        acknowledged on the open session (past it they are cancelled, unacknowledged, and Slack
        has already sent them again), then close the session."""
        self._accepting = False
        if self._handling:
            _, late = await asyncio.wait(set(self._handling), timeout=grace)
            if late:
                log.warning(
                    "slack: %d event(s) still being handled %.0fs into the stop: left"
                    " unacknowledged, so Slack sends them again",
                    len(late),
                    grace,
                )
                for task in late:
                    task.cancel()
                await asyncio.wait(late, timeout=1.0)
        await self.close_async()  # type: ignore[no-untyped-call]
