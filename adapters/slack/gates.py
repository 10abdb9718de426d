"""Join gates on Slack: the arguments of `/fangroup visibility|invite|join`, the join request
card with its Approve / Deny buttons (action_id ``fbjoin_approve`` / ``fbjoin_deny``, the value
is the request), and admission: ``conversations.invite`` into the group's channels."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import platform_errors
from adapters.slack.mrkdwn import unescape
from adapters.slack.tab import response
from bridge.events import CommandInvoked, CoreEvent
from bridge.gates.check import Grant
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.outcome import Outcome, Reply
from bridge.ports import PermanentError
from bridge.records import FanGroup

log = logging.getLogger(__name__)

Dispatch = Callable[[CoreEvent], Awaitable[Outcome]]
GATE_SUBCOMMANDS = ("visibility", "invite", "join")
ACTION_PREFIX = "fbjoin_"
ALREADY_IN = "already_in_channel"
DECISIONS = (("approve", "Approve", "primary"), ("deny", "Deny", "danger"))


def gate_args(sub: str, words: list[str]) -> dict[str, str]:
    """``visibility <value>``, ``invite [uses] [expiry]``, ``join [code|group]``."""
    first = unescape(words[0]) if words else ""
    if sub == "visibility":
        return {"value": first}
    if sub == "invite":
        return {"uses": first, "expiry": unescape(words[1]) if len(words) > 1 else ""}
    return {"code": first}


def request_blocks(text: str, request_id: int) -> list[dict[str, Any]]:
    buttons = [
        {
            "type": "button",
            "action_id": f"{ACTION_PREFIX}{decision}",
            "text": {"type": "plain_text", "text": label},
            "style": style,
            "value": str(request_id),
        }
        for decision, label, style in DECISIONS
    ]
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {"type": "actions", "block_id": f"fbjoin-{request_id}", "elements": buttons},
    ]


class JoinActions:
    """A moderator pressed Approve or Deny: the decision replaces the card."""

    def __init__(self, dispatch: Dispatch) -> None:
        self.dispatch = dispatch

    async def on_action(
        self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any
    ) -> None:
        await ack()
        decision = str(action.get("action_id", ""))[len(ACTION_PREFIX) :]
        team = str((body.get("team") or {}).get("id") or body.get("team_id") or "")
        user = body.get("user") or {}
        channel = str((body.get("channel") or {}).get("id") or "")
        event = CommandInvoked(
            key=f"action:{body.get('trigger_id') or action.get('action_ts')}",
            channel=ChannelRef(Platform.SLACK, team, channel),
            user=UserRef(Platform.SLACK, team, str(user.get("id") or "")),
            path=("join", decision),
            args={"request": str(action.get("value") or "")},
            display_name=str(user.get("name") or user.get("username") or ""),
        )
        outcome = await self.dispatch(event)
        if isinstance(outcome, Reply) and not outcome.ephemeral:
            await respond(replace_original=True, text=outcome.text, blocks=[])
        else:
            await respond(replace_original=False, **response(outcome))


class SlackGates:
    """The gate port on Slack, for the outbox: a refusal fails a grant, an outage or a rate
    limit raises (platform_errors) so the outbox retries it."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def post_request(self, channel: ChannelRef, text: str, request_id: int) -> None:
        async with platform_errors():
            await self.client.chat_postMessage(
                channel=channel.channel, text=text, blocks=request_blocks(text, request_id)
            )

    async def admit(
        self, group: FanGroup, user: UserRef, channels: Sequence[ChannelRef]
    ) -> list[Grant]:
        return [await self._invite(channel, user.user) for channel in channels]

    async def _invite(self, channel: ChannelRef, user: str) -> Grant:
        try:
            async with platform_errors():
                await self.client.conversations_invite(channel=channel.channel, users=user)
        except PermanentError as exc:
            error = str(exc)
            if ALREADY_IN in error:
                return Grant(channel, "done", "already in the channel")
            return Grant(channel, "failed", error)
        return Grant(channel, "done", "invited to the channel")
